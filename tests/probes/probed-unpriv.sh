#!/bin/bash
# probed-unpriv.sh: outpost-probed started by an ordinary user (nobody)
# keeps no capability, and its ping probe still runs, over unprivileged
# ICMP sockets (net.ipv4.ping_group_range of the test's namespace lets
# the group in): the round's results say socket "dgram" (not "raw") and
# both targets answer. With the range closed each round is still
# recorded, carrying the engine's reason, and the daemon keeps running.
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
require_root
require_cmd python3 setpriv
PROBED=$top_builddir/probes/outpost-probed
plan 7

ns_add edge && ns_add tgt && veth_add edge eth0 tgt eth0 &&
	addr_add edge eth0 10.79.0.1/24 && addr_add tgt eth0 10.79.0.2/24 &&
	addr_add tgt eth0 10.79.0.3/24 || bail "cannot build the namespaces"
chmod 755 "$NETNS_TMP"
gid=$(id -g nobody)
conf()
{
	mkdir -p "$NETNS_TMP/$1" && chown nobody "$NETNS_TMP/$1" && chmod 700 "$NETNS_TMP/$1"
	printf '%s\n' "[node]" "id = u1" "user = nobody" "spool = $NETNS_TMP/$1/spool" \
		"[probe \"icmp\"]" "type = ping" "target = 10.79.0.2 10.79.0.3" "count = 2" \
		"interval = 4s" "spread = 200ms" >"$NETNS_TMP/$1.conf"
}
run_as_nobody()
{
	bg_run edge setpriv --reuid nobody --regid "$gid" --clear-groups "$PROBED" -d -v \
		-f "$NETNS_TMP/$1.conf" >"$NETNS_TMP/$1.log" 2>&1
	PID=$BG_PID
	wait_until 15 eval "ls '$NETNS_TMP/$1/spool/new' 2>/dev/null | grep -q probe"
}
first_round()
{
	python3 -c '
import json, os, sys
d = sys.argv[1]
f = sorted(x for x in os.listdir(d) if x.endswith(".probe.icmp"))[0]
data = json.load(open(os.path.join(d, f)))["data"]
print(data["reached"], sorted((r["dst"], r["outcome"], r.get("socket")) for r in data["results"]))
' "$NETNS_TMP/$1/spool/new"
}

ns_sysctl edge "net.ipv4.ping_group_range=$gid $gid"
conf open
run_as_nobody open
is "$(awk '/^CapEff:/ { print $2 } /^CapPrm:/ { print $2 }' "/proc/$PID/status" | sort -u)" \
	0000000000000000 "run by nobody, it holds no capability"
got=$(first_round open)
like "$got" "^2 \[\('10.79.0.2', 'reached', '([a-z]+)'\), \('10.79.0.3', 'reached', '([a-z]+)'\)\]$" \
	"without CAP_NET_RAW the ping round reaches both targets"
[[ $got == *raw* ]]
isnt "$?" 0 "over unprivileged ICMP sockets, not raw ones ($got)"
like "$(cat "$NETNS_TMP/open.log")" 'probe icmp: using unprivileged ICMP sockets \(no CAP_NET_RAW\)' \
	"the engine's note about the socket kind is logged"
kill -TERM "$PID"; wait "$PID"
is "$?" 0 "exits 0 on SIGTERM"

# No raw sockets and no ping sockets: the round is recorded, failed.
ns_sysctl edge "net.ipv4.ping_group_range=1 0"
conf closed
run_as_nobody closed
got=$(python3 -c '
import json, os, sys
d = sys.argv[1]
f = sorted(x for x in os.listdir(d) if x.endswith(".probe.icmp"))[0]
data = json.load(open(os.path.join(d, f)))["data"]
print(data["reached"], data["results"], "ping_group_range" in data.get("error", ""))
' "$NETNS_TMP/closed/spool/new")
is "$got" "0 [] True" "with ping sockets closed too the round is recorded, with the reason"
ok "$(kill -0 "$PID"; echo $?)" "and the daemon keeps running"
kill -TERM "$PID"; wait "$PID"
[ "$TAP_FAILED" = 0 ] || diag "$(cat "$NETNS_TMP"/*.log)"
done_testing
