#!/bin/bash
# make-fixtures.sh: how the metainfo fixtures here were made (run by
# hand, not by the tests): small content, then torrents of it by
# transmission-create, mktorrent and libtorrent, and expected.txt with
# libtorrent's info-hashes ("-" when absent) that test-meta checks ours
# against. bad-layer-v2.torrent is lt-v2 with one piece-layer byte
# flipped; bad-hybrid-*.torrent are lt-hybrid with v1 and v2 made to
# disagree. Needs transmission-create, mktorrent, python3-libtorrent.
set -eu
cd "$(dirname "$0")"
PY=/usr/bin/python3
rm -rf content && mkdir -p content/multi/sub
$PY - <<'PYEOF'
import random
r = random.Random(11)
for p, n in (("content/multi/a.bin", 20000), ("content/multi/sub/b.bin", 40001),
             ("content/multi/c.txt", 333)):
    open(p, "wb").write(bytes(r.getrandbits(8) for _ in range(n)))
PYEOF
(cd content && transmission-create -s 16 -o ../tr-v1.torrent multi >/dev/null &&
	mktorrent -d -a http://192.0.2.1/announce -l 15 -o ../mk-v1.torrent multi >/dev/null)
$PY - <<'PYEOF'
import libtorrent as lt
for v, fl in (("v1", lt.create_torrent.v1_only), ("v2", lt.create_torrent.v2_only), ("hybrid", 0)):
    fs = lt.file_storage()
    lt.add_files(fs, "content/multi")
    ct = lt.create_torrent(fs, 16384, flags=fl)
    ct.add_tracker("http://192.0.2.1/announce")
    lt.set_piece_hashes(ct, "content")
    e = ct.generate()
    e.pop(b"creation date", None)
    open("lt-%s.torrent" % v, "wb").write(lt.bencode(e))
    if v == "v2":
        layers = e[b"piece layers"]
        k = sorted(layers)[0]
        b = bytearray(layers[k]); b[5] ^= 1; layers[k] = bytes(b)
        open("bad-layer-v2.torrent", "wb").write(lt.bencode(e))
with open("expected.txt", "w") as out:
    for n in ("tr-v1", "mk-v1", "lt-v1", "lt-v2", "lt-hybrid"):
        ih = lt.torrent_info(n + ".torrent").info_hashes()
        out.write("%s %s %s\n" % (n, str(ih.v1) if ih.has_v1() else "-",
                                  str(ih.v2) if ih.has_v2() else "-"))
PYEOF
# Hybrids whose v1 and v2 halves disagree: a renamed v1 file, and pad
# files moved by a byte so the next file leaves its piece boundary.
$PY - <<'PYEOF'
import libtorrent as lt
def mutate(out, fn):
    e = lt.bdecode(open("lt-hybrid.torrent", "rb").read())
    fn(e[b"info"][b"files"])
    open(out, "wb").write(lt.bencode(e))
def rename(fs):
    fs[2][b"path"] = [b"d.txt"]
def shift(fs):
    fs[1][b"length"] -= 1
    fs[3][b"length"] += 1
mutate("bad-hybrid-name.torrent", rename)
mutate("bad-hybrid-pad.torrent", shift)
PYEOF
