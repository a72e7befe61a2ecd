# probes/ build fragment: the probe engine (libopprobe), which
# outpost-probe, outpost-probed and (later) outpost-routed link.  Each
# probe type's fragment (ping.mk, trace.mk, web.mk) appends its sources.
noinst_LIBRARIES += probes/libopprobe.a
probes_libopprobe_a_SOURCES = \
	probes/probe.h probes/probe_stats.h \
	probes/probe_job.c probes/probe_path.c probes/probe_stats.c \
	probes/probe_tcp.c
probes_libopprobe_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(LIBCARES_CFLAGS)
PROBE_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/probes -I$(top_srcdir)/rt -I$(top_srcdir)/tests
# Tools link this: the engine, then libop under it.
LIBOPPROBE = probes/libopprobe.a $(LIBOP) $(OPENSSL_LIBS) -lm
