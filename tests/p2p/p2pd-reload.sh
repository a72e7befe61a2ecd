#!/bin/bash
# p2pd-reload.sh: what a SIGHUP changes in a running outpost-p2pd.
#  - a rate: a2 seeds a1 at 2 Mbit/s; raised to 1 Gbit/s by a reload,
#    a1 finishes long before 2 Mbit/s could have carried the rest;
#  - a key that needs a restart (listen): the log says so, the daemon
#    keeps listening where it did;
#  - a tracker added: the transfers run again, seeding, without one
#    byte more from the origin;
#  - seed-time shortened then lengthened: a1 stops seeding, then seeds
#    again;
#  - a config with errors: nothing changes, the daemon runs on.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/p2p/p2pd-region-test.sh"
p2pd_region_begin 8 a:2
require_cmd ss
p2pd_conf a2 a "max-upload-rate = 2mbit"
p2pd_start_all a2
p2pd_add_all "$REGION_WEB/pkg.torrent" a2
run_ok "a2 gets the package" wait_until 60 p2pd_seeding a2
region_origin_down
origin0=$(region_origin_bytes a)

# hup NODE: signal NODE's daemon, wait for its log to say it reloaded
hup()
{
	local n
	n=$(grep -c 'reload:' "$T/$1/log")
	kill -HUP "${P2PD_PID[$1]}"
	wait_until 10 eval "[ \$(grep -c 'reload:' '$T/$1/log') -gt $n ]"
}
bytes() { p2pd_jlist "$1" bytes; }

p2pd_start_all a1
run_ok "the torrent is added on a1" p2pd_cli a1 add "$T/www/pkg.torrent"
sleep 3
before=$(bytes a1)
diag "a1 has $before of $PKG_SIZE bytes after 3 s at 2 Mbit/s"
ok "$([ "$before" -lt $((PKG_SIZE / 2)) ]; echo $?)" "the 2 Mbit/s cap holds a1 back"
sed -i 's/^max-upload-rate = 2mbit$/max-upload-rate = 1gbit/' "$T/a2/outpost.conf"
t0=$(date +%s.%N)
run_ok "a2 reloads" hup a2
run_ok "a1 finishes" wait_until 60 p2pd_seeding a1
secs=$(echo "$(date +%s.%N) - $t0" | bc -l)
left=$(echo "($PKG_SIZE - $before) * 8 / 2000000" | bc -l)
diag "a1 finished $(printf '%.1f' "$secs") s after the reload; at 2 Mbit/s the rest took $(printf '%.1f' "$left") s"
ok "$(p2pd_le "$secs" "$(echo "$left / 2" | bc -l)")" "the new rate took effect at once"
like "$(cat "$T/a2/log")" "reload: settings taken" "a2's log says the reload took"
is "$(p2pd_bad_copies pkg "$PKG_SHA" a1)" 0 "a1 has the right SHA-256"

printf 'listen = 7002\n' >>"$T/a2/outpost.conf"
run_ok "a2 reloads with another listen port" hup a2
like "$(cat "$T/a2/log")" "listen 7002 takes effect at the next restart \\(still 6881\\)" \
	"... saying the port waits for a restart"
ok "$(ns_exec a2 ss -tlnH | grep -q ':6881 '; echo $?)" "a2 still listens on 6881"
ok "$(ns_exec a2 ss -tlnH | grep -q ':7002 ' && echo 1 || echo 0)" "... and not on 7002"

printf 'tracker = %s\n' "$(region_tracker_url a)" >>"$T/a2/outpost.conf"
run_ok "a2 reloads with a tracker" hup a2
like "$(cat "$T/a2/log")" "pkg: runs again with the new settings" "its transfer runs again"
run_ok "... seeding" wait_until 10 p2pd_seeding a2
is "$(region_origin_bytes a)" "$origin0" "... without a byte more from the origin"

printf 'seed-time = 1s\n' >>"$T/a1/outpost.conf"
run_ok "a1 reloads with seed-time = 1s" hup a1
stopped() { [ "$(p2pd_jlist a1 state)" = finished ]; }
run_ok "a1 stops seeding" wait_until 10 stopped
sed -i 's/^seed-time = 1s$/seed-time = 1h/' "$T/a1/outpost.conf"
run_ok "a1 reloads with seed-time = 1h" hup a1
run_ok "a1 seeds again" wait_until 10 p2pd_seeding a1

printf 'max-peers = lots\n' >>"$T/a1/outpost.conf"
run_ok "a1 is told of a config with errors" hup a1
like "$(cat "$T/a1/log")" "outpost.conf:[0-9]+: .*max-peers" "the log names the line and the key"
like "$(cat "$T/a1/log")" "has errors; keeping the running configuration" "... and that nothing changes"
ok "$(kill -0 "${P2PD_PID[a1]}"; echo $?)" "a1 runs on"
# outpost-p2p reads the config too: mend it to ask
sed -i '/^max-peers = lots$/d' "$T/a1/outpost.conf"
run_ok "... still seeding" p2pd_seeding a1
p2p_diag_logs a2/log
done_testing
