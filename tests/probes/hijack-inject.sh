#!/bin/bash
# hijack-inject: the injection check (probes/hijack_inject.c, through the
# tests/tools/inject-check driver) in the DNS test world, against a real
# on-path injector on the router (tests/tools/dns-injector.py, which sees
# the queries through a packet socket) and a real dnsmasq:
#   - honest path, 20 runs: exactly one reply each, pass, IP TTL 63 (one
#     hop from s); over IPv6 too (hop limit 63, no IP id);
#   - forged reply second (injector waits 30 ms): fail, both replies with
#     order, delay, TTL and id; the socket used the genuine one;
#   - forged reply first (the real one delayed 50 ms by the netem relay):
#     fail, the forged one first and the one the socket used; the real
#     reply's delay agrees with dig's query time through the same path;
#   - sink: the injector forges the true answer (no answer conflict), but
#     a reply from the sink address alone fails the check;
#   - malformed forged replies of every kind: reported as evidence
#     (malformed + why), fail, exit 1, no crash under ASan;
#   - without CAP_NET_RAW: exit 4 and the message says so.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/dns-world.sh"
require_root
for t in dnsmasq dig jq python3 capsh; do
	command -v $t >/dev/null || skip_all "needs $t"
done
CHECK=$top_builddir/tests/tools/inject-check

dns_world || bail "cannot build the namespaces"
dns_honest || bail "dnsmasq did not answer"

# check ARGS...: inject-check in c; JSON in $OUT, exit status in $RC.
check()
{
	RC=0
	OUT=$(ns_exec c "$CHECK" "$@" 2>"$NETNS_TMP/check.err") || RC=$?
	if grep -q 'AddressSanitizer\|runtime error' "$NETNS_TMP/check.err"; then
		cat "$NETNS_TMP/check.err" >&2
		RC=99
	fi
}
j() { printf '%s\n' "$OUT" | jq -r "$1"; }

# Honest path: 20 runs, one reply each.
bad=0
for i in $(seq 20); do
	check -w 300 "$DNS_RESOLVER" www.example.test
	if [ "$RC" != 0 ] || [ "$(j '.replies | length')" != 1 ] ||
	   [ "$(j '.status + " " + .replies[0].answers + " " + (.replies[0].ip_ttl|tostring)')" != \
	     "pass A $DNS_WWW 63" ] || [ "$(j '.replies[0].socket_reply')" != true ]; then
		bad=$((bad + 1))
		diag "run $i: rc $RC $OUT"
	fi
done
is "$bad" 0 "honest path: 20 runs, each exactly one reply (the socket's), pass"
is "$(j .interface)" eth0 "the capture is on the interface the query leaves by"
is "$(j .pcap_clock)" true "the query's own departure was captured (delays on pcap's clock)"

# IPv6: the same over the v6 path, the hop limit reported instead.
check -w 300 "$DNS_RESOLVER6" www.example.test
is "$RC $(j '.status + " " + .server + " " + (.replies | length | tostring)')" \
	"0 pass $DNS_RESOLVER6 1" "IPv6 honest path: one reply, pass"
is "$(j '.replies[0] | "\(.src) \(.hop_limit) \(.ip_id) \(.answers)"')" \
	"$DNS_RESOLVER6 63 null A $DNS_WWW" "IPv6: source, hop limit 63, no IP id, the answer"

# The forged reply second.
dns_injector --name www.example.test=10.53.9.9 --delay 30 || bail "injector did not start"
check -w 500 "$DNS_RESOLVER" www.example.test
is "$RC" 1 "forged second: exit 1"
is "$(j '.status + " " + (.distinct|tostring)')" "fail 2" "forged second: fail, 2 distinct replies"
is "$(j '[.replies[] | "\(.order) \(.answers) \(.ip_ttl) \(.socket_reply)"] | join("; ")')" \
	"1 A $DNS_WWW 63 true; 2 A 10.53.9.9 200 false" \
	"forged second: the genuine reply first (TTL 63, the socket's), the forged one second (TTL 200)"
d2=$(j '.replies[1].delay_ms')
ok "$(awk -v d="$d2" 'BEGIN { exit !(d >= 30 && d < 80) }'; echo $?)" \
	"forged second: its delay is the injector's 30 ms wait ($d2 ms)"
ok "$([ "$(j '.replies[0].ip_id')" != "$(j '.replies[1].ip_id')" ] &&
	[ -n "$(j '.replies[1].ip_id | numbers')" ]; echo $?)" "forged second: both IP ids reported"
grep -q "www.example.test forged" "$NETNS_TMP/injector.log"
ok $? "the injector did see the query and forge"
dns_injector_stop

# The forged reply first: the real one 50 ms late.
dns_slow 50 || bail "cannot delay s"
# Warm the neighbour caches through the relay, so no ARP round rides on
# the measured reply.
ns_exec c dig +time=2 +tries=1 +short "@$DNS_RESOLVER" mail.example.test A >/dev/null
dns_injector --name www.example.test=10.53.9.9 || bail "injector did not start"
check -w 500 "$DNS_RESOLVER" www.example.test
is "$RC" 1 "forged first: exit 1"
is "$(j '[.replies[] | "\(.order) \(.answers) \(.ip_ttl) \(.socket_reply)"] | join("; ")')" \
	"1 A 10.53.9.9 200 true; 2 A $DNS_WWW 63 false" \
	"forged first: the forged reply first, and the one the socket used; the genuine one second"
d2=$(j '.replies[1].delay_ms')
dig_ms=$(ns_exec c dig +time=2 +tries=1 "@$DNS_RESOLVER" mail.example.test A |
	sed -n 's/^;; Query time: \([0-9]*\) msec.*/\1/p')
ok "$(awk -v d="$d2" -v g="$dig_ms" 'BEGIN { x = d - g; exit !(d >= 50 && x < 10 && x > -10) }'
	echo $?)" "forged first: the genuine reply's delay $d2 ms agrees with dig's $dig_ms ms"
dns_injector_stop

# The sink: the injector forges the truth, so only the sink gives it away.
dns_injector --name "www.example.test=$DNS_WWW" || bail "injector did not start"
check -w 500 -s "$DNS_SINK" "$DNS_RESOLVER" www.example.test
is "$RC" 1 "sink: exit 1"
is "$(j '.status + " " + (.distinct|tostring) + " " + (.sink_replies|tostring)')" "fail 1 1" \
	"sink: one answer set from the server, but one reply from the sink: fail"
is "$(j '[.replies[] | select(.from_sink) | .src + " " + .answers] | join(";")')" \
	"$DNS_SINK A $DNS_WWW" "sink: the sink's reply reported with its source"
check -w 300 -s "$DNS_SINK" "$DNS_RESOLVER" mail.example.test
is "$(j '.status + " " + (.sink_replies|tostring)')" "pass 0" \
	"sink: a name the injector leaves alone passes, nothing from the sink"
dns_injector_stop

# Malformed forged replies: evidence, never a crash.
declare -A why=([truncated]='truncated' [loop]='pointer loop' [forward]='pointer past the end'
	[label64]='longer than 63' [long]='longer than 255' [badlen]='truncated'
	[header]='shorter than a DNS header')
for kind in truncated loop forward label64 long badlen header; do
	dns_injector --name www.example.test=10.53.9.9 --bad "$kind" || bail "injector did not start"
	check -w 300 "$DNS_RESOLVER" www.example.test
	is "$RC $(j '.status')" "1 fail" "malformed ($kind): reported, fail"
	like "$(j '.replies[] | select(.ip_ttl == 200) | .malformed // "none"')" "${why[$kind]}" \
		"malformed ($kind): the forged reply says why"
	is "$(j '[.replies[] | select(.ip_ttl != 200) | .answers] | join(";")')" "A $DNS_WWW" \
		"malformed ($kind): the genuine reply still parsed next to it"
	dns_injector_stop
done

# Through outpost-probe hijack: check 2 in its "checks", the verdict from it.
PROBE=$top_builddir/probes/outpost-probe
hj()
{
	RC=0
	OUT=$(ns_exec c "$PROBE" hijack --json www.example.test "@$DNS_RESOLVER" \
		--ref "@$DNS_RESOLVER" --not-bogon 10.53.0.0/16 --window 300ms "$@" \
		2>"$NETNS_TMP/hj.err") || RC=$?
}
hj --sink "$DNS_SINK"
is "$(j '.checks.injection | .status + " " + (.window_ms|tostring) + " " + .sink')" \
	"pass 300 $DNS_SINK" "hijack, honest path: injection passes, --window and --sink applied"
dns_injector --name www.example.test=10.53.9.9 --delay 20 || bail "injector did not start"
hj
is "$(j '.verdict + " " + .checks.injection.status + " " + (.checks.injection.replies|length|tostring)')" \
	"hijacked fail 2" "hijack, forged reply second: hijacked on the injection check, both replies"
dns_injector_stop
RC=0
ns_exec c "$PROBE" hijack www.example.test --window 0 >/dev/null 2>"$NETNS_TMP/hj.err" || RC=$?
is "$RC" 3 "hijack --window 0: a usage error"
like "$(cat "$NETNS_TMP/hj.err")" "--window: '0'" "hijack --window 0: the message names it"
RC=0
ns_exec c "$PROBE" hijack www.example.test --sink nowhere >/dev/null 2>"$NETNS_TMP/hj.err" || RC=$?
is "$RC" 3 "hijack --sink nowhere: a usage error"
RC=0
ns_exec c "$PROBE" ping --window 1s 10.53.1.254 >/dev/null 2>"$NETNS_TMP/hj.err" || RC=$?
is "$RC" 3 "ping --window: refused, it is hijack's"

# No CAP_NET_RAW: a clear refusal.
RC=0
ns_exec c capsh --drop=cap_net_raw -- -c "exec '$CHECK' '$DNS_RESOLVER' www.example.test" \
	>"$NETNS_TMP/nocap.out" 2>&1 || RC=$?
is "$RC" 4 "without CAP_NET_RAW: exit 4"
grep -q 'needs CAP_NET_RAW' "$NETNS_TMP/nocap.out"
ok $? "without CAP_NET_RAW: the message says so ($(head -c 200 "$NETNS_TMP/nocap.out"))"

done_testing
