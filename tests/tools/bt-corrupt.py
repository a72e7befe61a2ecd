#!/usr/bin/env python3
"""bt-corrupt.py: a lying BitTorrent peer for tests (BEP 3, stdlib only).

  bt-corrupt.py [--listen IP:PORT] [--peer IP:PORT]... [--bad-every N]
                [--data DIR] [--counters FILE] TORRENT

Accepts connections on --listen and dials every --peer (again every 2 s
while not connected). On each connection: handshake for the torrent's
info-hash (v1, or the truncated v2 one when the torrent has only v2),
a bitfield claiming every piece, unchoke, then every request is answered
at once. Every Nth block (--bad-every, default 1: all) carries wrong
bytes; the others carry the right ones read from DIR/<name> (--data;
without it every block is wrong). Counters (connections, requests,
blocks_served, bad_blocks, bytes_served) are rewritten as one JSON
object to --counters after every change.
"""
import argparse
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import time

MAX_MSG = 1 << 18      # more than any request or bitfield we accept
MAX_BLOCK = 1 << 17    # a request for more is refused (connection dropped)


def bdecode(buf, i=0, depth=0):
    """Returns (value, end). Dicts keep the raw span of "info"."""
    if depth > 64:
        raise ValueError("too deep")
    c = buf[i:i + 1]
    if c == b"i":
        e = buf.index(b"e", i)
        return int(buf[i + 1:e]), e + 1
    if c == b"l":
        i += 1
        out = []
        while buf[i:i + 1] != b"e":
            v, i = bdecode(buf, i, depth + 1)
            out.append(v)
        return out, i + 1
    if c == b"d":
        i += 1
        out = {}
        while buf[i:i + 1] != b"e":
            k, i = bdecode(buf, i, depth + 1)
            start = i
            v, i = bdecode(buf, i, depth + 1)
            out[k] = v
            if k == b"info":
                out[b"__info_raw"] = buf[start:i]
        return out, i + 1
    if c.isdigit():
        colon = buf.index(b":", i)
        n = int(buf[i:colon])
        return buf[colon + 1:colon + 1 + n], colon + 1 + n
    raise ValueError("bad bencode at %d" % i)


def v2_files(tree, prefix):
    for k, v in sorted(tree.items()):
        if k == b"":
            yield prefix, v[b"length"]
        else:
            yield from v2_files(v, prefix + [k.decode()])


class Torrent:
    def __init__(self, path):
        meta, _ = bdecode(open(path, "rb").read())
        info = meta[b"info"]
        raw = meta[b"__info_raw"]
        self.name = info[b"name"].decode()
        self.plen = info[b"piece length"]
        if b"pieces" in info:
            self.hash = hashlib.sha1(raw).digest()
            if b"files" in info:
                self.files = [([p.decode() for p in f[b"path"]], f[b"length"])
                              for f in info[b"files"]]
            else:
                self.files = [([], info[b"length"])]
        else:
            self.hash = hashlib.sha256(raw).digest()[:20]
            self.files = list(v2_files(info[b"file tree"], []))
            if len(self.files) == 1 and self.files[0][0] == [self.name]:
                self.files = [([], self.files[0][1])]
        self.size = sum(n for _, n in self.files)
        self.npieces = (self.size + self.plen - 1) // self.plen

    def read(self, data_dir, off, n):
        """The true bytes at torrent offset off (v1 layout, pad files as zeros)."""
        out = b""
        pos = 0
        for parts, length in self.files:
            if n <= 0:
                break
            if off < pos + length:
                k = min(n, pos + length - off)
                if parts and parts[0] == ".pad":
                    out += b"\0" * k
                else:
                    p = os.path.join(data_dir, self.name, *parts)
                    with open(p, "rb") as f:
                        f.seek(off - pos)
                        out += f.read(k)
                off += k
                n -= k
            pos += length
        return out


class Counters:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.c = {"connections": 0, "requests": 0, "blocks_served": 0,
                  "bad_blocks": 0, "bytes_served": 0}

    def add(self, **kw):
        with self.lock:
            for k, v in kw.items():
                self.c[k] += v
            if self.path:
                tmp = self.path + ".tmp"
                with open(tmp, "w") as f:
                    json.dump(self.c, f)
                os.replace(tmp, self.path)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def serve(s, tor, args, counters, connected):
    pid = b"-XC0001-" + os.urandom(12)
    hs = b"\x13BitTorrent protocol" + b"\0" * 8 + tor.hash + pid
    try:
        s.sendall(hs)
        theirs = recv_exact(s, 68)
        if theirs[:20] != hs[:20] or theirs[28:48] != tor.hash:
            return
        counters.add(connections=1)
        connected.add(s.getpeername()[0])
        bits = bytearray((tor.npieces + 7) // 8)
        for i in range(tor.npieces):
            bits[i // 8] |= 0x80 >> (i % 8)
        s.sendall(struct.pack(">IB", 1 + len(bits), 5) + bytes(bits))
        s.sendall(struct.pack(">IB", 1, 1))      # unchoke
        nblock = 0
        while True:
            n = struct.unpack(">I", recv_exact(s, 4))[0]
            if n == 0:
                continue
            if n > MAX_MSG:
                return
            msg = recv_exact(s, n)
            if msg[0] != 6 or n != 13:
                continue
            index, begin, length = struct.unpack(">III", msg[1:])
            if length > MAX_BLOCK or index >= tor.npieces:
                return
            counters.add(requests=1)
            nblock += 1
            off = index * tor.plen + begin
            length = max(0, min(length, tor.size - off))
            bad = args.data is None or nblock % args.bad_every == 0
            if bad:
                block = os.urandom(length)
            else:
                block = tor.read(args.data, off, length)
            s.sendall(struct.pack(">IBII", 9 + len(block), 7, index, begin) + block)
            counters.add(blocks_served=1, bad_blocks=1 if bad else 0,
                         bytes_served=len(block))
    except (OSError, EOFError):
        pass
    finally:
        try:
            connected.discard(s.getpeername()[0])
        except OSError:
            pass
        s.close()


def addr(text):
    host, port = text.rsplit(":", 1)
    return host.strip("[]"), int(port)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", default="0.0.0.0:6881")
    p.add_argument("--peer", action="append", default=[])
    p.add_argument("--bad-every", type=int, default=1)
    p.add_argument("--data")
    p.add_argument("--counters")
    p.add_argument("torrent")
    args = p.parse_args()
    if args.bad_every < 1:
        p.error("--bad-every must be >= 1")
    tor = Torrent(args.torrent)
    counters = Counters(args.counters)
    counters.add()
    connected = set()
    host, port = addr(args.listen)
    ls = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(16)
    print("listening %s:%d hash %s pieces %d" % (host, port, tor.hash.hex(), tor.npieces),
          flush=True)

    def dialer():
        while True:
            for text in args.peer:
                h, pt = addr(text)
                if h in connected:
                    continue
                try:
                    s = socket.create_connection((h, pt), timeout=2)
                    s.settimeout(None)
                except OSError:
                    continue
                threading.Thread(target=serve, args=(s, tor, args, counters, connected),
                                 daemon=True).start()
            time.sleep(2)

    if args.peer:
        threading.Thread(target=dialer, daemon=True).start()
    while True:
        s, _ = ls.accept()
        threading.Thread(target=serve, args=(s, tor, args, counters, connected),
                         daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
