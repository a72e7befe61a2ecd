#!/bin/bash
# p2p-resume.sh: a get killed with SIGKILL halfway resumes. The only
# source is nginx (web seed) at limit_rate 1 MiB/s a connection, so
# 8 MiB take seconds: once outpost's progress says >= 40 % it is killed -9, then run again:
# exit 0, right SHA-256, the second run fetched less than 70 % of the
# size, and nginx's log (body bytes of every response, the killed ones
# included) totals at most size + 4 pieces.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/p2p/p2p-lib.sh"
p2p_begin 1 nginx
p2p_content "$T/www" data 8
want=$(p2p_sha "$T/www/data")
size=$(p2p_size "$T/www/data")
piece=262144
p2p_nginx "$T/www" 1m || bail "no nginx"
run_ok "create with a web seed" "$P2P" create "$T/www/data" -o "$T/t.torrent" \
	--webseed "$P2P_WEB/" --piece-size 256KiB

# half: the last progress line's bytes
half()
{
	local b
	b=$(grep '"progress"' "$T/op-p1.json" 2>/dev/null | tail -n 1)
	[ -n "$b" ] && [ "$(p2p_jget "$b" bytes)" -ge $((size * 2 / 5)) ]
}
p2p_op p1 get "$T/t.torrent" -o "$T/o1" --no-lsd --no-trackers --stall 20s --json
g=$BG_PID
wait_until 30 half
ok $? "the first run got 40 %"
kill -KILL "$g"
p2p_wait_exit "$g" 5
isnt "$(p2p_sha "$T/o1/data")" "$want" "the content was not complete when killed"
sleep 0.5	# nginx logs a request when its connection closes
first=$(p2p_origin_bytes)
run_ok "the second run completes" p2p_get p1 "$T/t.torrent" -o "$T/o1" \
	--no-lsd --no-trackers --stall 20s --json
is "$(p2p_sha "$T/o1/data")" "$want" "right SHA-256"
second=$(p2p_jget "$(p2p_last p1)" from_webseeds)
diag "nginx: $first bytes before the kill; second run: $second; total $(p2p_origin_bytes) of $size"
ok "$([ "$second" != null ] && [ "$second" -lt $((size * 7 / 10)) ]; echo $?)" \
	"the second run did not start over ($second bytes)"
ok "$([ "$(p2p_origin_bytes)" -le $((size + 4 * piece)) ]; echo $?)" \
	"nginx served at most size + 4 pieces in all"
run_ok "a third run on complete content exits 0" p2p_get p1 "$T/t.torrent" -o "$T/o1" \
	--no-lsd --no-trackers --stall 10s --quiet
done_testing
