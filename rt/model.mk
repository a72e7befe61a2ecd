# rt/ model fragment: librt.a, what outpost-routed keeps in the kernel as
# plain data (rt.h): config model, desired state, difference, ip(8) text.
# The kernel part (kernel.mk) and health (health.mk) append to librt.a.
RT_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/rt -I$(top_srcdir)/probes -I$(top_srcdir)/tests
noinst_LIBRARIES += rt/librt.a
rt_librt_a_SOURCES = rt/rt.h rt/rt_kernel.h rt/rt_health.h rt/rt_set.c
rt_librt_a_CPPFLAGS = $(RT_CPPFLAGS)
rt_librt_a_CFLAGS = $(AM_CFLAGS) $(LIBMNL_CFLAGS) $(LIBCARES_CFLAGS) $(OPENSSL_CFLAGS)
# What links the routing code: the model, [line], netlink, libop.
LIBRT = rt/librt.a rt/librtline.a $(LIBOPNL) $(LIBOP)
