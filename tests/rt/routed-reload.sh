#!/bin/bash
# routed-reload.sh: a reload keeps the health of the lines whose health
# settings did not change. tel is tracked (icmp to its gateway, 200 ms)
# with failover to cnc: once its gateway drops the echo requests it is
# down and its rules point to table 160; a SIGHUP that only adds a
# source to cnc leaves tel down, its rules still at 160, and records no
# event for it (a restarted tracker would start up and fail back); a
# SIGHUP that changes tel's interval restarts its tracker, which starts
# up again (status "started"); when the gateway answers again tel comes
# back. A reload that adds a line rewrites the rt-tables file (opened as
# root at start, written by the daemon running as nobody) and installs
# the new line's rule.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/rt/rt-lib.sh"
require_root
require_cmd python3 nft

rt_world || bail "the routing world could not be built"
chmod 755 "$NETNS_TMP"
rt_conf "$RT_CONF"
sed -i -e 's/^\[node\]$/[node]\nuser = nobody/' \
	-e 's/^fwmark = 0x150$/fwmark = 0x150\ntrack = icmp 198.51.100.1\ninterval = 200ms\nfailover = cnc/' \
	"$RT_CONF"
rt_daemon || { diag "$(cat "$RT_LOG")"; bail "outpost-routed did not start"; }

tel() { rt_status "[x for x in s['lines'] if x['name'] == 'tel'][0]$1"; }
tel_is() { [ "$(tel "$1")" = "$2" ]; }
tel_rules_to() { rt_all_rules 4 | grep -E "^1000:.*from 10.50.0.0/24 lookup $1\$" >/dev/null; }
drop()
{
	ns_exec gtel nft -f - <<'NFT'
table inet rtdrop {
	chain input {
		type filter hook input priority -10; policy accept;
		icmp type echo-request drop
	}
}
NFT
}

wait_until 5 tel_is "['state']" up
is "$(tel "['state']") $(tel "['to']")" "up self" "tel starts up, its rules its own"
drop || bail "cannot drop the echo requests at gtel"
ok "$(wait_until 5 tel_is "['state']" down; echo $?)" "tel goes down once gtel drops the echo requests"
is "$(tel "['to']")" cnc "its rules point to cnc"
ok "$(wait_until 3 tel_rules_to 160; echo $?)" "the kernel's rule for 10.50.0.0/24 looks up table 160"
events=$(rt_events "$NETNS_TMP/spool" line tel | wc -l)
is "$events" 1 "one event for tel: down"

# A reload that leaves tel's health settings alone.
sed -i 's|^source = 10.60.0.0/24$|source = 10.60.0.0/24\nsource = 10.60.1.0/24|' "$RT_CONF"
kill -HUP "$RT_PID"
wait_until 5 eval 'rt_all_rules 4 | grep -q "from 10.60.1.0/24 lookup 160"'
is "$(tel "['state']") $(tel "['to']")" "down cnc" "after a reload that changed cnc only, tel is still down"
ok "$(tel_rules_to 160; echo $?)" "and its rule still looks up table 160"
sleep 1
is "$(rt_events "$NETNS_TMP/spool" line tel | wc -l)" 1 "and no event for tel came from the reload"

# A reload that changes tel's interval: a new tracker, up from the start.
sed -i 's/^interval = 200ms$/interval = 300ms/' "$RT_CONF"
kill -HUP "$RT_PID"
ok "$(wait_until 3 tel_is "['why']" started; echo $?)" "a changed interval restarts tel's tracker (why: started)"
ns_exec gtel nft delete table inet rtdrop
ok "$(wait_until 5 tel_rules_to 150; echo $?)" "with gtel answering again tel's rule looks up 150"
is "$(tel "['state']") $(tel "['to']")" "up self" "tel is up, its rules its own"
like "$(cat "$RT_LOG")" "reloaded .*: 2 line\\(s\\)" "the log has both reloads"

printf '%s\n' '[line "lte"]' 'interface = lan60' 'table = 170' 'priority = 1200' 'fwmark = 0x170' >>"$RT_CONF"
kill -HUP "$RT_PID"
ok "$(wait_until 5 eval 'rt_all_rules 4 | grep -q "^1200:.*fwmark 0x170 lookup 170"'; echo $?)" \
	"a reload with a new line installs its rule"
is "$(grep -v '^#' "$NETNS_TMP/rt_tables.conf")" "$(printf '150\ttel\n160\tcnc\n170\tlte')" \
	"and the daemon, running as nobody, rewrote the rt-tables file with its table"
is "$(stat -c '%U %a' "$NETNS_TMP/rt_tables.conf")" "root 644" "the file is still root's, mode 644"
done_testing
