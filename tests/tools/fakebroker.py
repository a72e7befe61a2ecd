#!/usr/bin/env python3
"""fakebroker: a scripted MQTT 3.1.1/5.0 broker for testing the client's
edge cases. It serves one connection at a time on 127.0.0.1, behaves as
the chosen scenario says, and writes a JSON log of everything it received
to --log (rewritten after each connection, so it is there even if the
broker is killed). It stops by itself after --timeout seconds or
--connections connections.

Scenarios (default: a well-behaved broker):
  --no-pingresp               never answer PINGREQ
  --pubrec-then-disconnect    first connection: answer a QoS 2 PUBLISH with
                              PUBREC, then close; later connections resume
                              the session (session present = 1), expect
                              PUBREL and answer PUBCOMP
  --malformed                 first connection: answer the first PUBLISH
                              with a packet with bad fixed-header flags
  --oversize-remaining-length first connection: answer the first PUBLISH
                              with a header announcing 268435455 bytes
  --refuse CODE               (5.0) answer every QoS>0 PUBLISH with this
                              reason code and the reason string "denied
                              by test"
  --session-present           claim a stored session for every CONNECT
                              without clean start (a client restarted
                              with state it restored)
  --receive-maximum N         CONNACK (5.0) carries Receive Maximum N; the
                              log records the most unacknowledged QoS>0
                              messages seen at once
Brokers that are not Mosquitto:
  --v311-only                 answer a 5.0 CONNECT with a 3.1.1 CONNACK,
                              return code 1 (unacceptable protocol
                              version), and close
  --close-on-v5               close the connection on a 5.0 CONNECT
  --puback-qos2               answer a QoS 2 PUBLISH with PUBACK (the
                              broker downgrades QoS 2 to 1)
  --maximum-qos N             CONNACK (5.0) carries Maximum QoS N; a
                              PUBLISH above it is an error (DISCONNECT 0x9B)
  --retain-unavailable        CONNACK (5.0) carries Retain Available 0; a
                              retained PUBLISH is an error (DISCONNECT 0x9A)
  --maximum-packet-size N     CONNACK (5.0) carries Maximum Packet Size N;
                              a larger packet is an error (DISCONNECT 0x95)
  --drop-on-publish           close the connection on every PUBLISH
The log's "violations" lists the packets that broke the announced limits;
DISCONNECT entries carry the Session Expiry Interval they set, if any.
Only the Python standard library is used."""

import argparse
import json
import os
import socket
import sys
import time


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | 0x80 if n else b)
        if not n:
            return bytes(out)


def packet(first, body=b""):
    return bytes([first]) + varint(len(body)) + body


class Conn:
    def __init__(self, sock, deadline):
        self.sock = sock
        self.buf = b""
        self.deadline = deadline

    def read_packet(self):
        """Return (first byte, body), or None at EOF/timeout."""
        while True:
            pkt = self._frame()
            if pkt is not None:
                return pkt
            left = self.deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(min(left, 0.5))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return None
            if not data:
                return None
            self.buf += data

    def _frame(self):
        if len(self.buf) < 2:
            return None
        n, shift, i = 0, 0, 1
        while True:
            if i >= len(self.buf):
                return None
            b = self.buf[i]
            n |= (b & 0x7F) << shift
            shift += 7
            i += 1
            if not b & 0x80:
                break
            if i > 4:
                raise ValueError("remaining length too long")
        if len(self.buf) < i + n:
            return None
        first, body = self.buf[0], self.buf[i:i + n]
        self.buf = self.buf[i + n:]
        return first, body

    def drain(self):
        """Pull in whatever the client already sent, without waiting."""
        self.sock.setblocking(False)
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    break
                self.buf += data
        except (BlockingIOError, OSError):
            pass
        self.sock.setblocking(True)

    def buffered_publishes(self):
        """QoS>0 PUBLISH packets received but not handled yet."""
        n, off = 0, 0
        while off + 2 <= len(self.buf):
            first, i, length, shift = self.buf[off], off + 1, 0, 0
            while i < len(self.buf):
                length |= (self.buf[i] & 0x7F) << shift
                shift += 7
                i += 1
                if not self.buf[i - 1] & 0x80:
                    break
            if i + length > len(self.buf):
                break
            if first >> 4 == 3 and (first >> 1) & 3:
                n += 1
            off = i + length
        return n

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError:
            pass


def u16(b, off):
    return (b[off] << 8) | b[off + 1], off + 2


def string(b, off):
    n, off = u16(b, off)
    return b[off:off + n], off + n


def parse_varint(b, off):
    n, shift = 0, 0
    while True:
        x = b[off]
        off += 1
        n |= (x & 0x7F) << shift
        shift += 7
        if not x & 0x80:
            return n, off


def session_expiry(props):
    """The Session Expiry Interval in a property block, or None."""
    off = 0
    sizes = {0x01: 1, 0x02: 4, 0x11: 4, 0x13: 2, 0x17: 1, 0x18: 4, 0x19: 1,
             0x21: 2, 0x22: 2, 0x23: 2, 0x24: 1, 0x25: 1, 0x27: 4, 0x28: 1,
             0x29: 1, 0x2a: 1}
    while off < len(props):
        pid = props[off]
        off += 1
        if pid == 0x11:
            return int.from_bytes(props[off:off + 4], "big")
        if pid in sizes:
            off += sizes[pid]
        elif pid == 0x0b:
            _, off = parse_varint(props, off)
        elif pid == 0x26:
            _, off = string(props, off)
            _, off = string(props, off)
        else:
            _, off = string(props, off)
    return None


def parse_connect(body):
    name, off = string(body, 0)
    level = body[off]
    flags = body[off + 1]
    keepalive, off = u16(body, off + 2)
    expiry = None
    if level == 5:
        plen, off = parse_varint(body, off)
        expiry = session_expiry(body[off:off + plen])
        off += plen
    cid, off = string(body, off)
    return {"type": "CONNECT", "protocol": name.decode(), "level": level,
            "clean": bool(flags & 2), "keepalive": keepalive,
            "will": bool(flags & 4), "username": bool(flags & 0x80),
            "password": bool(flags & 0x40), "client_id": cid.decode(),
            "session_expiry": expiry}


def parse_disconnect(body):
    out = {"type": "DISCONNECT", "reason": body[0] if body else 0}
    if len(body) > 1:
        plen, off = parse_varint(body, 1)
        out["session_expiry"] = session_expiry(body[off:off + plen])
    return out


def parse_publish(first, body, level):
    qos = (first >> 1) & 3
    topic, off = string(body, 0)
    pid = None
    if qos:
        pid, off = u16(body, off)
    if level == 5:
        plen, off = parse_varint(body, off)
        off += plen
    return {"type": "PUBLISH", "qos": qos, "dup": bool(first & 8),
            "retain": bool(first & 1), "pid": pid, "topic": topic.decode(),
            "payload": body[off:].decode("utf-8", "replace")}


NAMES = {1: "CONNECT", 3: "PUBLISH", 4: "PUBACK", 5: "PUBREC", 6: "PUBREL",
         7: "PUBCOMP", 12: "PINGREQ", 14: "DISCONNECT"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="write the listening port here")
    ap.add_argument("--log", required=True)
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--connections", type=int, default=0,
                    help="stop after this many connections (0: no limit)")
    ap.add_argument("--ack-delay", type=float, default=0.0,
                    help="seconds to wait before each PUBACK/PUBREC/PUBCOMP")
    ap.add_argument("--no-pingresp", action="store_true")
    ap.add_argument("--pubrec-then-disconnect", action="store_true")
    ap.add_argument("--malformed", action="store_true")
    ap.add_argument("--oversize-remaining-length", action="store_true")
    ap.add_argument("--receive-maximum", type=int, default=0)
    ap.add_argument("--session-present", action="store_true")
    ap.add_argument("--refuse", type=lambda x: int(x, 0), default=0)
    ap.add_argument("--v311-only", action="store_true")
    ap.add_argument("--close-on-v5", action="store_true")
    ap.add_argument("--puback-qos2", action="store_true")
    ap.add_argument("--maximum-qos", type=int, default=-1)
    ap.add_argument("--retain-unavailable", action="store_true")
    ap.add_argument("--maximum-packet-size", type=int, default=0)
    ap.add_argument("--drop-on-publish", action="store_true")
    a = ap.parse_args()

    t0 = time.monotonic()
    deadline = t0 + a.timeout
    log = {"scenario": {k: v for k, v in vars(a).items()
                        if k not in ("log", "port_file", "port")},
           "connections": [], "max_unacked": 0, "errors": [], "violations": []}

    def save():
        tmp = a.log + ".tmp"
        with open(tmp, "w") as f:
            json.dump(log, f, indent=1)
        os.replace(tmp, a.log)

    def now():
        return round(time.monotonic() - t0, 3)

    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", a.port))
    ls.listen(4)
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % ls.getsockname()[1])
        os.replace(a.port_file + ".tmp", a.port_file)
    save()

    sessions = {}   # client id -> set of packet ids awaiting PUBREL
    while time.monotonic() < deadline:
        if a.connections and len(log["connections"]) >= a.connections:
            break
        ls.settimeout(max(0.05, min(0.5, deadline - time.monotonic())))
        try:
            s, _ = ls.accept()
        except socket.timeout:
            continue
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        nconn = len(log["connections"])
        rec = {"accepted": now(), "packets": [], "closed_by": None}
        log["connections"].append(rec)
        c = Conn(s, deadline)
        level = 4
        unacked = set()
        first_publish_seen = False
        try:
            while True:
                pkt = c.read_packet()
                if pkt is None:
                    rec["closed_by"] = "client" if time.monotonic() < deadline else "timeout"
                    break
                first, body = pkt
                ptype = first >> 4
                entry = {"t": now(), "type": NAMES.get(ptype, str(ptype))}
                size = 1 + len(varint(len(body))) + len(body)
                if a.maximum_packet_size and size > a.maximum_packet_size:
                    log["violations"].append("%s of %d bytes" % (entry["type"], size))
                    c.send(packet(0xE0, b"\x95\x00"))
                    rec["closed_by"] = "broker"
                    break
                if ptype == 1:
                    entry = dict(parse_connect(body), t=now())
                    level = entry["level"]
                    cid = entry["client_id"]
                    if level == 5 and (a.v311_only or a.close_on_v5):
                        rec["packets"].append(entry)
                        if a.v311_only:
                            c.send(packet(0x20, b"\x00\x01"))
                        rec["closed_by"] = "broker"
                        break
                    if entry["clean"]:
                        sessions.pop(cid, None)
                    present = (cid in sessions or a.session_present) and not entry["clean"]
                    sessions.setdefault(cid, set())
                    ack = bytes([1 if present else 0, 0])
                    if level == 5:
                        props = b""
                        if a.receive_maximum:
                            props += b"\x21" + a.receive_maximum.to_bytes(2, "big")
                        if a.maximum_qos >= 0:
                            props += b"\x24" + bytes([a.maximum_qos])
                        if a.retain_unavailable:
                            props += b"\x25\x00"
                        if a.maximum_packet_size:
                            props += b"\x27" + a.maximum_packet_size.to_bytes(4, "big")
                        ack += varint(len(props)) + props
                    rec["packets"].append(entry)
                    c.send(packet(0x20, ack))
                    rec["connack"] = now()
                    rec["session_present"] = present
                    continue
                if ptype == 3:
                    entry = dict(parse_publish(first, body, level), t=now())
                elif ptype in (4, 5, 6, 7):
                    entry["pid"] = u16(body, 0)[0]
                elif ptype == 14 and level == 5:
                    entry = dict(parse_disconnect(body), t=now())
                rec["packets"].append(entry)
                if ptype == 3:
                    qos, pid = entry["qos"], entry["pid"]
                    bad = None
                    if level == 5 and 0 <= a.maximum_qos < qos:
                        bad = 0x9B
                    elif level == 5 and a.retain_unavailable and entry["retain"]:
                        bad = 0x9A
                    if bad:
                        log["violations"].append("PUBLISH qos %d retain %s" %
                                                 (qos, entry["retain"]))
                        c.send(packet(0xE0, bytes([bad, 0])))
                        rec["closed_by"] = "broker"
                        break
                    if a.drop_on_publish:
                        rec["closed_by"] = "broker"
                        break
                    if qos == 2 and a.puback_qos2:
                        unacked.discard(pid)
                        c.send(packet(0x40, pid.to_bytes(2, "big")))
                        continue
                    if qos:
                        unacked.add(pid)
                        log["max_unacked"] = max(log["max_unacked"], len(unacked))
                    if not first_publish_seen and nconn == 0:
                        first_publish_seen = True
                        if a.malformed:
                            c.send(b"\x41\x02\x00\x01")   # PUBACK with flags 0001
                            rec["sent"] = "malformed"
                            continue
                        if a.oversize_remaining_length:
                            c.send(b"\x30\xff\xff\xff\x7f")
                            rec["sent"] = "oversize"
                            continue
                    if a.ack_delay:
                        time.sleep(a.ack_delay)
                    if qos:
                        # What the client sent before it could see our ack.
                        c.drain()
                        log["max_unacked"] = max(log["max_unacked"],
                                                 len(unacked) + c.buffered_publishes())
                    if qos and a.refuse and level == 5:
                        unacked.discard(pid)
                        rs = b"denied by test"
                        props = b"\x1f" + len(rs).to_bytes(2, "big") + rs
                        c.send(packet(0x40 if qos == 1 else 0x50, pid.to_bytes(2, "big") +
                                      bytes([a.refuse]) + varint(len(props)) + props))
                        continue
                    if qos == 1:
                        unacked.discard(pid)
                        c.send(packet(0x40, pid.to_bytes(2, "big")))
                    elif qos == 2:
                        c.send(packet(0x50, pid.to_bytes(2, "big")))
                        sessions.setdefault(cid, set()).add(pid)
                        if a.pubrec_then_disconnect and nconn == 0:
                            rec["closed_by"] = "broker"
                            break
                elif ptype == 6:
                    pid = entry["pid"]
                    if a.ack_delay:
                        time.sleep(a.ack_delay)
                    sessions.get(cid, set()).discard(pid)
                    unacked.discard(pid)
                    c.send(packet(0x70, pid.to_bytes(2, "big")))
                elif ptype == 12:
                    if not a.no_pingresp:
                        c.send(packet(0xD0))
                elif ptype == 14:
                    rec["closed_by"] = "client-disconnect"
                    break
        except (ValueError, IndexError) as e:
            log["errors"].append("connection %d: %s" % (nconn, e))
            rec["closed_by"] = "broker-error"
        rec["closed"] = now()
        s.close()
        save()
    save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
