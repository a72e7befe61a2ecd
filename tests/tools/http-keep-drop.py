#!/usr/bin/env python3
"""http-keep-drop.py: a keep-alive HTTP/1.1 range server that closes each
connection when its second request arrives, without answering it.

    http-keep-drop.py ADDR PORT ROOT

That is what a client sees when a server's idle timeout closes a kept
connection just as the next request goes out on it: the request was
sent, the connection ends before any byte of an answer. Files under
ROOT are served with Range (bytes=LO-HI) as 206, the whole file as
200, anything else 404. One line on stdout per request:

    CONN N PATH answered|dropped SECONDS

(CONN counts connections from 1, N the request on it, SECONDS a
monotonic clock) so a test can see what was retried and how soon.
"""
import os
import socket
import sys
import time
import urllib.parse


def read_head(c, buf):
    while b"\r\n\r\n" not in buf:
        if len(buf) > 65536:
            return None, b""
        d = c.recv(65536)
        if not d:
            return None, b""
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    return head.decode("latin-1"), rest


def answer(c, root, head):
    lines = head.split("\r\n")
    parts = lines[0].split(" ")
    path = urllib.parse.unquote(parts[1]) if len(parts) == 3 else "/"
    rng = None
    for l in lines[1:]:
        k, _, v = l.partition(":")
        if k.strip().lower() == "range" and v.strip().startswith("bytes="):
            lo, _, hi = v.strip()[6:].partition("-")
            rng = (int(lo), int(hi))
    full = os.path.realpath(os.path.join(root, path.lstrip("/")))
    if not full.startswith(os.path.realpath(root) + os.sep) or not os.path.isfile(full):
        c.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        return
    with open(full, "rb") as f:
        data = f.read()
    if rng:
        body = data[rng[0]:rng[1] + 1]
        c.sendall(b"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes %d-%d/%d\r\n"
                  b"Content-Length: %d\r\n\r\n" % (rng[0], rng[0] + len(body) - 1,
                                                  len(data), len(body)) + body)
    else:
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(data) + data)


def main():
    addr, port, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    conn = 0
    while True:
        c, _ = s.accept()
        conn += 1
        buf = b""
        try:
            for n in (1, 2):
                head, buf = read_head(c, buf)
                if head is None:
                    break
                raw = (head.split(" ") + ["?", "?"])[1]
                if n == 2:
                    print("%d %d %s dropped %.3f" % (conn, n, raw, time.monotonic()),
                          flush=True)
                    break
                answer(c, root, head)
                print("%d %d %s answered %.3f" % (conn, n, raw, time.monotonic()),
                      flush=True)
        except OSError as e:
            print("%d error %s" % (conn, e), flush=True)
        c.close()


if __name__ == "__main__":
    main()
