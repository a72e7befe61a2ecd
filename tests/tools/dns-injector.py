#!/usr/bin/env python3
"""dns-injector.py: an on-path DNS injector for tests, like a middlebox.

    dns-injector.py IFACE [--name NAME=ADDR]... [--delay MS] [--ttl N]
                    [--bad KIND] [--log FILE]

Runs on a router namespace. Sees every UDP query to port 53 that arrives
on IFACE through an AF_PACKET socket (it does not stop the query: the
router forwards it as usual), and for the names it is told (NAME=ADDR; a
NAME of "*" matches every name) races a forged A answer back to the
client: an Ethernet frame built here, from the queried server's address
(or the sink's: whatever the query was sent to), with IP TTL --ttl
(default 200, unlike any real path) and a random IP id, after --delay ms
(default 0: before a real reply that the path delays; make it larger than
the real round trip to arrive second).

--bad KIND sends a malformed reply instead: truncated (cut inside the
answer), loop (a compression pointer to itself), forward (a pointer past
the end), label64 (a label of 64 bytes), long (a name over 255 bytes),
badlen (rdlength past the end), header (5 bytes).

Prints "ready" once the socket is open; one line per forged reply to
--log ("<ms since start> <client> <server> <name> <kind>").
"""
import argparse
import os
import random
import socket
import struct
import sys
import threading
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def qname(dns):
    """(name, end offset of the question) or None, bounds-checked."""
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
    return ".".join(labels).lower(), off + 4


def forge(query, qend, addr, bad):
    """The forged DNS reply to query."""
    qid = query[:2]
    flags = struct.pack("!H", 0x8180)
    question = query[12:qend]
    if bad == "header":
        return qid + flags + b"\0"
    head = qid + flags + struct.pack("!HHHH", 1, 1, 0, 0)
    rr_tail = struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(addr)
    if bad == "loop":
        # The answer's name is a pointer to itself.
        at = len(head) + len(question)
        return head + question + struct.pack("!H", 0xC000 | at) + rr_tail
    if bad == "forward":
        return head + question + struct.pack("!H", 0xC000 | 0x3FF) + rr_tail
    if bad == "label64":
        return head + question + bytes([64]) + b"a" * 64 + b"\0" + rr_tail
    if bad == "long":
        name = (bytes([63]) + b"b" * 63) * 4 + b"\0"
        return head + question + name + rr_tail
    if bad == "badlen":
        return head + question + b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 200) + b"\1\2"
    msg = head + question + b"\xc0\x0c" + rr_tail
    if bad == "truncated":
        return msg[:-3]
    return msg


def frame(eth, ip, udp, dns, ttl):
    """The reply frame: addresses swapped from the query's."""
    src_ip, dst_ip = ip[12:16], ip[16:20]
    sport, dport = struct.unpack("!HH", udp[:4])
    ulen = 8 + len(dns)
    udph = struct.pack("!HHHH", dport, sport, ulen, 0)
    pseudo = dst_ip + src_ip + struct.pack("!BBH", 0, 17, ulen)
    c = csum(pseudo + udph + dns) or 0xFFFF
    udph = udph[:6] + struct.pack("!H", c)
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, random.randrange(65536), 0,
                      ttl, 17, 0, dst_ip, src_ip)
    iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
    return eth[6:12] + eth[0:6] + b"\x08\x00" + iph + udph + dns


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("iface")
    ap.add_argument("--name", action="append", default=[])
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--ttl", type=int, default=200)
    ap.add_argument("--bad", default=None)
    ap.add_argument("--log", default=None)
    a = ap.parse_args()
    names = {}
    for n in a.name:
        k, v = n.split("=", 1)
        names[k.lower().rstrip(".")] = v
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((a.iface, 0))
    log = open(a.log, "a") if a.log else None
    lock = threading.Lock()
    t0 = time.monotonic()
    print("ready", flush=True)

    def send(out, client, server, name, kind):
        if a.delay:
            time.sleep(a.delay / 1000.0)
        s.send(out)
        if log:
            with lock:
                log.write("%.1f %s %s %s %s\n" % ((time.monotonic() - t0) * 1000, client,
                                                  server, name, kind))
                log.flush()

    while True:
        pkt, info = s.recvfrom(65535)
        if info[2] == PACKET_OUTGOING or len(pkt) < 14 + 20 + 8:
            continue
        eth, rest = pkt[:14], pkt[14:]
        if eth[12:14] != b"\x08\x00" or rest[0] >> 4 != 4 or rest[9] != 17:
            continue
        hl = (rest[0] & 15) * 4
        total = struct.unpack("!H", rest[2:4])[0]
        ip, udp = rest[:hl], rest[hl:total]
        if len(udp) < 8 or struct.unpack("!H", udp[2:4])[0] != 53:
            continue
        dns = udp[8:]
        if len(dns) < 12 or dns[2] & 0x80:
            continue
        q = qname(dns)
        if not q:
            continue
        addr = names.get(q[0], names.get("*"))
        if addr is None:
            continue
        out = frame(eth, ip, udp, forge(dns, q[1], addr, a.bad), a.ttl)
        threading.Thread(target=send, daemon=True,
                         args=(out, socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20]),
                               q[0], a.bad or "forged")).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
