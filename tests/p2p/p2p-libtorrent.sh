#!/bin/bash
# p2p-libtorrent.sh: outpost-p2p and libtorrent 2.0 (bt-lt.py) exchange
# v2 and hybrid torrents both ways, with --peer:
#  - outpost creates and seeds, libtorrent downloads;
#  - libtorrent creates (its own metainfo) and seeds, outpost gets.
# SHA-256 of the results, and verify on outpost's side.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/p2p/p2p-lib.sh"
p2p_begin 2
"$LT_PY" -c 'import libtorrent' 2>/dev/null || bail "no python3-libtorrent in $LT_PY"
p2p_content "$T/src" data 5
want=$(p2p_sha "$T/src/data")
for v in v2 hybrid; do
	run_ok "$v: outpost creates" "$P2P" create "$T/src/data" -o "$T/op-$v.torrent" --"$v"
	p2p_op seed seed "$T/op-$v.torrent" "$T/src" --no-lsd --no-trackers --json
	s=$BG_PID
	p2p_wait_listen seed || diag "outpost's seed does not listen"
	p2p_lt p1 --peer "$P2P_SEED4:$P2P_PORT" --timeout 60 "$T/op-$v.torrent" "$T/l-$v"
	p2p_wait_exit "$BG_PID" 70
	is "$P2P_RC" 0 "$v: libtorrent finished downloading from outpost"
	is "$(p2p_sha "$T/l-$v/data")" "$want" "$v: libtorrent's files have the right SHA-256"
	[ "$P2P_RC" = 0 ] || p2p_diag_logs lt-p1.log op-seed.err
	bg_kill "$s"

	p2p_lt_create "$T/src/data" "$T/lt-$v.torrent" "$v" >/dev/null
	p2p_lt seed --seed "$T/lt-$v.torrent" "$T/src"
	s=$BG_PID
	p2p_wait_listen seed || diag "libtorrent's seed does not listen"
	run_ok "$v: outpost gets libtorrent's torrent from libtorrent" p2p_get p2 \
		"$T/lt-$v.torrent" -o "$T/o-$v" --peer "$P2P_SEED4:$P2P_PORT" --no-lsd \
		--no-trackers --stall 30s --json
	is "$(p2p_sha "$T/o-$v/data")" "$want" "$v: outpost's files have the right SHA-256"
	run_ok "$v: verify agrees" "$P2P" verify "$T/lt-$v.torrent" "$T/o-$v"
	[ "$RUN_STATUS" = 0 ] || p2p_diag_logs lt-seed.log
	bg_kill "$s"
done
done_testing
