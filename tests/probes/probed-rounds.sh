#!/bin/bash
# probed-rounds.sh: outpost-probed with a tcp probe over two targets in a
# namespace, outpost-pubd and a real Mosquitto. Each round arrives at the
# broker as one event with the documented data (both targets reached,
# the port probed, rounds counting up); a target made silent by an
# nftables drop in its namespace gives one probe-change event (reached ->
# unreachable), and back when the drop goes; SIGHUP with a bad config
# keeps the running probe (events keep coming, rounds keep counting) and
# a good reload adds a probe while the unchanged one keeps its rounds.
# As root it runs as [node] user with CapEff exactly CAP_NET_RAW, and
# with CAP_NET_ADMIN too only when a probe sets a mark.
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
require_root
. "$top_srcdir/tests/lib/broker.sh"
require_cmd mosquitto mosquitto_sub mosquitto_pub nft python3
. "$top_srcdir/tests/mqtt/pubd-lib.sh"
. "$top_srcdir/tests/probes/probed-lib.sh"
on_exit 'kill $PROBED_PID 2>/dev/null'

plan 36
probed_world || bail "cannot build the namespaces"
pubd_broker_start b
run_ok "subscriber ready" sub_start s 1 "$PREFIX/#" b
out=$(sub_out s)

web=("[probe \"web\"]" "type = tcp" "port = 8080" "target = 10.77.0.2 10.77.0.3"
	"interval = 2s" "spread = 1s" "timeout = 500ms")
icmp=("[probe \"icmp\"]" "type = ping" "target = 10.77.0.2 10.77.0.3" "count = 2"
	"interval = 4s" "spread = 1s")
pubd_conf "$NETNS_TMP/c.conf" b "heartbeat = 0" "${web[@]}" "${icmp[@]}"
run_ok "outpost-probed -n accepts the config" "$PROBED" -n -f "$NETNS_TMP/c.conf"
run_ok "outpost-pubd started" pubd_start "$NETNS_TMP/c.conf"
run_ok "outpost-probed started" probed_start "$NETNS_TMP/c.conf"

# Privileges, once it runs.
st=/proc/$PROBED_PID/status
uid=$(id -u nobody)
like "$(grep '^Uid:' "$st")" "^Uid:[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid\$" \
	"runs as nobody, the [node] user"
is "$(awk '/^CapEff:/ { print $2 }' "$st")" 0000000000002000 "CapEff is exactly CAP_NET_RAW"
is "$(awk '/^CapPrm:/ { print $2 }' "$st")" 0000000000002000 "and so is CapPrm"
like "$(grep '^NoNewPrivs:' "$st")" '1$' "no_new_privs"

# Rounds at the broker.
wait_until 20 eval '[ "$(rounds "$out" web | wc -l)" -ge 2 ]'
mapfile -t r < <(rounds "$out" web)
ok "$([ "${#r[@]}" -ge 2 ]; echo $?)" "two rounds of probe web reached the broker (${#r[@]})"
d=${r[0]:-'{}'}
is "$(field "$d" 'd["type"], d["round"], d["targets"], d["reached"], d["skipped"]')" \
	"('tcp', 1, 2, 2, 0)" "round 1: type tcp, 2 targets, both reached, none skipped"
is "$(field "$d" 'sorted(x["dst"] for x in d["results"])')" "['10.77.0.2', '10.77.0.3']" \
	"round 1 holds a result for each target, with its dst"
is "$(field "$d" 'sorted(set((x["type"], x["outcome"], x["port"]) for x in d["results"]))')" \
	"[('tcp', 'reached', 8080)]" "each result: type tcp, outcome reached, port 8080"
like "$(field "$d" 'd["start"]')" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z$' \
	"start is an ISO 8601 UTC time"
is "$(field "${r[1]:-'{}'}" 'd["round"]')" 2 "the next round is round 2"
is "$(changes "$out" web | wc -l)" 0 "no change event while nothing changed"

# The ping probe beside it, on raw sockets since CAP_NET_RAW was kept.
wait_until 15 eval '[ "$(rounds "$out" icmp | wc -l)" -ge 1 ]'
p=$(rounds "$out" icmp | head -1)
is "$(field "${p:-'{}'}" 'd["type"], d["round"], d["targets"], d["reached"]')" "('ping', 1, 2, 2)" \
	"probe icmp: a ping round, both targets reached"
is "$(field "${p:-'{}'}" 'sorted((x["dst"], x["sent"], x["received"], x["loss"], x["socket"]) for x in d["results"])')" \
	"[('10.77.0.2', 2, 2, 0, 'raw'), ('10.77.0.3', 2, 2, 0, 'raw')]" \
	"each target: 2 echoes sent and answered, over a raw socket"
is "$(field "${p:-'{}'}" 'all(0 < x["rtt"]["p50"] < 50 for x in d["results"])')" True \
	"with a median rtt in ms"

# 10.77.0.3 goes silent: one change event, reached -> unreachable.
ns_exec tgt nft -f - <<'EOF'
table inet probedtest {
	chain input {
		type filter hook input priority 0;
		ip daddr 10.77.0.3 tcp dport 8080 drop
	}
}
EOF
wait_until 15 eval '[ "$(changes "$out" web | wc -l)" -ge 1 ]'
c=$(changes "$out" web | head -1)
is "$(field "${c:-'{}'}" 'd["target"], d["from"], d["to"], d["type"]')" \
	"('10.77.0.3', 'reached', 'unreachable', 'tcp')" \
	"a silent target: probe-change 10.77.0.3 reached -> unreachable"
is "$(field "${c:-'{}'}" 'd["result"]["outcome"], d["result"]["dst"]')" \
	"('unreachable', '10.77.0.3')" "the change carries the target's result"
n=$(field "${c:-'{}'}" 'd["round"]')
rr=$(rounds "$out" web | grep "\"round\": $n," | head -1)
is "$(field "${rr:-'{}'}" 'd["reached"]')" 1 "the round of the change reached 1 of 2"
ns_exec tgt nft delete table inet probedtest
wait_until 15 eval '[ "$(changes "$out" web | wc -l)" -ge 2 ]'
c=$(changes "$out" web | sed -n 2p)
is "$(field "${c:-'{}'}" 'd["target"], d["from"], d["to"]')" \
	"('10.77.0.3', 'unreachable', 'reached')" "answering again: unreachable -> reached"

# A bad config on SIGHUP: the old probe goes on.
cp "$NETNS_TMP/c.conf" "$NETNS_TMP/good.conf"
printf '%s\n' "[probe \"bad\"]" "type = ping" "target = 10.77.0.2" "port = 80" \
	>>"$NETNS_TMP/c.conf"
before=$(rounds "$out" web | tail -1)
probed_signal HUP
wait_until 10 grep -q 'keeping the running configuration' "$PROBED_LOG"
like "$(grep -A3 'keeping the running' "$PROBED_LOG")" 'c.conf:[0-9]+: \[probe "bad"\] port: is not a key of a ping probe' \
	"the bad reload is logged with file:line, key and why"
last=$(field "${before:-'{}'}" 'd["round"]')
wait_until 10 eval '[ "$(rounds "$out" web | tail -1 | python3 -c "import json,sys; print(json.load(sys.stdin)[\"round\"])")" -ge $((last + 2)) ]'
ok "$(kill -0 "$PROBED_PID"; echo $?)" "the daemon still runs"
got=$(field "$(rounds "$out" web | tail -1)" 'd["round"]')
ok "$([ "$got" -ge $((last + 2)) ]; echo $?)" "and probe web keeps its rounds coming ($last -> $got)"
is "$(rounds "$out" bad | wc -l)" 0 "no event of the refused probe"

# A good reload adds a probe; web is unchanged and keeps its count.
cp "$NETNS_TMP/good.conf" "$NETNS_TMP/c.conf"
printf '%s\n' "[probe \"gw\"]" "type = tcp" "port = 8080" "target = 10.77.0.2" \
	"interval = 2s" "spread = 500ms" "count = 2" "timeout = 300ms" >>"$NETNS_TMP/c.conf"
probed_signal HUP
wait_until 10 grep -q 'reloaded .*3 probe(s), 2 unchanged' "$PROBED_LOG"
like "$(grep 'reloaded' "$PROBED_LOG" | tail -1)" '3 probe\(s\), 2 unchanged' "reload: 3 probes, 2 unchanged"
wait_until 15 eval '[ "$(rounds "$out" gw | wc -l)" -ge 1 ]'
g=$(rounds "$out" gw | head -1)
is "$(field "${g:-'{}'}" 'd["round"], d["targets"], d["reached"], d["results"][0]["sent"]')" \
	"(1, 1, 1, 2)" "the added probe gw runs: round 1, its target reached, count 2 sent"
w=$(rounds "$out" web | tail -1)
ok "$([ "$(field "$w" 'd["round"]')" -gt "$got" ]; echo $?)" \
	"probe web kept its schedule and count across the reload (round $(field "$w" 'd["round"]'))"
is "$(changes "$out" web | wc -l)" 2 "and its reachability state: no spurious change"

run_ok "outpost-probed exits 0 on SIGTERM" probed_stop
is "$(rounds "$out" web | python3 -c '
import json, sys
r = [json.loads(l)["round"] for l in sys.stdin]
print(r == sorted(r) and len(set(r)) == len(r))')" True "rounds arrived in order, each once"

# With a mark, CAP_NET_ADMIN is kept as well, and nothing more.
pubd_conf "$NETNS_TMP/mark.conf" b "heartbeat = 0" "${web[@]}" "mark = 0x10"
run_ok "outpost-probed started with a mark" probed_start "$NETNS_TMP/mark.conf"
is "$(awk '/^CapEff:/ { print $2 }' "/proc/$PROBED_PID/status")" 0000000000003000 \
	"with a mark CapEff is CAP_NET_RAW and CAP_NET_ADMIN"
run_ok "and exits 0 on SIGTERM" probed_stop
run_ok "outpost-pubd exits 0 on SIGTERM" pubd_stop

[ "$TAP_FAILED" = 0 ] || diag "$(cat "$PROBED_LOG")"
done_testing
