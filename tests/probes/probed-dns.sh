#!/bin/bash
# probed-dns.sh: outpost-probed with a dns probe and a hijack probe in the
# DNS world (tests/probes/dns-world.sh: the honest dnsmasq, its DoT front
# by stunnel, the lying resolver), outpost-pubd and a real Mosquitto.
#   - the dns probe's rounds arrive with one result per resolver, the
#     honest one's answer the address dig gets from it, the liar's the
#     lie, the sink (no DNS server) unreachable, and no reachability
#     change event although its results differ from the others';
#   - the hijack probe's rounds arrive with verdict clean for the honest
#     resolver, and no verdict event while nothing changes;
#   - a SIGHUP reload pointing its resolvers at the liar gives one hijack
#     event clean -> hijacked with the evidence (consistency failed, the
#     lie named), the liar's log showing it was asked; pointing them back
#     gives hijacked -> clean.
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
require_root
. "$top_srcdir/tests/lib/broker.sh"
require_cmd mosquitto mosquitto_sub mosquitto_pub dnsmasq dig stunnel nginx openssl python3
. "$top_srcdir/tests/mqtt/pubd-lib.sh"
. "$top_srcdir/tests/probes/probed-lib.sh"
. "$top_srcdir/tests/probes/dns-world.sh"
on_exit 'kill $PROBED_PID 2>/dev/null'

LIE=10.53.9.9
plan 24
dns_world || bail "cannot build the namespaces"
dns_honest || bail "dnsmasq did not answer"
dns_certs || bail "cannot make the test PKI"
dns_dot || bail "stunnel did not start"
dns_https || bail "nginx did not start"
dns_liar wrong --name www.example.test --addr "$LIE" || bail "dns-liar did not start"
pubd_broker_start b
run_ok "subscriber ready" sub_start s 1 "$PREFIX/#" b
out=$(sub_out s)

# hijack_conf RESOLVER: the config, with the hijack probe testing RESOLVER.
hijack_conf()
{
	pubd_conf "$NETNS_TMP/c.conf" b "heartbeat = 0" \
		"[probe \"res\"]" "type = dns" "target = www.example.test" \
		"resolvers = $DNS_RESOLVER $DNS_LIAR $DNS_SINK" "count = 2" "timeout = 1s" \
		"interval = 4s" "spread = 1s" \
		"[probe \"hj\"]" "type = hijack" "target = www.example.test" \
		"resolvers = $1" "references = $DNS_RESOLVER" \
		"dot = $DNS_RESOLVER#dot.example.test" "ca-file = $DNS_PKI/ca.pem" \
		"not-bogon = 10.53.0.0/16" "timeout = 1s" "window = 300ms" \
		"interval = 4s" "spread = 1s"
}
hj() { _events "$out" hijack hj; }
# probed_in_c CONF: outpost-probed in the client namespace of the world.
probed_in_c()
{
	bg_run c "$PROBED" -d -v -f "$1" >>"$PROBED_LOG" 2>&1
	PROBED_PID=$BG_PID
	wait_until 10 grep -q "probing:" "$PROBED_LOG"
}

hijack_conf "$DNS_RESOLVER"
run_ok "outpost-probed -n accepts the dns and hijack probes" "$PROBED" -n -f "$NETNS_TMP/c.conf"
run_ok "outpost-pubd started" pubd_start "$NETNS_TMP/c.conf"
run_ok "outpost-probed started" probed_in_c "$NETNS_TMP/c.conf"

# The dns probe: one result per resolver.
wait_until 20 eval '[ "$(rounds "$out" res | wc -l)" -ge 2 ]'
d=$(rounds "$out" res | head -1)
is "$(field "${d:-'{}'}" 'd["type"], d["round"], d["targets"], d["result_count"], d["reached"]')" \
	"('dns', 1, 1, 3, 2)" "probe res: a dns round over its one name, 3 results, 2 reached"
is "$(field "${d:-'{}'}" 'sorted((x["dst"], x["outcome"], x["received"]) for x in d["results"])')" \
	"[('$DNS_RESOLVER', 'reached', 2), ('$DNS_LIAR', 'reached', 2), ('$DNS_SINK', 'unreachable', 0)]" \
	"a result per resolver: the two servers answered 2 of 2, the sink (no DNS server) none"
honest=$(ns_exec c dig +short +time=1 +tries=1 "@$DNS_RESOLVER" www.example.test A)
is "$(field "${d:-'{}'}" '[sorted(a["data"] for a in x["answers"]) for x in d["results"] if x["dst"] == "'$DNS_RESOLVER'"]')" \
	"[['$honest']]" "the honest resolver's answer is what dig gets from it ($honest)"
is "$(field "${d:-'{}'}" '[sorted(a["data"] for a in x["answers"]) for x in d["results"] if x["dst"] == "'$DNS_LIAR'"]')" \
	"[['$LIE']]" "the liar's answer is its lie"
wait_until 10 eval '[ "$(rounds "$out" res | wc -l)" -ge 3 ]'
is "$(changes "$out" res | wc -l)" 0 \
	"no reachability change: the state is per resolver, not flipped between their results"

# The hijack probe against the honest resolver: clean, no verdict event.
wait_until 20 eval '[ "$(rounds "$out" hj | wc -l)" -ge 2 ]'
h=$(rounds "$out" hj | tail -1)
is "$(field "${h:-'{}'}" 'd["type"], [(x["dst"], x["verdict"]) for x in d["results"]]')" \
	"('hijack', [('$DNS_RESOLVER', 'clean')])" "probe hj: the honest resolver is clean"
is "$(field "${h:-'{}'}" 'sorted(r["kind"] + ":" + r["status"] for r in d["results"][0]["references"])')" \
	"['dot:ok', 'udp:ok']" "both references used: the plain one and DoT"
like "$(cat "$NETNS_TMP"/stunnel*.log 2>/dev/null)" "accepted connection from 10.53.1.1" \
	"stunnel saw the DoT reference's connection from the client"
is "$(hj | wc -l)" 0 "no verdict event while the verdict stays clean"

# Pointed at the liar: clean -> hijacked, with the evidence.
k=$(rounds "$out" hj | wc -l)
hijack_conf "$DNS_LIAR"
probed_signal HUP
wait_until 25 eval '[ "$(hj | wc -l)" -ge 1 ]'
e=$(hj | head -1)
is "$(field "${e:-'{}'}" 'd["type"], d["target"], d["dst"], d["from"], d["to"]')" \
	"('hijack', 'www.example.test', '$DNS_LIAR', 'clean', 'hijacked')" \
	"reload onto the liar: a hijack event clean -> hijacked for $DNS_LIAR"
is "$(field "${e:-'{}'}" 'd["evidence"]["consistency"]["status"], [a["addr"] for a in d["evidence"]["consistency"]["not_cleared"]]')" \
	"('fail', ['$LIE'])" "its evidence: consistency failed, the lie not cleared"
is "$(field "${e:-'{}'}" 'd["result"]["verdict"], d["result"]["checks"] == d["evidence"]')" \
	"('hijacked', True)" "and the result it came from, whose checks are the evidence"
grep -q "www.example.test 1 lied" "$NETNS_TMP/liar.log"
ok $? "the liar really answered the probe (its log)"
# The reloaded probe starts at round 1; its first round saw the change.
wait_until 10 eval '[ "$(rounds "$out" hj | wc -l)" -gt "$k" ]'
r=$(rounds "$out" hj | sed -n "$((k + 1))p")
is "$(field "${r:-'{}'}" 'd["round"], [x["verdict"] for x in d["results"]], d["result_count"], d["targets"]')" \
	"$(field "${e:-'{}'}" 'd["round"], ["hijacked"], 1, 1')" \
	"the round of the change (round 1 after the reload) holds the one hijacked result"

# And back: hijacked -> clean.
hijack_conf "$DNS_RESOLVER"
probed_signal HUP
wait_until 25 eval '[ "$(hj | wc -l)" -ge 2 ]'
e=$(hj | sed -n 2p)
is "$(field "${e:-'{}'}" 'd["dst"], d["from"], d["to"], d["evidence"]["consistency"]["status"]')" \
	"('$DNS_RESOLVER', 'hijacked', 'clean', 'pass')" "reload back: hijacked -> clean"
sleep 5
is "$(hj | wc -l)" 2 "no more verdict events while clean again"
is "$(field "$(rounds "$out" res | tail -1)" 'd["round"] > 3')" True \
	"the unchanged dns probe kept its rounds across the reloads"

run_ok "outpost-probed exits 0 on SIGTERM" probed_stop
run_ok "outpost-pubd exits 0 on SIGTERM" pubd_stop
ok "$(grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' "$PROBED_LOG"; [ $? = 1 ]; echo $?)" \
	"no sanitizer report from outpost-probed"
[ "$TAP_FAILED" = 0 ] || diag "$(cat "$PROBED_LOG")"
done_testing
