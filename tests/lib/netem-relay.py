#!/usr/bin/python3
"""netem-relay: a userspace stand-in for `tc qdisc ... netem`.

Some kernels (minimal VM kernels, no module support) are built without
sch_netem.  tests/lib/netns.sh then puts this relay on the link: it
copies every Ethernet frame between two interfaces of its own namespace
through AF_PACKET sockets, delaying and dropping frames of one direction
the way netem would on the egress of the interface it replaces.

    netem-relay.py --inner IF --outer IF --egress 'delay 20ms 5ms loss 1%'

--egress applies to frames travelling inner -> outer, --ingress to the
other way.  Supported netem words: delay TIME [JITTER [CORR%]],
loss [random] PCT [CORR%]; anything else is refused.  Frames keep their
virtio-net header (PACKET_VNET_HDR), so GSO packets cross unsplit.
Prints "ready" once both sockets are bound.
"""

import argparse
import heapq
import os
import random
import select
import socket
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_VNET_HDR = 15
PACKET_IGNORE_OUTGOING = 23
PACKET_OUTGOING = 4

TIME_UNITS = {"s": 1.0, "sec": 1.0, "secs": 1.0, "ms": 1e-3, "msec": 1e-3,
              "msecs": 1e-3, "us": 1e-6, "usec": 1e-6, "usecs": 1e-6}


def parse_time(word):
    """tc time syntax: a bare number is microseconds."""
    num = word.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = word[len(num):] or "us"
    if unit not in TIME_UNITS or not num:
        raise ValueError("bad time '%s'" % word)
    return float(num) * TIME_UNITS[unit]


def parse_pct(word):
    if not word.endswith("%"):
        raise ValueError("bad percentage '%s'" % word)
    return float(word[:-1]) / 100.0


def parse_netem(text):
    words = text.split()
    spec = {"delay": 0.0, "jitter": 0.0, "loss": 0.0}
    i = 0
    while i < len(words):
        w = words[i]
        if w == "delay" and i + 1 < len(words):
            spec["delay"] = parse_time(words[i + 1])
            i += 2
            if i < len(words) and words[i][0].isdigit() and not words[i].endswith("%"):
                spec["jitter"] = parse_time(words[i])
                i += 1
            if i < len(words) and words[i].endswith("%"):
                i += 1  # correlation: accepted, not modelled
        elif w == "loss" and i + 1 < len(words):
            i += 1
            if words[i] == "random":
                i += 1
            spec["loss"] = parse_pct(words[i])
            i += 1
            if i < len(words) and words[i].endswith("%"):
                i += 1
        else:
            raise ValueError("unsupported netem argument '%s'" % w)
    return spec


def open_sock(ifname):
    # Protocol 0 at creation: the socket sees no frame until bound to
    # its interface, so nothing from another link leaks in.
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
    try:
        s.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
    except OSError:
        pass
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((ifname, ETH_P_ALL))
    s.setblocking(False)
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inner", required=True)
    ap.add_argument("--outer", required=True)
    ap.add_argument("--egress", default="")
    ap.add_argument("--ingress", default="")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    try:
        specs = (parse_netem(args.egress), parse_netem(args.ingress))
    except ValueError as e:
        print("netem-relay: %s" % e, file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    rng = random.Random(seed)

    inner, outer = open_sock(args.inner), open_sock(args.outer)
    # fd -> (socket to send on, netem spec of this direction)
    route = {inner.fileno(): (outer, specs[0]), outer.fileno(): (inner, specs[1])}
    socks = {inner.fileno(): inner, outer.fileno(): outer}
    ep = select.epoll()
    for fd in socks:
        ep.register(fd, select.EPOLLIN)
    print("ready seed=%d" % seed, flush=True)

    queue = []  # (due, seq, out socket, frame)
    seq = 0
    while True:
        timeout = -1
        if queue:
            timeout = max(0.0, queue[0][0] - time.monotonic())
        for fd, _ in ep.poll(timeout):
            src = socks[fd]
            dst, spec = route[fd]
            for _ in range(256):
                try:
                    frame, addr = src.recvfrom(262144)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue
                if spec["loss"] and rng.random() < spec["loss"]:
                    continue
                delay = spec["delay"]
                if spec["jitter"]:
                    delay = max(0.0, delay + rng.uniform(-spec["jitter"], spec["jitter"]))
                if delay <= 0:
                    try:
                        dst.send(frame)
                    except OSError:
                        pass
                    continue
                seq += 1
                heapq.heappush(queue, (time.monotonic() + delay, seq, dst, frame))
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, dst, frame = heapq.heappop(queue)
            try:
                dst.send(frame)
            except OSError:
                pass  # a full or vanished link drops the frame, as a qdisc would


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
