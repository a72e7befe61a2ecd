#!/usr/bin/env python3
"""rt-watch.py: print the kernel's rule and route notifications, for tests.

    rt-watch.py

Run it in the namespace to watch (ns_exec node python3 rt-watch.py >F &).
It joins the rtnetlink multicast groups of IPv4/IPv6 rules and routes,
prints {"event":"ready"} once joined, then one JSON line per notification:

    {"t_ns": <time.monotonic_ns()>, "event": "new"|"del",
     "kind": "rule"|"route", "family": 4|6, "table": N, "priority": N|null,
     "protocol": N, "src": "10.50.0.0/24"|null, "dst": ...|null, ...}

Rules also carry "fwmark", "iif", "oif", "action" ("lookup", "blackhole",
...); routes carry "type" ("unicast", "local", ...), "gateway", "oif"
(interface index) and "scope". Every line is flushed: the test reads the
file while the watcher runs. The time stamp is taken once per read, so
notifications delivered together share it. If the socket overflows it
prints {"event":"overrun"} (a test that sees it cannot trust its counts).

It is the clock for repair latency: the time from the kernel's deletion
notice of an object to its re-add notice. Written from the layouts in
<linux/netlink.h>, <linux/rtnetlink.h> and <linux/fib_rules.h>.
"""
import errno
import json
import os
import socket
import struct
import sys
import time

NETLINK_ROUTE = 0
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
SO_RCVBUFFORCE = 33

# enum rtnetlink_groups
RTNLGRP_IPV4_ROUTE = 7
RTNLGRP_IPV4_RULE = 8
RTNLGRP_IPV6_ROUTE = 11
RTNLGRP_IPV6_RULE = 19

RTM_NEWROUTE, RTM_DELROUTE = 24, 25
RTM_NEWRULE, RTM_DELRULE = 32, 33
NLMSG_ERROR, NLMSG_DONE = 2, 3

NLMSGHDR = struct.Struct("=IHHII")     # len, type, flags, seq, pid
# fib_rule_hdr: family, dst_len, src_len, tos, table, res1, res2, action, flags
FIBHDR = struct.Struct("=BBBBBBBBI")
# rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags
RTMSG = struct.Struct("=BBBBBBBBI")
RTATTR = struct.Struct("=HH")          # len, type

# enum fib rule attributes (FRA_*)
FRA_DST, FRA_SRC, FRA_IIFNAME, FRA_PRIORITY = 1, 2, 3, 6
FRA_FWMARK, FRA_TABLE, FRA_FWMASK, FRA_OIFNAME = 10, 15, 16, 17
FRA_PROTOCOL = 21
# enum rtattr_type_t (RTA_*)
RTA_DST, RTA_SRC, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY = 1, 2, 4, 5, 6
RTA_TABLE = 15

ACTIONS = {0: "unspec", 1: "lookup", 2: "goto", 3: "nop", 6: "blackhole",
           7: "unreachable", 8: "prohibit"}
RTN_TYPES = {0: "unspec", 1: "unicast", 2: "local", 3: "broadcast",
             4: "anycast", 5: "multicast", 6: "blackhole", 7: "unreachable",
             8: "prohibit", 9: "throw", 10: "nat", 11: "xresolve"}


def attrs(buf, off, end):
    """Yield (type, payload) of the rtattrs in buf[off:end], bounds-checked."""
    while off + RTATTR.size <= end:
        alen, atype = RTATTR.unpack_from(buf, off)
        if alen < RTATTR.size or off + alen > end:
            return
        yield atype & 0x3fff, buf[off + RTATTR.size:off + alen]
        off += (alen + 3) & ~3


def u32(p):
    return struct.unpack("=I", p[:4])[0] if len(p) >= 4 else None


def addr(family, p, plen):
    """An address attribute as text, with /plen (None if malformed)."""
    af = socket.AF_INET if family == socket.AF_INET else socket.AF_INET6
    need = 4 if af == socket.AF_INET else 16
    if len(p) < need:
        return None
    return "%s/%d" % (socket.inet_ntop(af, bytes(p[:need])), plen)


def ifname(p):
    return bytes(p).split(b"\0", 1)[0].decode("utf-8", "replace")


def rule(buf, off, end, ev):
    if off + FIBHDR.size > end:
        return None
    fam, dlen, slen, _tos, table, _r1, _r2, action, _fl = FIBHDR.unpack_from(buf, off)
    ev.update(kind="rule", family=4 if fam == socket.AF_INET else 6,
              table=table, priority=None, protocol=0, src=None, dst=None,
              fwmark=None, iif=None, oif=None,
              action=ACTIONS.get(action, str(action)))
    for t, p in attrs(buf, off + FIBHDR.size, end):
        if t == FRA_TABLE and u32(p) is not None:
            ev["table"] = u32(p)
        elif t == FRA_PRIORITY:
            ev["priority"] = u32(p)
        elif t == FRA_PROTOCOL and len(p) >= 1:
            ev["protocol"] = p[0]
        elif t == FRA_SRC:
            ev["src"] = addr(fam, p, slen)
        elif t == FRA_DST:
            ev["dst"] = addr(fam, p, dlen)
        elif t == FRA_FWMARK:
            ev["fwmark"] = u32(p)
        elif t == FRA_IIFNAME:
            ev["iif"] = ifname(p)
        elif t == FRA_OIFNAME:
            ev["oif"] = ifname(p)
    return ev


def route(buf, off, end, ev):
    if off + RTMSG.size > end:
        return None
    fam, dlen, slen, _tos, table, proto, scope, rtype, _fl = RTMSG.unpack_from(buf, off)
    ev.update(kind="route", family=4 if fam == socket.AF_INET else 6,
              table=table, priority=None, protocol=proto,
              src=None, dst="default" if dlen == 0 else None,
              type=RTN_TYPES.get(rtype, str(rtype)), scope=scope,
              gateway=None, oif=None)
    for t, p in attrs(buf, off + RTMSG.size, end):
        if t == RTA_TABLE and u32(p) is not None:
            ev["table"] = u32(p)
        elif t == RTA_PRIORITY:
            ev["priority"] = u32(p)
        elif t == RTA_DST:
            ev["dst"] = addr(fam, p, dlen)
        elif t == RTA_SRC:
            ev["src"] = addr(fam, p, slen)
        elif t == RTA_GATEWAY:
            g = addr(fam, p, 0)
            ev["gateway"] = g.rsplit("/", 1)[0] if g else None
        elif t == RTA_OIF:
            ev["oif"] = u32(p)
    return ev


def main():
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind((0, 0))
    for g in (RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV4_RULE,
              RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV6_RULE):
        s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, g)
    out = sys.stdout
    out.write(json.dumps({"t_ns": time.monotonic_ns(), "event": "ready"}) + "\n")
    out.flush()
    while True:
        try:
            buf = s.recv(1 << 20)
        except OSError as e:
            if e.errno == errno.ENOBUFS:
                out.write(json.dumps({"t_ns": time.monotonic_ns(), "event": "overrun"}) + "\n")
                out.flush()
                continue
            raise
        now = time.monotonic_ns()
        mv = memoryview(buf)
        off = 0
        while off + NLMSGHDR.size <= len(buf):
            mlen, mtype, _fl, _seq, _pid = NLMSGHDR.unpack_from(buf, off)
            if mlen < NLMSGHDR.size or off + mlen > len(buf):
                break
            end = off + mlen
            body = off + NLMSGHDR.size
            ev = {"t_ns": now}
            res = None
            if mtype in (RTM_NEWRULE, RTM_DELRULE):
                ev["event"] = "new" if mtype == RTM_NEWRULE else "del"
                res = rule(mv, body, end, ev)
            elif mtype in (RTM_NEWROUTE, RTM_DELROUTE):
                ev["event"] = "new" if mtype == RTM_NEWROUTE else "del"
                res = route(mv, body, end, ev)
            if res is not None:
                out.write(json.dumps(res) + "\n")
            off += (mlen + 3) & ~3
        out.flush()


if __name__ == "__main__":
    try:
        main()
    except (KeyboardInterrupt, BrokenPipeError):
        os._exit(0)
