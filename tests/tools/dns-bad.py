#!/usr/bin/env python3
"""dns-bad.py: a DNS server that answers with malformed replies, for tests.

    dns-bad.py ADDRESS [PORT]

Binds UDP on ADDRESS (port 53 by default), prints "ready" and answers each
query by the first label of its name, keeping the question intact (a stub
resolver matches replies on id and question) and breaking what follows:

    trunc      one answer counted, cut in the middle of its fixed fields
    loop       the answer's owner name is a pointer to itself
    label      the answer's owner name has a label of 64 bytes
    longname   the answer's owner name is 257 bytes long, uncompressed
    ptrend     the answer's owner name points past the end of the message
    forward    the answer's owner name points forward, into its rdata
    wrongid    a good answer with the id plus one
    garbage    the id, then 40 bytes of noise
    servfail   SERVFAIL, no answers
    anything else: A 192.0.2.1
"""
import socket
import struct
import sys


def question_end(q):
    """Offset after the first question (bounds-checked), or None."""
    off = 12
    while True:
        if off >= len(q):
            return None
        n = q[off]
        off += 1
        if n == 0:
            break
        if n > 63:
            return None
        off += n
    return off + 4 if off + 4 <= len(q) else None


def answer(q):
    end = question_end(q)
    if end is None:
        return None
    first = q[13:13 + q[12]].decode("ascii", "replace").lower()
    qid = struct.unpack(">H", q[:2])[0]
    question = q[12:end]

    def msg(ancount, body, rcode=0, mid=qid):
        hdr = struct.pack(">HHHHHH", mid, 0x8580 | rcode, 1, ancount, 0, 0)
        return hdr + question + body

    fixed_a = struct.pack(">HHIH", 1, 1, 60, 4) + bytes([192, 0, 2, 1])
    here = 12 + len(question)   # where the answer starts
    if first == "trunc":
        return msg(1, b"\xc0\x0c" + fixed_a[:5])
    if first == "loop":
        return msg(1, struct.pack(">H", 0xc000 | here) + fixed_a)
    if first == "label":
        return msg(1, bytes([64]) + b"a" * 64 + b"\x00" + fixed_a)
    if first == "longname":
        name = b"".join(bytes([63]) + b"b" * 63 for _ in range(4)) + b"\x00"
        return msg(1, name + fixed_a)
    if first == "ptrend":
        return msg(1, b"\xff\xff" + fixed_a)
    if first == "forward":
        return msg(1, struct.pack(">H", 0xc000 | (here + 12)) + fixed_a)
    if first == "wrongid":
        return msg(1, b"\xc0\x0c" + fixed_a, mid=(qid + 1) & 0xffff)
    if first == "garbage":
        return q[:2] + bytes((i * 37 + 11) & 0xff for i in range(40))
    if first == "servfail":
        return msg(0, b"", rcode=2)
    return msg(1, b"\xc0\x0c" + fixed_a)


def main():
    addr = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 53
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    udp = socket.socket(fam, socket.SOCK_DGRAM)
    udp.bind((addr, port))
    print("ready", flush=True)
    while True:
        data, peer = udp.recvfrom(4096)
        out = answer(data)
        if out is not None:
            udp.sendto(out, peer)


if __name__ == "__main__":
    main()
