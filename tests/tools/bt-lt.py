#!/usr/bin/python3
"""bt-lt.py: libtorrent 2.0 as a test peer (run with /usr/bin/python3).

  bt-lt.py create [--v1|--v2|--hybrid] [--piece-size N] [--tracker URL]...
                  [--webseed URL]... SRC OUT
  bt-lt.py [--listen IP:PORT] [--peer IP:PORT]... [--seed] [--seed-time S]
           [--timeout S] [--max-upload-rate B/s] [--lsd] TORRENT DIR

get (default): downloads TORRENT into DIR, prints one JSON line
{"type":"done",...,"from_lsd":B} (B: some peer was found by LSD) and exits 0
when every piece is verified (after --seed-time seconds of seeding), 1 on
timeout. --seed: checks DIR, prints
{"type":"seeding",...} once the content verified (exit 1 if it does not),
then seeds until SIGTERM/SIGINT or --seed-time, printing
{"type":"stopped","uploaded":N}. No DHT, UPnP, NAT-PMP or uTP, no LSD
unless --lsd: peers come from --peer, the torrent's trackers or incoming
connections.
"""
import argparse
import json
import os
import signal
import sys
import time

import libtorrent as lt


def out(obj):
    print(json.dumps(obj), flush=True)


def create(a):
    fs = lt.file_storage()
    src = os.path.abspath(a.src)
    lt.add_files(fs, src)
    flags = 0
    if a.v1:
        flags = lt.create_torrent.v1_only
    elif a.v2:
        flags = lt.create_torrent.v2_only
    ct = lt.create_torrent(fs, a.piece_size, flags)
    for t in a.tracker:
        ct.add_tracker(t)
    for w in a.webseed:
        ct.add_url_seed(w)
    lt.set_piece_hashes(ct, os.path.dirname(src))
    with open(a.out, "wb") as f:
        f.write(lt.bencode(ct.generate()))
    ti = lt.torrent_info(a.out)
    ih = ti.info_hashes()
    out({"type": "created", "file": a.out,
         "info_hash": str(ih.v1) if ih.has_v1() else None,
         "info_hash_v2": str(ih.v2) if ih.has_v2() else None})
    return 0


def run(a):
    settings = {
        "listen_interfaces": a.listen,
        "enable_dht": False, "enable_lsd": a.lsd, "enable_upnp": False,
        "enable_natpmp": False, "enable_outgoing_utp": False,
        "enable_incoming_utp": False, "allow_multiple_connections_per_ip": True,
        "alert_mask": lt.alert.category_t.error_notification
        | lt.alert.category_t.status_notification,
        "upload_rate_limit": a.max_upload_rate,
        "announce_to_all_trackers": True, "announce_to_all_tiers": True,
    }
    ses = lt.session(settings)
    atp = lt.add_torrent_params()
    atp.ti = lt.torrent_info(a.torrent)
    atp.save_path = a.dir
    h = ses.add_torrent(atp)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    t0 = time.time()
    peers = [p.rsplit(":", 1) for p in a.peer]
    last_connect = 0.0
    seeding_since = None
    from_lsd = False
    while not stop:
        st = h.status()
        now = time.time()
        # a peer libtorrent dialled because of an LSD announce it heard
        from_lsd = from_lsd or any(p.source & lt.peer_info.lsd for p in h.get_peer_info())
        if st.state not in (lt.torrent_status.checking_files,
                            lt.torrent_status.checking_resume_data):
            if peers and now - last_connect > 2 and not st.is_seeding:
                for ip, port in peers:
                    h.connect_peer((ip.strip("[]"), int(port)))
                last_connect = now
            if a.seed and seeding_since is None:
                if not st.is_seeding:
                    out({"type": "failed", "reason": "content does not verify",
                         "pieces": st.num_pieces})
                    return 1
                seeding_since = now
                out({"type": "seeding", "pieces": st.num_pieces})
            elif not a.seed and st.is_seeding and seeding_since is None:
                seeding_since = now
                out({"type": "done", "seconds": round(now - t0, 3),
                     "downloaded": st.total_payload_download,
                     "pieces": st.num_pieces, "from_lsd": from_lsd})
        if seeding_since is not None and a.seed_time is not None and \
                now - seeding_since >= a.seed_time:
            break
        if seeding_since is None and a.timeout and now - t0 > a.timeout:
            out({"type": "failed", "reason": "timeout",
                 "pieces": st.num_pieces, "downloaded": st.total_payload_download})
            return 1
        for al in ses.pop_alerts():
            if isinstance(al, (lt.hash_failed_alert,)):
                out({"type": "event", "event": "hash_fail", "text": al.message()})
        time.sleep(0.2)
    st = h.status()
    out({"type": "stopped", "uploaded": st.total_payload_upload,
         "downloaded": st.total_payload_download})
    return 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "create":
        p = argparse.ArgumentParser(prog="bt-lt.py create")
        g = p.add_mutually_exclusive_group()
        g.add_argument("--v1", action="store_true")
        g.add_argument("--v2", action="store_true")
        g.add_argument("--hybrid", action="store_true")
        p.add_argument("--piece-size", type=int, default=256 * 1024)
        p.add_argument("--tracker", action="append", default=[])
        p.add_argument("--webseed", action="append", default=[])
        p.add_argument("src")
        p.add_argument("out")
        return create(p.parse_args(sys.argv[2:]))
    p = argparse.ArgumentParser(prog="bt-lt.py")
    p.add_argument("--listen", default="0.0.0.0:6881")
    p.add_argument("--peer", action="append", default=[])
    p.add_argument("--seed", action="store_true")
    p.add_argument("--lsd", action="store_true")
    p.add_argument("--seed-time", type=float)
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--max-upload-rate", type=int, default=0)
    p.add_argument("torrent")
    p.add_argument("dir")
    a = p.parse_args()
    if not a.seed and a.seed_time is None:
        a.seed_time = 0
    return run(a)


if __name__ == "__main__":
    sys.exit(main())
