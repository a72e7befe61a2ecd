# rt/ daemon fragment: outpost-routed, its man page and service files.
sbin_PROGRAMS += rt/outpost-routed
rt_outpost_routed_SOURCES = \
	rt/routed.h \
	rt/outpost-routed.c \
	rt/routed_daemon.c \
	rt/routed_reconcile.c \
	rt/routed_index.c \
	rt/routed_fight.c \
	rt/routed_monitor.c \
	rt/routed_lines.c \
	rt/routed_ctl.c \
	rt/routed_files.c
rt_outpost_routed_CPPFLAGS = $(RT_CPPFLAGS)
rt_outpost_routed_CFLAGS = $(AM_CFLAGS) $(LIBMNL_CFLAGS) $(LIBCARES_CFLAGS) $(OPENSSL_CFLAGS)
rt_outpost_routed_LDADD = $(LIBOPSCHEMA) $(LIBRT) $(LIBOPPROBE)
