#!/bin/bash
# p2p-meta-interop.sh: metainfo against other tools, no network at all.
# Torrents made by transmission-create, mktorrent and libtorrent (v1, v2,
# hybrid) must parse to the info-hashes libtorrent computes for them and
# verify every piece of the real content, one flipped byte failing
# exactly one piece; torrents made by p2p_create must load in libtorrent
# with the info-hashes we computed, and v2 ones hash exactly as
# libtorrent's own torrent of the same content; aria2 finds the content
# of our v1 torrents complete (in a network namespace of its own).
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
MK=$top_builddir/tests/tools/p2p-mkmeta
PY=/usr/bin/python3

require_cmd transmission-create mktorrent
$PY -c 'import libtorrent' 2>/dev/null || require_cmd python3-libtorrent
[ -x "$MK" ] || bail "no $MK (make check builds it)"

T=$(mktemp -d /tmp/p2p-meta-interop.XXXXXX) || bail "mktemp"
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/ok/multi/sub" "$T/bad"
head -c 40000 /dev/urandom >"$T/ok/multi/a.bin"
head -c 70001 /dev/urandom >"$T/ok/multi/sub/b.bin"
head -c 333 /dev/urandom >"$T/ok/multi/c.txt"
head -c 50000 /dev/urandom >"$T/ok/single.bin"
cp -a "$T/ok/." "$T/bad/"
# One byte flipped in the middle of b.bin and of single.bin.
flip() { printf '\x5a' | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
flip "$T/bad/multi/sub/b.bin" 35000
flip "$T/bad/single.bin" 25000

# libtorrent's view of a torrent: "v1 HEX v2 HEX" ("-" when absent).
lt_hashes()
{
	$PY - "$1" <<'PYEOF'
import sys, libtorrent as lt
ih = lt.torrent_info(sys.argv[1]).info_hashes()
print("v1", str(ih.v1) if ih.has_v1() else "-", "v2", str(ih.v2) if ih.has_v2() else "-")
PYEOF
}
lt_make()	# FLAGS(v1|v2|hybrid) PATH OUT PIECE_LEN
{
	(cd "$T/ok" && $PY - "$@" <<'PYEOF'
import sys, libtorrent as lt
flags = {"v1": lt.create_torrent.v1_only, "v2": lt.create_torrent.v2_only, "hybrid": 0}
fs = lt.file_storage()
lt.add_files(fs, sys.argv[2])
ct = lt.create_torrent(fs, int(sys.argv[4]), flags=flags[sys.argv[1]])
lt.set_piece_hashes(ct, ".")
open(sys.argv[3], "wb").write(lt.bencode(ct.generate()))
PYEOF
	)
}

(cd "$T/ok" &&
	transmission-create -s 16 -o "$T/tr-multi.torrent" multi >/dev/null 2>&1 &&
	transmission-create -s 32 -o "$T/tr-single.torrent" single.bin >/dev/null 2>&1 &&
	mktorrent -a http://192.0.2.1/announce -l 15 -o "$T/mk-multi.torrent" multi >/dev/null 2>&1 &&
	mktorrent -a http://192.0.2.1/announce -l 15 -o "$T/mk-single.torrent" single.bin >/dev/null 2>&1) ||
	bail "transmission-create or mktorrent failed"
for v in v1 v2 hybrid; do
	lt_make $v multi "$T/lt-$v-multi.torrent" 16384 &&
		lt_make $v single.bin "$T/lt-$v-single.torrent" 16384 &&
		lt_make $v multi "$T/lt-$v-multi64k.torrent" 65536 ||
		bail "libtorrent could not make a $v torrent"
done

THEIRS="tr-multi tr-single mk-multi mk-single lt-v1-multi lt-v1-single lt-v2-multi lt-v2-single lt-hybrid-multi lt-hybrid-single\
    lt-v1-multi64k lt-v2-multi64k lt-hybrid-multi64k"
plan $((4 * 13 + 4 * 9 + 3 + 3))

for t in $THEIRS; do
	f=$T/$t.torrent
	OUT=$("$MK" info "$f" "$T/ok" 2>&1)
	ok $? "$t: parses ($(head -c 200 <<<"$OUT"))"
	is "$(awk 'NR == 1 { print $3, $4, $5, $6 }' <<<"$OUT")" "$(lt_hashes "$f")" \
	    "$t: our info-hashes are libtorrent's"
	n=$(awk 'NR == 1 { print $8 }' <<<"$OUT")
	is "$(sed -n 2p <<<"$OUT")" "verified $n/$n" "$t: every piece of the content verifies"
	BAD=$("$MK" info "$f" "$T/bad" 2>&1 | sed -n 2p)
	is "$BAD" "verified $((n - 1))/$n" "$t: one flipped byte fails exactly one piece"
done

for v in v1 v2 hybrid; do
	for what in multi single.bin multi64k; do
		plen=
		[ $what = multi64k ] && { what=multi; plen=65536; }
		lab="$v ${what%.bin}${plen:+ $plen}"
		f=$T/ours-$v-${what%.bin}$plen.torrent
		"$MK" create $v "$T/ok/$what" "$f" $plen
		ok $? "ours $lab: created"
		OUT=$("$MK" info "$f" "$T/ok" 2>&1)
		n=$(awk 'NR == 1 { print $8 }' <<<"$OUT")
		is "$(sed -n 2p <<<"$OUT")" "verified $n/$n" "ours $lab: verifies the content"
		LT=$(lt_hashes "$f" 2>&1)
		is "$LT" "$(awk 'NR == 1 { print $3, $4, $5, $6 }' <<<"$OUT")" \
		    "ours $lab: libtorrent loads it with the same info-hashes"
		ver=$(awk 'NR == 1 { print $2 }' <<<"$OUT")
		is "$ver" "$(case $v in v1) echo 1;; v2) echo 2;; *) echo 3;; esac)" \
		    "ours $lab: the version asked for"
	done
done
# A v2 info dict holds nothing but the file tree, name, piece length and
# meta version, so ours must hash exactly as libtorrent's of the same
# content: every pieces root, hence our merkle trees, the same.
for c in "multi 16384 lt-v2-multi" "single.bin 16384 lt-v2-single" "multi 65536 lt-v2-multi64k"; do
	set -- $c
	"$MK" create v2 "$T/ok/$1" "$T/same-$3.torrent" "$2" &&
		OUT=$("$MK" info "$T/same-$3.torrent" 2>&1)
	a=$(awk 'NR == 1 { print $6 }' <<<"$OUT") b=$(lt_hashes "$T/$3.torrent" | awk '{ print $4 }')
	[ ${#a} = 64 ] && [ "$a" = "$b" ]
	ok $? "ours v2 ${1%.bin} $2: the v2 info-hash of libtorrent's own torrent ($a, $b)"
done
# aria2 (v1 only, no pad files) checks our v1 hashes on its own: with the
# content in place it finds the download complete and exits 0; with a
# byte flipped it is incomplete and waits for peers. It runs in a network
# namespace of its own with no interface up, so it can send nothing.
aria() { rm -rf "$T/aria" && mkdir "$T/aria" && cp -a "$T/$1/." "$T/aria/" &&
	timeout "$3" unshare -n aria2c -q -V --seed-time=0 --enable-dht=false \
	    --enable-dht6=false --bt-enable-lpd=false --enable-peer-exchange=false \
	    --dir "$T/aria" "$2" >/dev/null 2>&1; }
if [ "$(id -u)" = 0 ] && command -v aria2c >/dev/null && command -v unshare >/dev/null; then
	aria ok "$T/ours-v1-multi.torrent" 15
	ok $? "aria2 finds our v1 multi-file torrent's content complete"
	aria ok "$T/ours-v1-single.torrent" 15
	ok $? "aria2 finds our v1 single-file torrent's content complete"
	aria bad "$T/ours-v1-multi.torrent" 3
	[ $? != 0 ]
	ok $? "aria2 does not accept the content with a flipped byte"
else
	skip "aria2c, unshare and root are needed" 3
fi
done_testing
