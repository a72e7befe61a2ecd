#!/bin/bash
# hijack-probed: outpost-probed runs [probe] type = hijack on its schedule
# in the DNS world, against dns-liar forwarding the truth (clean), then
# lying (hijacked), then honest again: each verdict change is one
# hijack event (outpost-probed(8)) in the spool, from/to right and with the evidence
# (the result whose consistency check failed); rounds in between make no
# such event.
. "$top_srcdir/tests/probes/hijack-lib.sh"
require_root
for t in dnsmasq dig jq python3; do
	command -v $t >/dev/null || skip_all "needs $t"
done
PROBED=$top_builddir/probes/outpost-probed
dns_world || bail "cannot build the namespaces"
dns_honest || bail "dnsmasq did not answer"
chmod 755 "$NETNS_TMP"
mkdir -p "$NETNS_TMP/pd" && chown nobody "$NETNS_TMP/pd"
SPOOL=$NETNS_TMP/pd/spool
printf '%s\n' "[node]" "id = h1" "user = nobody" "spool = $SPOOL" \
	'[probe "dnsh"]' "type = hijack" "target = www.example.test" "resolvers = $DNS_LIAR" \
	"references = $DNS_RESOLVER" "not-bogon = $HONEST_NET" "interval = 2s" "spread = 100ms" \
	"timeout = 500ms" "window = 200ms" >"$NETNS_TMP/pd.conf"
"$PROBED" -n -f "$NETNS_TMP/pd.conf"
ok $? "outpost-probed -n accepts the hijack probe"

# verdicts KIND: the data of the spool's events of that kind, in order.
events()
{
	python3 -c '
import json, os, sys
d, kind = sys.argv[1], sys.argv[2]
for f in sorted(x for x in os.listdir(d) if x.endswith("." + kind + ".dnsh")):
    print(json.dumps(json.load(open(os.path.join(d, f)))["data"]))
' "$SPOOL/new" "$1" 2>/dev/null
}
nrounds() { events probe | wc -l; }

# The liar lies only about a name nobody asks: it forwards the truth.
dns_liar wrong --name nobody.example.test || bail "dns-liar did not start"
bg_run c "$PROBED" -d -v -f "$NETNS_TMP/pd.conf" >"$NETNS_TMP/pd.log" 2>&1
wait_until 20 eval '[ "$(nrounds)" -ge 2 ]'
ok $? "two rounds in the spool"
is "$(events probe | tail -n 1 | jq -r '.results[0].verdict')" clean "the honest rounds are clean"
is "$(events hijack | wc -l)" 0 "no verdict event while it stays clean"

dns_liar_stop
dns_liar wrong --name www.example.test --addr 10.53.9.9 || bail "dns-liar did not start"
wait_until 20 eval '[ "$(events hijack | wc -l)" -ge 1 ]'
ok $? "the lie gives a verdict event"
v=$(events hijack | head -n 1)
is "$(printf '%s' "$v" | jq -r '.from + " " + .to + " " + .target + " " + .dst')" \
	"clean hijacked www.example.test $DNS_LIAR" "clean -> hijacked, for the name and the resolver"
is "$(printf '%s' "$v" | jq -r '.result.checks.consistency.status + " " + .result.answers[0].addr')" \
	"fail 10.53.9.9" "the event carries the evidence: consistency failed on the lie"
n=$(nrounds)
wait_until 20 eval '[ "$(nrounds)" -ge $((n + 2)) ]'
is "$(events hijack | wc -l)" 1 "rounds that stay hijacked make no new verdict event"

dns_liar_stop
dns_liar wrong --name nobody.example.test || bail "dns-liar did not start"
wait_until 20 eval '[ "$(events hijack | wc -l)" -ge 2 ]'
is "$(events hijack | tail -n 1 | jq -r '.from + " " + .to')" "hijacked clean" \
	"honest again: hijacked -> clean"
done_testing
