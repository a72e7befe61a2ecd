# src/ netlink fragment: libopnl, rtnetlink over libmnl (nl.h), which
# outpost-routed and outpost-shape link. A separate library so tools
# without netlink do not link libmnl.
# (owner: the kernel part of issue 9: defines src/libopnl.a here)
LIBOPNL = $(LIBMNL_LIBS)
