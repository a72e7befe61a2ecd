#!/usr/bin/env python3
"""p2pd-sim.py: outpost-p2pd's region scheme at fleet scale, simulated.

Regions are independent (each has its own line and its own swarm), so
one region of N devices is simulated piece by piece and the origin's
totals are that times the number of regions. What is simulated is what
decides the origin's bytes: which members think a piece is theirs to
fetch. Each member ranks a piece's candidates by the same rendezvous
score outpost-p2pd uses (SHA-256 keys of info-hash and node id, mixed
with the piece index; p2p_rendezvous.c), over the members it knows:

  view=connected  the members it holds a connection to (max-peers of
                  them, random): what outpost-p2pd did before it
                  learned the region from LSD, for comparison;
  view=region     every member of the region (membership heard from
                  every member's LSD announce on the LAN): what
                  outpost-p2pd does.

A member fetches a piece when it ranks itself first; churn (members
leaving halfway and others joining) moves the pieces of the ones that
left to the next in rank, fetched again only when the leaver had not
delivered them yet.

Times come from the measured per-piece behaviour (tests/bench/
p2pd-region.sh prints it, or give it): the origin line carries pieces
at --line-eff of its rate, a piece crosses the LAN from one device to
another in --hop seconds, and a swarm doubles the holders of a piece
each hop. Control traffic per member: the handshakes, extension
handshakes and bitfields of its connections, a HAVE to each connected
peer per piece, keep-alives, and its LSD announces.

Prints one table; asserts nothing.
"""
import argparse
import hashlib
import math
import random
import struct


def mix64(z):
    z &= (1 << 64) - 1
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & ((1 << 64) - 1)
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & ((1 << 64) - 1)
    return z ^ (z >> 31)


def key(ih, name):
    return struct.unpack(">Q", hashlib.sha256(ih + b"\0" + name).digest()[:8])[0]


def score(k, piece):
    return mix64(k ^ mix64((0x9e3779b97f4a7c15 * (piece + 1)) & ((1 << 64) - 1)))


def origin_fetches(n, pieces, view, max_peers, churn, rng, sample):
    """Origin fetches per piece, averaged over `sample` pieces."""
    ih = bytes(rng.getrandbits(8) for _ in range(20))
    keys = [key(ih, b"dev%d" % i) for i in range(n)]
    if view == "connected":
        # each member's connections: a random set of max_peers others
        k = min(max_peers, n - 1)
        views = [rng.sample([j for j in range(n) if j != i], k) for i in range(n)]
    total = 0
    for piece in rng.sample(range(pieces), min(sample, pieces)):
        sc = [score(kk, piece) for kk in keys]
        if view == "region":
            fetchers = {max(range(n), key=lambda i: sc[i])}
        else:
            fetchers = {i for i in range(n) if all(sc[i] > sc[j] for j in views[i])}
        total += len(fetchers)
        # churn: a fraction of members leave halfway; a piece whose owner
        # left before delivering it (half the time) is fetched again by
        # the next in rank
        for f in fetchers:
            if rng.random() < churn and rng.random() < 0.5:
                total += 1
    return total / min(sample, pieces)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--devices", type=int, default=1000, help="per region")
    ap.add_argument("--regions", type=int, default=100)
    ap.add_argument("--size-mib", type=float, default=256, help="package size")
    ap.add_argument("--piece-kib", type=int, default=256)
    ap.add_argument("--line-mbit", type=float, default=20, help="each region's line")
    ap.add_argument("--line-eff", type=float, default=0.95,
                    help="measured: package bytes per second / line rate")
    ap.add_argument("--hop", type=float, default=0.05,
                    help="measured: seconds for a piece to cross the LAN once")
    ap.add_argument("--max-peers", type=int, default=50)
    ap.add_argument("--churn", type=float, default=0.0, help="fraction leaving halfway")
    ap.add_argument("--sample", type=int, default=200, help="pieces simulated")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    size = a.size_mib * 2**20
    pieces = math.ceil(size / (a.piece_kib * 1024))
    line = a.line_mbit * 1e6 / 8 * a.line_eff
    print("p2pd-sim: %d regions x %d devices, %.0f MiB package (%d pieces of %d KiB), "
          "%.0f Mbit/s line per region" % (a.regions, a.devices, a.size_mib, pieces,
                                           a.piece_kib, a.line_mbit))
    print("%-10s %12s %14s %12s %16s" % ("view", "origin/S", "origin total", "finish",
                                         "control/member"))
    for view in ("connected", "region"):
        per_piece = origin_fetches(a.devices, pieces, view, a.max_peers, a.churn, rng, a.sample)
        region_bytes = per_piece * size
        # the line is the bottleneck: every origin fetch crosses it; then
        # the last piece spreads over log2(N) LAN hops
        finish = region_bytes / line + math.log2(max(a.devices, 2)) * a.hop
        conns = min(a.max_peers, a.devices - 1)
        control = conns * (68 + 200 + pieces / 8) + conns * pieces * 9
        control += (finish / 90) * conns * 4 + max(1, finish / 300) * 150
        if view == "region":
            # a member's own announce (about 300 bytes with the x-outpost-
            # lines) every max(3 s, N x 10 ms), at most 30 s (p2p_region.c)
            control += finish / announce_every(a.devices) * 300
        print("%-10s %11.2fx %11.1f GiB %10.0f s %13.0f KiB" % (
            view, per_piece, region_bytes * a.regions / 2**30, finish, control / 1024))
    print("lower bound: %.0f s (S / line); origin total at best %.1f GiB (S per region)" % (
        size / line, size * a.regions / 2**30))
    every = announce_every(a.devices)
    print("LSD: a member announces every %.0f s and hears %.0f announces a second "
          "(%.0f KB/s)" % (every, a.devices / every, a.devices / every * 300 / 1000))


def announce_every(devices):
    return min(30.0, max(3.0, devices * 0.010))


if __name__ == "__main__":
    main()
