#!/bin/bash
# p2pd-check.sh: outpost-p2pd stays responsive while it verifies content
# found without a resume file (copied into place, or after a crash): a
# 2 GiB package already under content/HEX/ is added and checked on a
# worker thread, so meanwhile
#  - list --json answers within 1 s each time and shows it checking;
#  - then it seeds, every piece verified;
#  - a restart checks it again (no resume for content in place), and a
#    SIGTERM in the middle stops the daemon at once and cleanly (no
#    sanitizer report); started again it seeds.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/p2p/p2p-lib.sh"
. "$top_srcdir/tests/p2p/p2pd-lib.sh"
[ -x "$P2PD" ] || bail "no $P2PD (build it first)"
p2p_begin 1 useradd userdel truncate timeout
p2pd_user || bail "cannot create a user"
user=$P2PD_USER

# Sparse: the check costs hashing, not disk (SHA-1 at ~1 GB/s: seconds).
mkdir -p "$T/src"
truncate -s 2G "$T/src/pkg" || bail "truncate"
"$P2P" create "$T/src/pkg" -o "$T/pkg.torrent" --piece-size 4MiB >/dev/null || bail "create"
hex=$("$P2P" info --json "$T/pkg.torrent" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["info_hash"])')
npieces=$((2048 / 4))

p2pd_conf p1 ""
p2pd_start p1 || bail "p1's daemon did not start: $(tail -5 "$T/p1/log")"
pid=${P2PD_PID[p1]}
mkdir -p "$T/p1/data/content/$hex"
mv "$T/src/pkg" "$T/p1/data/content/$hex/pkg"
chown -R "$user" "$T/p1/data/content/$hex"

# list --json within 1 s: prints the first transfer's state and pieces
# ("timeout" when it did not answer in time).
quick_list()
{
	ns_exec p1 timeout 1 "$P2P" list --json --config "$T/p1/outpost.conf" 2>/dev/null |
		python3 -c 'import json, sys
t = json.load(sys.stdin)["transfers"]
print(t[0]["state"], t[0]["pieces"]) if t else print("none")' 2>/dev/null || echo timeout
}

# Poll while the check runs: every answer in time, some saying checking.
poll_check()
{
	local i r
	late=0 checking=0 seen=
	for i in $(seq 40); do
		r=$(quick_list)
		case $r in
		timeout) late=$((late + 1)) ;;
		checking*) checking=$((checking + 1)); seen=$r ;;
		seeding*) break ;;
		esac
		sleep 0.1
	done
}

run_ok "add the package already in place" p2pd_cli p1 add "$T/pkg.torrent"
poll_check
diag "$checking answers said checking (last: $seen), $late late"
is "$late" 0 "list --json answered within 1 s every time during the check"
ok "$([ "$checking" -ge 1 ]; echo $?)" "... and showed the transfer checking"
run_ok "then it seeds" wait_until 60 p2pd_seeding p1
is "$(p2pd_jlist p1 pieces)" "$npieces" "... every piece verified"
is "$(p2pd_jlist p1 origin_bytes)" 0 "... nothing fetched"

# A restart checks again; SIGTERM in the middle.
kill -TERM "$pid"
_netns_wait_gone 100 "$pid" || bail "the daemon did not stop"
p2pd_start p1 || bail "p1's daemon did not start again"
pid=${P2PD_PID[p1]}
is_checking() { quick_list | grep -q '^checking'; }
wait_until 10 is_checking || diag "not seen checking after the restart"
stops=$(grep -c stopping "$T/p1/log")
t0=$(date +%s%N)
kill -TERM "$pid"
_netns_wait_gone 50 "$pid"
gone=$?
ms=$((($(date +%s%N) - t0) / 1000000))
diag "stopped $ms ms after SIGTERM during the check"
is "$gone" 0 "SIGTERM during the check: the daemon exits"
ok "$([ "$ms" -lt 2000 ]; echo $?)" "... within 2 s ($ms ms)"
is "$(grep -c stopping "$T/p1/log")" "$((stops + 1))" "... saying it stops"
ok "$(! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' "$T/p1/log"; echo $?)" \
	"... with no sanitizer report"
p2pd_start p1 || bail "p1's daemon did not start a third time"
run_ok "started again: it checks and seeds" wait_until 60 p2pd_seeding p1
is "$(p2pd_jlist p1 pieces)" "$npieces" "... every piece verified"
done_testing
