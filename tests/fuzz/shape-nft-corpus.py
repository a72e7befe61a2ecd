#!/usr/bin/env python3
"""shape-nft-corpus.py DIR: seeds for fuzz-shape-nft from a real dump.

Run as root inside a network namespace that holds table inet outpost
(e.g. `unshare -n sh -c 'nft -f SCRIPT && python3 shape-nft-corpus.py DIR'`):
dumps tables, sets, each set's elements, chains and rules over
NETLINK_NETFILTER the way shape_nft_read() does and writes the replies,
without NLMSG_DONE, as DIR/all (everything) and DIR/<kind> (one dump
each).
"""
import os
import socket
import struct
import sys

NETLINK_NETFILTER = 12
NFNL_SUBSYS_NFTABLES = 10
NFPROTO_INET = 1
NLM_F_REQUEST, NLM_F_DUMP = 1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
GETTABLE, GETCHAIN, GETRULE, GETSET, GETSETELEM = 1, 4, 7, 10, 13


def attr_str(t, s):
    b = s.encode() + b"\0"
    n = 4 + len(b)
    return struct.pack("=HH", n, t) + b + b"\0" * (-n % 4)


def dump(sk, seq, typ, attrs=b""):
    payload = struct.pack("=BBH", NFPROTO_INET, 0, 0) + attrs
    sk.send(struct.pack("=IHHII", 16 + len(payload), (NFNL_SUBSYS_NFTABLES << 8) | typ,
                        NLM_F_REQUEST | NLM_F_DUMP, seq, 0) + payload)
    out = b""
    while True:
        buf = sk.recv(65536)
        off = 0
        while off + 16 <= len(buf):
            ln, t = struct.unpack_from("=IH", buf, off)
            if ln < 16:
                return out
            if t == NLMSG_DONE or t == NLMSG_ERROR:
                return out
            out += buf[off:off + ln] + b"\0" * (-ln % 4)
            off += (ln + 3) & ~3


def set_names(msgs):
    names, off = [], 0
    while off + 20 <= len(msgs):
        ln = struct.unpack_from("=I", msgs, off)[0]
        a = off + 20
        while a + 4 <= off + ln:
            al, at = struct.unpack_from("=HH", msgs, a)
            if al < 4:
                break
            if at == 2:  # NFTA_SET_NAME
                names.append(msgs[a + 4:a + al].split(b"\0")[0].decode())
            a += (al + 3) & ~3
        off += (ln + 3) & ~3
    return names


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sk.bind((0, 0))
    parts = {}
    parts["table"] = dump(sk, 1, GETTABLE)
    parts["set"] = dump(sk, 2, GETSET, attr_str(1, "outpost"))
    parts["elem"] = b"".join(
        dump(sk, 3 + i, GETSETELEM, attr_str(1, "outpost") + attr_str(2, n))
        for i, n in enumerate(set_names(parts["set"])))
    parts["chain"] = dump(sk, 100, GETCHAIN)
    parts["rule"] = dump(sk, 101, GETRULE, attr_str(1, "outpost"))
    for k, v in parts.items():
        with open(os.path.join(d, k), "wb") as f:
            f.write(v)
    with open(os.path.join(d, "all"), "wb") as f:
        f.write(b"".join(parts.values()))


if __name__ == "__main__":
    main()
