#!/bin/bash
# p2p-world.sh: the world of p2p-lib.sh and its tools, proven with real
# clients only (no outpost-p2p), so a failure of the other p2p tests is
# never the world's:
#  - aria2c seeds a mktorrent v1 torrent, libtorrent gets it (--peer);
#  - bt-corrupt.py alone: libtorrent gets its bad blocks (counted by it),
#    sees hash failures and never completes;
#  - transmission-cli seeds, aria2c gets, through opentracker only;
#  - libtorrent seeds a v2 torrent, libtorrent gets it by LSD only;
#  - aria2c gets from nginx alone (web seed); nginx's log sums to the
#    size; https with the test CA works, without it is refused;
#  - bt-badmeta.py's files: libtorrent takes the control and refuses
#    those of its defects it checks when parsing.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/p2p/p2p-lib.sh"
P2P_NEED_TOOL=0 p2p_begin 3 aria2c mktorrent transmission-cli opentracker nginx curl
"$LT_PY" -c 'import libtorrent' 2>/dev/null || bail "no python3-libtorrent in $LT_PY"
p2p_content "$T/src" data 2
want=$(p2p_sha "$T/src/data")
size=$(p2p_size "$T/src/data")

p2p_mktorrent "$T/src/data" "$T/v1.torrent" -l 16
p2p_aria2 seed "$T/v1.torrent" "$T/src" seed --max-upload-limit=1M
a=$BG_PID
p2p_wait_listen seed || diag "aria2c does not listen"
p2p_lt p1 --peer "$P2P_SEED4:$P2P_PORT" --timeout 30 "$T/v1.torrent" "$T/l1"
p2p_wait_exit "$BG_PID" 40
is "$P2P_RC" 0 "libtorrent got aria2c's seed"
is "$(p2p_sha "$T/l1/data")" "$want" "... right SHA-256"

bg_run p2 python3 "$P2P_TOOLS/bt-corrupt.py" --listen "$(p2p_ip p2):$P2P_PORT" \
	--counters "$T/corrupt.json" "$T/v1.torrent" >"$T/corrupt.log" 2>&1
p2p_wait_listen p2 || diag "bt-corrupt.py does not listen"
p2p_lt p3 --peer "$(p2p_ip p2):$P2P_PORT" --timeout 6 "$T/v1.torrent" "$T/l3"
p2p_wait_exit "$BG_PID" 15
is "$P2P_RC" 1 "libtorrent with only bt-corrupt.py never completes"
isnt "$(p2p_sha "$T/l3/data")" "$want" "... its files are not the content"
served=$(p2p_jget "$(cat "$T/corrupt.json" 2>/dev/null)" bad_blocks)
ok "$([ "$served" != null ] && [ "$served" -gt 0 ]; echo $?)" "bt-corrupt.py served $served bad blocks"
ok "$(grep -q hash_fail "$T/lt-p3.log"; echo $?)" "libtorrent saw hash failures"
bg_kill "$a"

mktorrent -a "$P2P_TRACKER" -l 18 -o "$T/t.torrent" "$T/src/data" >/dev/null
p2p_tracker "$T/t.torrent" || bail "no tracker"
p2p_tr seed "$T/t.torrent" "$T/src"
t=$BG_PID
p2p_tracker_seeded "$T/t.torrent"
p2p_aria2 p1 "$T/t.torrent" "$T/a1" get
p2p_wait_exit "$BG_PID" 45
is "$P2P_RC" 0 "aria2c got transmission-cli's seed through opentracker"
is "$(p2p_sha "$T/a1/data")" "$want" "... right SHA-256"
bg_kill "$t"

p2p_lt_create "$T/src/data" "$T/v2.torrent" v2 >/dev/null
# The getter first: libtorrent announces once at start, so the seed's
# announce must find it listening (either way round is a race).
p2p_lt p2 --lsd --timeout 30 "$T/v2.torrent" "$T/l2"
g=$BG_PID
p2p_wait_listen p2 || diag "libtorrent does not listen"
p2p_lt seed --seed --lsd "$T/v2.torrent" "$T/src"
s=$BG_PID
p2p_wait_exit "$g" 40
is "$P2P_RC" 0 "libtorrent got a v2 torrent by LSD alone"
is "$(p2p_sha "$T/l2/data")" "$want" "... right SHA-256"
bg_kill "$s"

p2p_nginx "$T/src" || bail "no nginx"
mktorrent -w "$P2P_WEB/" -l 18 -o "$T/w.torrent" "$T/src/data" >/dev/null
p2p_aria2 p3 "$T/w.torrent" "$T/w3" get
p2p_wait_exit "$BG_PID" 30
is "$P2P_RC" 0 "aria2c got it from the web seed alone"
is "$(p2p_sha "$T/w3/data")" "$want" "... right SHA-256"
is "$(p2p_origin_bytes)" "$size" "nginx's log sums to the size"
run_ok "https with the test CA" ns_exec p1 curl -sf --cacert "$T/pki/ca.pem" -o /dev/null \
	"$P2P_WEBS/data/file1.bin"
run_fails "https without it" ns_exec p1 curl -sf -o /dev/null "$P2P_WEBS/data/file1.bin"
# bt-badmeta.py: libtorrent accepts the control and refuses the cases it
# checks at parse time (it sanitises paths instead of refusing them).
python3 "$P2P_TOOLS/bt-badmeta.py" "$T/bad" || bail "bt-badmeta.py failed"
lt_refused=$("$LT_PY" -c 'import sys, libtorrent as lt
for f in sys.argv[1:]:
    try:
        lt.torrent_info(f)
    except Exception:
        print(f.rsplit("/", 1)[1][:-8])' "$T"/bad/*.torrent | LC_ALL=C sort | tr '\n' ' ')
is "$lt_refused" "deep-dicts deep-lists empty-file empty-name empty-path huge-length huge-piece-count huge-string-length negative-length no-info pieces-count-wrong pieces-not-20 truncated v2-bad-piece-length v2-dotdot zero-piece-length " \
	"libtorrent refuses exactly the parse-time defects, and takes the control"

[ "$TAP_FAILED" = 0 ] || p2p_diag_logs aria2-seed.log lt-p1.log lt-p3.log corrupt.log tr-seed.log \
	aria2-p1.log tracker/log lt-p2.log aria2-p3.log
done_testing
