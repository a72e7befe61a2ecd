#!/usr/bin/env python3
"""trace-pcap.py: what the probes of one trace looked like on the wire.

Usage: trace-pcap.py FILE.pcap DST

Reads a classic pcap (Ethernet or Linux cooked v1/v2) and, for every IPv4
or IPv6 packet to DST, takes its flow identifier as a per-flow load
balancer would hash it -- addresses, protocol, the IPv6 flow label and the
first four transport bytes (ICMP: type, code, checksum; UDP/TCP: the
ports) plus the ICMP identifier -- and the probe key (ICMP sequence, UDP
checksum, TCP sequence). Prints one JSON object: probes, flows (distinct
flow identifiers), keys (distinct probe keys), bad_sums (packets whose
transport checksum does not verify) and ttls (TTL -> count).
"""
import ipaddress
import json
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def frames(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        magic = struct.unpack("<I", hdr[:4])[0]
        end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        link = struct.unpack(end + "I", hdr[20:24])[0]
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            incl = struct.unpack(end + "IIII", rec)[2]
            yield link, f.read(incl)


def l3(link, fr):
    if link == 1:       # Ethernet
        return struct.unpack("!H", fr[12:14])[0], fr[14:]
    if link == 113:     # Linux cooked v1
        return struct.unpack("!H", fr[14:16])[0], fr[16:]
    if link == 276:     # Linux cooked v2
        return struct.unpack("!H", fr[0:2])[0], fr[20:]
    return None, b""


def main():
    path, dst = sys.argv[1], ipaddress.ip_address(sys.argv[2])
    probes, flows, keys, bad, ttls = 0, set(), set(), 0, {}
    for link, fr in frames(path):
        et, p = l3(link, fr)
        if et == 0x0800 and dst.version == 4:
            ihl = (p[0] & 15) * 4
            proto, ttl = p[9], p[8]
            src, d = p[12:16], p[16:20]
            l4 = p[ihl:struct.unpack("!H", p[2:4])[0]]
            label = 0
            pseudo = src + d + struct.pack("!BBH", 0, proto, len(l4))
        elif et == 0x86DD and dst.version == 6:
            proto, ttl = p[6], p[7]
            src, d = p[8:24], p[24:40]
            l4 = p[40:40 + struct.unpack("!H", p[4:6])[0]]
            label = struct.unpack("!I", p[0:4])[0] & 0xFFFFF
            pseudo = src + d + struct.pack("!IxxxB", len(l4), proto)
        else:
            continue
        if d != dst.packed:
            continue
        if proto in (1, 58):
            if l4[0] not in (8, 128):
                continue
            flow = (src, proto, label, l4[0:4], l4[4:6])
            key = l4[6:8]
            ok = csum(l4 if proto == 1 else pseudo + l4) == 0xFFFF
        elif proto == 17:
            flow, key = (src, proto, label, l4[0:4]), l4[6:8]
            ok = csum(pseudo + l4) == 0xFFFF
        elif proto == 6:
            if l4[13] != 0x02:      # SYNs only, not the kernel's resets
                continue
            flow, key = (src, proto, label, l4[0:4]), l4[4:8]
            ok = csum(pseudo + l4) == 0xFFFF
        else:
            continue
        probes += 1
        flows.add(flow)
        keys.add(key)
        bad += 0 if ok else 1
        ttls[ttl] = ttls.get(ttl, 0) + 1
    print(json.dumps({"probes": probes, "flows": len(flows), "keys": len(keys),
                      "bad_sums": bad, "ttls": {str(k): v for k, v in sorted(ttls.items())}}))


if __name__ == "__main__":
    main()
