#!/bin/bash
# p2pd-basic.sh: outpost-p2pd as an operator runs it, in the world of
# p2p-lib.sh (nginx in origin as the web seed, daemons in p1 and p2):
#  - -n passes a good file and refuses a bad one with file:line;
#  - it runs as [node] user with no capability, its data folder 2770;
#  - outpost-p2p add (a file) downloads the package: right SHA-256 in
#    content/HEX/, p2p/started and p2p/done in the spool, done counting
#    the origin's bytes; add again says so and fetches nothing;
#  - p2 gets the same package by URL and from p1 over the LAN (LSD);
#  - a SIGKILL halfway and a restart resume: the origin serves little
#    more than the size in all; a restart after done fetches nothing;
#  - remove deletes the content; with no daemon the client exits 3; a
#    bad .torrent exits 2.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/p2p/p2p-lib.sh"
. "$top_srcdir/tests/p2p/p2pd-lib.sh"
[ -x "$P2PD" ] || bail "no $P2PD (build it first)"
p2p_begin 2 nginx useradd userdel
p2pd_user || bail "cannot create a user"
user=$P2PD_USER

p2p_content "$T/www" pkg 8
want=$(p2p_sha "$T/www/pkg")
size=$(du -sb "$T/www/pkg" | cut -f1)
"$P2P" create "$T/www/pkg" -o "$T/www/pkg.torrent" --webseed "$P2P_WEB/" --piece-size 256KiB \
	>/dev/null || bail "create"
p2p_nginx "$T/www" 2m || bail "no nginx"	# 2 MB/s: a transfer takes a few seconds

p2pd_conf p1 lab
p2pd_conf p2 lab
run_ok "-n: the config is clean" "$P2PD" -n -f "$T/p1/outpost.conf"
printf '[p2p]\nlease = 5x\n' >"$T/bad.conf"
run_fails "-n: a bad value is refused" "$P2PD" -n -f "$T/bad.conf"
like "$RUN_OUTPUT" "bad.conf:2: \[p2p\] lease: '5x' is not a duration" "... with file:line and the key"

run_fails "no daemon: status fails" p2pd_cli p1 status
is "$RUN_STATUS" 3 "... with exit 3"

p2pd_start p1 || bail "p1's daemon did not start: $(tail -5 "$T/p1/log")"
pid=${P2PD_PID[p1]}
is "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" "$(id -u "$user")" "the daemon runs as [node] user"
is "$(awk '/^CapEff:/ { print $2 }' "/proc/$pid/status")" 0000000000000000 "... with no capability"
is "$(stat -c '%U %a' "$T/p1/data")" "$user 2770" "its data folder is the user's, 2770"

run_ok "status answers" p2pd_cli p1 status
like "$RUN_OUTPUT" 'node: +p1' "... naming the node"
printf 'not bencode' >"$T/bad.torrent"
run_fails "add: a bad .torrent is refused" p2pd_cli p1 add "$T/bad.torrent"
is "$RUN_STATUS" 2 "... with exit 2"
mkfifo "$T/fifo.torrent"
run_fails "add: a FIFO is refused, not waited on" timeout 10 "$P2P" add "$T/fifo.torrent" \
	--config "$T/p1/outpost.conf"
is "$RUN_STATUS" 2 "... with exit 2"
like "$RUN_OUTPUT" 'fifo.torrent: not a regular file' "... saying why"

run_ok "add the package" p2pd_cli p1 add "$T/www/pkg.torrent"
like "$RUN_OUTPUT" '^added pkg \([0-9a-f]{40}, [0-9]+ bytes\)' "... it says what it added"
hex=$(p2pd_jlist p1 info_hash)
# halfway: kill -9, then start again
half() { local b; b=$(p2pd_jlist p1 bytes); [ "${b:-0}" -ge $((size / 2)) ] 2>/dev/null; }
wait_until 30 half || diag "not halfway after 30 s: $(p2pd_jlist p1 bytes) bytes"
kill -9 "$pid"
sleep 0.5
before=$(p2p_origin_bytes)
ok "$([ "$before" -lt "$size" ]; echo $?)" "killed before the end ($before of $size bytes served)"
p2pd_start p1 || bail "p1's daemon did not start again"
run_ok "after the restart the package completes" wait_until 60 p2pd_seeding p1
is "$(p2p_sha "$T/p1/data/content/$hex/pkg")" "$want" "... with the right SHA-256"
served=$(p2p_origin_bytes)
ok "$([ "$served" -le $((size + size / 10)) ]; echo $?)" \
	"the origin served $served bytes for $size: the verified pieces were not fetched again"
is "$(p2pd_events p1 started)" 1 "one p2p/started event"
is "$(p2pd_events p1 done)" 1 "one p2p/done event"
donef=$(ls "$T/p1/spool/new/"*.p2p.done | head -1)
like "$(cat "$donef")" '"origin_bytes":[1-9]' "... counting the origin's bytes"

run_ok "add it again" p2pd_cli p1 add "$T/www/pkg.torrent"
like "$RUN_OUTPUT" '^already there: pkg' "... says it has it"
kill "${P2PD_PID[p1]}"
p2p_wait_exit "${P2PD_PID[p1]}" 10
is "$P2P_RC" 0 "SIGTERM stops it with exit 0"
p2pd_start p1 || bail "p1's daemon did not start a third time"
wait_until 20 p2pd_seeding p1
is "$(p2pd_jlist p1 state)" seeding "after a restart it seeds again"
is "$(p2p_origin_bytes)" "$served" "... without fetching anything"

# p2: by URL, from p1 over the LAN
p2pd_start p2 || bail "p2's daemon did not start"
run_ok "p2: add by URL" p2pd_cli p2 add "$P2P_WEB/pkg.torrent"
like "$RUN_OUTPUT" "fetching $P2P_WEB/pkg.torrent" "... the daemon fetches it"
run_ok "p2 completes" wait_until 60 p2pd_seeding p2
is "$(p2p_sha "$T/p2/data/content/$hex/pkg")" "$want" "... with the right SHA-256"
lan=$(p2pd_jlist p2 lan_bytes)
ok "$([ "${lan:-0}" -gt 0 ]; echo $?)" \
	"... with bytes from p1 over the LAN ($lan)"

run_ok "remove it on p2" p2pd_cli p2 remove pkg
like "$RUN_OUTPUT" "^removed $hex" "... it says so"
ok "$([ ! -e "$T/p2/data/content/$hex" ]; echo $?)" "... and its content is gone"
is "$(p2pd_jlist p2 state)" none "... and list is empty"
run_fails "remove something unknown" p2pd_cli p2 remove nothing
is "$RUN_STATUS" 1 "... exit 1"
like "$RUN_OUTPUT" 'no such transfer' "... saying why"
p2p_diag_logs p1/log p2/log
done_testing
