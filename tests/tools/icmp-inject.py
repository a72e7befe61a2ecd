#!/usr/bin/python3
"""icmp-inject: answer a pinger's echo requests with bad and forged replies.

Runs inside a test namespace that receives the requests (raw sockets see a
copy of every ICMP packet delivered locally). For each echo request it
sees, it sends back to the requester, from the address the request went
to:

  --mode garbage   a reply cut to 12 bytes (a socket's ICMP filter drops
                   anything shorter than the header before anyone sees
                   it), a time-exceeded error whose quote stops inside
                   the quoted IP header, a perfect copy with a wrong
                   checksum (IPv4 only: the kernel always computes ICMPv6
                   checksums), a reply whose payload is not the pinger's
                   (cookie bytes flipped), one with the pinger's cookie
                   but a sequence and probe number it never sent, and
                   then the right reply twice (the second a duplicate)
  --mode forge     one reply with the right id and sequence and a payload
                   of random bytes (someone else's reply, or a liar)

    icmp-inject.py --family 4 --mode garbage --from 10.0.0.1 --stats FILE

--mark sets SO_MARK on the sending sockets, so an nftables rule can tell
these replies from the kernel's. Prints "ready" once listening; on
SIGTERM writes "requests N" and per-kind counts to --stats.
"""

import argparse
import os
import select
import signal
import socket
import struct
import sys

IPV6_RECVPKTINFO = 49
IPV6_PKTINFO = 50
SO_MARK = 36
IPV6_FREEBIND = 78


def cksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def with_cksum(icmp):
    icmp = icmp[:2] + b"\0\0" + icmp[4:]
    return icmp[:2] + struct.pack("!H", cksum(icmp)) + icmp[4:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--family", choices=("4", "6"), required=True)
    ap.add_argument("--mode", choices=("garbage", "forge"), required=True)
    ap.add_argument("--from", dest="peer", required=True, help="the pinger's address")
    ap.add_argument("--to", help="only requests to this address")
    ap.add_argument("--mark", type=lambda s: int(s, 0), default=0)
    ap.add_argument("--stats", required=True)
    a = ap.parse_args()
    v6 = a.family == "6"
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    proto = socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP
    rx = socket.socket(fam, socket.SOCK_RAW, proto)
    if v6:
        rx.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)
    senders = {}
    counts = {"requests": 0, "sent": 0}
    req_type, rep_type = (128, 129) if v6 else (8, 0)

    def sender(src):
        s = senders.get(src)
        if s is None:
            s = socket.socket(fam, socket.SOCK_RAW, proto)
            if a.mark:
                s.setsockopt(socket.SOL_SOCKET, SO_MARK, a.mark)
            # IPv6 does not let a socket bind to an address that only a
            # local route makes ours.
            if v6:
                s.setsockopt(socket.IPPROTO_IPV6, IPV6_FREEBIND, 1)
            s.bind((src, 0))
            senders[src] = s
        return s

    def finish(*_):
        with open(a.stats, "w") as f:
            for k, v in counts.items():
                f.write("%s %d\n" % (k, v))
        sys.exit(0)

    signal.signal(signal.SIGTERM, finish)
    print("ready", flush=True)
    while True:
        r, _, _ = select.select([rx], [], [], 1.0)
        if not r:
            continue
        data, anc, _, addr = rx.recvmsg(65536, 256)
        src = addr[0]
        if v6:
            icmp = data
            dst = None
            for lvl, typ, val in anc:
                if lvl == socket.IPPROTO_IPV6 and typ == IPV6_PKTINFO:
                    dst = socket.inet_ntop(socket.AF_INET6, val[:16])
            if dst is None:
                continue
        else:
            hl = (data[0] & 15) * 4
            icmp = data[hl:]
            dst = socket.inet_ntop(socket.AF_INET, data[16:20])
        if len(icmp) < 8 or icmp[0] != req_type or src != a.peer:
            continue
        if a.to and dst != a.to:
            continue
        counts["requests"] += 1
        reply = with_cksum(bytes([rep_type]) + icmp[1:])
        out = sender(dst)
        pkts = []
        if a.mode == "garbage":
            pkts.append(with_cksum(reply[:12]))
            # Time exceeded (v4 11, v6 3) quoting 10 bytes of an IP header.
            pkts.append(with_cksum(bytes([3 if v6 else 11, 0, 0, 0, 0, 0, 0, 0]) +
                                   (bytes([0x60]) if v6 else bytes([0x45])) + bytes(9)))
            if not v6:
                bad = bytearray(reply)
                bad[2] ^= 0x5A
                pkts.append(bytes(bad))
            if len(reply) >= 24:
                foreign = bytearray(reply)
                for i in range(8, 16):
                    foreign[i] ^= 0xFF
                pkts.append(with_cksum(bytes(foreign)))
                _, _, _, ident, seq = struct.unpack("!BBHHH", reply[:8])
                probe = struct.unpack("!I", reply[20:24])[0]
                unk = bytearray(reply)
                unk[6:8] = struct.pack("!H", (seq + 1000) & 0xFFFF)
                unk[20:24] = struct.pack("!I", probe + 1000)
                pkts.append(with_cksum(bytes(unk)))
            pkts.append(reply)
            pkts.append(reply)
        else:
            pkts.append(with_cksum(reply[:8] + os.urandom(len(reply) - 8)))
        for p in pkts:
            try:
                out.sendto(p, (a.peer, 0))
                counts["sent"] += 1
            except OSError as e:
                print("send: %s" % e, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
