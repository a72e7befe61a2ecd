#!/usr/bin/env python3
"""dns-sink.py: a DNS server that never answers, for tests.

    dns-sink.py ADDRESS LOG

Binds UDP and TCP port 53 on ADDRESS, prints "ready" once bound, and
appends one line per query to LOG ("<qtype> <qname>"), answering nothing:
a resolver that asks it can only time out.
"""
import socket
import sys
import threading


def qname(data):
    """The first question's name and type, or None (bounds-checked)."""
    off, labels = 12, []
    while True:
        if off >= len(data):
            return None
        n = data[off]
        off += 1
        if n == 0:
            break
        if n > 63 or off + n > len(data):
            return None
        labels.append(data[off:off + n].decode("ascii", "replace"))
        off += n
    if off + 2 > len(data):
        return None
    return ".".join(labels), data[off] << 8 | data[off + 1]


def record(log, lock, data):
    q = qname(data)
    with lock:
        log.write("%s %s\n" % ((q[1], q[0]) if q else ("?", "?")))
        log.flush()


def tcp_loop(srv, log, lock):
    while True:
        conn, _ = srv.accept()
        try:
            data = conn.recv(65537)
            if len(data) > 2:
                record(log, lock, data[2:])
        except OSError:
            pass
        # Keep the connection open and silent, like a wedged server.
        threading.Thread(target=conn.recv, args=(1,), daemon=True).start()


def main():
    addr, path = sys.argv[1], sys.argv[2]
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    udp = socket.socket(fam, socket.SOCK_DGRAM)
    udp.bind((addr, 53))
    tcp = socket.socket(fam, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((addr, 53))
    tcp.listen(16)
    log = open(path, "a")
    lock = threading.Lock()
    threading.Thread(target=tcp_loop, args=(tcp, log, lock), daemon=True).start()
    print("ready", flush=True)
    while True:
        data, _ = udp.recvfrom(4096)
        record(log, lock, data)


if __name__ == "__main__":
    main()
