#!/usr/bin/env python3
"""bad-http.py: an HTTP/1.1 server that answers wrongly on purpose.

    bad-http.py ADDR PORT

The request path picks the answer:
  /bad-status        a status line that is not one ("HTTP/1.1 OK 200")
  /endless-header    a header line that never ends (until the client leaves)
  /chunk-overflow    a chunk size of 17 hex digits (past 64 bits)
  /truncated         Content-Length 1000, 100 bytes, then close
  /truncated-chunk   a chunk of 0x100 bytes cut after 10, then close
  /chunked           a good chunked body with extensions and trailers,
                     written a few bytes at a time
  /close             a good body delimited by the close
  /not-http          an SSH banner
The good bodies are printed by `bad-http.py --body NAME` so a test can
hash what was served. Every connection is logged to stderr.
"""
import socket
import sys
import threading
import time

CHUNKED_BODY = b"".join(b"piece %03d of the chunked body\n" % i for i in range(40))
CLOSE_BODY = b"delimited by the close\n" * 50


def chunked_wire():
    out = []
    for i in range(0, len(CHUNKED_BODY), 97):
        part = CHUNKED_BODY[i:i + 97]
        ext = b";n=%d" % i if i % 2 else b""
        out.append(b"%x%s\r\n%s\r\n" % (len(part), ext, part))
    out.append(b"0\r\nX-Checksum: none\r\nX-Pieces: 40\r\n\r\n")
    return b"".join(out)


def send_slowly(c, data, step=7):
    for i in range(0, len(data), step):
        c.sendall(data[i:i + step])
        time.sleep(0.0005)


def serve(c):
    try:
        req = b""
        while b"\r\n\r\n" not in req and len(req) < 65536:
            d = c.recv(4096)
            if not d:
                return
            req += d
        path = req.split(b" ", 2)[1].decode("latin-1") if b" " in req else "?"
        print("bad-http: %s" % path, file=sys.stderr, flush=True)
        if path == "/bad-status":
            c.sendall(b"HTTP/1.1 OK 200\r\nContent-Length: 0\r\n\r\n")
        elif path == "/endless-header":
            c.sendall(b"HTTP/1.1 200 OK\r\nX-Endless: ")
            for _ in range(4096):           # 16 MiB at most
                c.sendall(b"a" * 4096)
        elif path == "/chunk-overflow":
            c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      b"1ffffffffffffffff\r\nabc\r\n")
            time.sleep(2)
        elif path == "/truncated":
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 100)
        elif path == "/truncated-chunk":
            c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      b"100\r\n0123456789")
        elif path == "/chunked":
            send_slowly(c, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                        b"Content-Type: text/plain\r\n\r\n" + chunked_wire())
        elif path == "/close":
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + CLOSE_BODY)
        elif path == "/not-http":
            c.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
        else:
            c.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    except OSError as e:
        print("bad-http: %s" % e, file=sys.stderr, flush=True)
    finally:
        c.close()


def main():
    if sys.argv[1:2] == ["--body"]:
        sys.stdout.buffer.write({"chunked": CHUNKED_BODY, "close": CLOSE_BODY}[sys.argv[2]])
        return
    addr, port = sys.argv[1], int(sys.argv[2])
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(64)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


if __name__ == "__main__":
    main()
