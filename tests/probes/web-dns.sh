#!/bin/bash
# web-dns: the tls and http probes when the DNS server never answers
# (tests/tools/dns-sink.py in the client's namespace): the lookup really
# goes out (the sink logs it), never blocks the probe past -W, the name is
# reported unresolved with exit 2, a target with an address next to it is
# still reached, and SIGINT during the lookup reports it unresolved too.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/web-lib.sh"
require_root
for t in nginx openssl jq python3; do
	command -v $t >/dev/null || skip_all "needs $t"
done

web_world || bail "cannot build the namespaces"
web_certs || bail "cannot make the test certificates"
echo hello >"$WEB_ROOT/hello.txt"
web_nginx || bail "nginx did not start"
# The client's resolv.conf names 127.0.0.1: the sink listens there.
bg_run c python3 "$top_srcdir/tests/tools/dns-sink.py" 127.0.0.1 "$NETNS_TMP/dns.log" \
	>"$NETNS_TMP/dns.out" 2>&1
wait_until 5 grep -q ready "$NETNS_TMP/dns.out" || bail "dns-sink did not start"

start=$(date +%s%N)
probe tls --json -W 500ms --ca-file "$WEB_PKI/ca.pem" silent.example 10.9.1.2
took=$((($(date +%s%N) - start) / 1000000))
is "$PROBE_RC" 2 "tls: a name the DNS never answers: exit 2"
is "$(printf '%s\n' "$PROBE_OUT" | jq -r '.target + " " + .outcome' | sort | tr '\n' ' ')" \
	"10.9.1.2 reached silent.example unresolved " "tls: the address reached, the name unresolved"
like "$(printf '%s\n' "$PROBE_OUT" | jq -r 'select(.target == "silent.example") | .error')" \
	'during resolve' "tls: the error says it was the lookup"
ok "$([ "$took" -lt 4000 ]; echo $?)" "tls: given up at -W, not at the resolver's retries ($took ms)"
grep -q 'silent.example' "$NETNS_TMP/dns.log"
ok $? "the lookup did reach the DNS server"

start=$(date +%s%N)
probe http --json -W 500ms http://silent.example/hello.txt http://10.9.1.2/hello.txt
took=$((($(date +%s%N) - start) / 1000000))
is "$PROBE_RC" 2 "http: exit 2"
is "$(printf '%s\n' "$PROBE_OUT" | jq -r '.target + " " + .outcome' | sort | tr '\n' ' ')" \
	"http://10.9.1.2/hello.txt reached http://silent.example/hello.txt unresolved " \
	"http: the address fetched, the name unresolved"
ok "$([ "$took" -lt 4000 ]; echo $?)" "http: given up at -W ($took ms)"

start=$(date +%s%N)
probe tcp --json -W 500ms -p 80 silent.example 10.9.1.2
took=$((($(date +%s%N) - start) / 1000000))
is "$PROBE_RC" 2 "tcp: exit 2"
is "$(printf '%s\n' "$PROBE_OUT" | jq -r '.target + " " + .outcome' | sort | tr '\n' ' ')" \
	"10.9.1.2 reached silent.example unresolved " "tcp: the address open, the name unresolved"
ok "$([ "$took" -lt 4000 ]; echo $?)" "tcp: given up at -W, not at the resolver's retries ($took ms)"

# SIGINT while the name is still being looked up (ip netns exec itself,
# so the signal reaches the probe). A script's background job starts
# with SIGINT ignored; the loop takes it back, as ping(8) does.
for type in tls http; do
	t=silent.example
	[ $type = http ] && t=http://silent.example/
	ip netns exec "$(ns c)" "$PROBE" $type --json -W 20s "$t" \
		>"$NETNS_TMP/int.out" 2>&1 &
	pid=$!
	sleep 0.7
	kill -INT $pid
	wait $pid
	rc=$?
	PROBE_OUT=$(cat "$NETNS_TMP/int.out")
	is "$rc $(jget .outcome) $(jget .sent)" "2 unresolved 0" \
		"$type: SIGINT during the lookup: unresolved, nothing counted as sent"
done

done_testing
