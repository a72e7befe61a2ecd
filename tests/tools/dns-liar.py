#!/usr/bin/env python3
"""dns-liar.py: a lying resolver for tests.

    dns-liar.py LISTEN_ADDR UPSTREAM_ADDR MODE [--name NAME]... [--addr ADDR]
                [--ttl N] [--log FILE]

Answers UDP queries on LISTEN_ADDR:53. Queries for the listed names (all
names when none is listed) get the lie of MODE; the rest are forwarded to
UPSTREAM_ADDR:53 and its reply relayed unchanged. Modes:
  wrong   an A answer of --addr (default 10.53.9.9) instead of the truth
  bogon   an A answer of --addr (default 192.168.77.77)
  nxad    the upstream's NXDOMAIN becomes an A answer of --addr (default
          10.53.9.80, "the ad server"); other replies relayed
  ttl     the upstream's reply with every answer TTL set to --ttl
          (default 604800)
Prints "ready" once bound; one line per query to --log
("<name> <qtype> <lied|forwarded>").
"""
import argparse
import socket
import struct
import sys
import threading

DEFAULTS = {"wrong": "10.53.9.9", "bogon": "192.168.77.77", "nxad": "10.53.9.80"}


def question(dns):
    """(name, qtype, end of the question) or None, bounds-checked."""
    off, labels = 12, []
    while True:
        if off >= len(dns):
            return None
        n = dns[off]
        off += 1
        if n == 0:
            break
        if n > 63 or off + n > len(dns):
            return None
        labels.append(dns[off:off + n].decode("ascii", "replace"))
        off += n
    if off + 4 > len(dns):
        return None
    return ".".join(labels).lower(), struct.unpack("!H", dns[off:off + 2])[0], off + 4


def answer(query, qend, addr, ttl=60):
    head = query[:2] + struct.pack("!HHHHH", 0x8180, 1, 1, 0, 0)
    return (head + query[12:qend] + b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, ttl, 4) +
            socket.inet_aton(addr))


def skip_name(m, off):
    while off < len(m):
        n = m[off]
        if n & 0xC0 == 0xC0:
            return off + 2
        off += 1 + n
        if n == 0:
            return off
    raise ValueError("name")


def set_ttls(m, ttl):
    """The reply with every answer RR's TTL replaced (best effort)."""
    m = bytearray(m)
    qd, an = struct.unpack("!HH", m[4:8])
    off = 12
    for _ in range(qd):
        off = skip_name(m, off) + 4
    for _ in range(an):
        off = skip_name(m, off)
        m[off + 4:off + 8] = struct.pack("!I", ttl)
        off += 10 + struct.unpack("!H", m[off + 8:off + 10])[0]
    return bytes(m)


def upstream(addr, query):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(2)
    try:
        u.sendto(query, (addr, 53))
        return u.recv(65535)
    except OSError:
        return None
    finally:
        u.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("listen")
    ap.add_argument("upstream")
    ap.add_argument("mode", choices=["wrong", "bogon", "nxad", "ttl"])
    ap.add_argument("--name", action="append", default=[])
    ap.add_argument("--addr", default=None)
    ap.add_argument("--ttl", type=int, default=604800)
    ap.add_argument("--log", default=None)
    a = ap.parse_args()
    addr = a.addr or DEFAULTS.get(a.mode)
    names = {n.lower().rstrip(".") for n in a.name}
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.listen, 53))
    log = open(a.log, "a") if a.log else None
    lock = threading.Lock()
    print("ready", flush=True)

    def handle(query, peer):
        q = question(query)
        if not q:
            return
        name, qtype, qend = q
        target = not names or name in names
        how = "forwarded"
        if target and a.mode in ("wrong", "bogon") and qtype == 1:
            reply, how = answer(query, qend, addr), "lied"
        else:
            reply = upstream(a.upstream, query)
            if reply is None:
                return
            if target and a.mode == "nxad" and len(reply) >= 4 and reply[3] & 15 == 3 \
                    and qtype == 1:
                reply, how = answer(query, qend, addr), "lied"
            elif target and a.mode == "ttl":
                try:
                    reply, how = set_ttls(reply, a.ttl), "lied"
                except (ValueError, struct.error):
                    pass
        s.sendto(reply, peer)
        if log:
            with lock:
                log.write("%s %d %s\n" % (name, qtype, how))
                log.flush()

    while True:
        query, peer = s.recvfrom(65535)
        threading.Thread(target=handle, args=(query, peer), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
