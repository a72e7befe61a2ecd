#!/bin/bash
# dns-bad: replies a stub resolver lets through but that are broken
# (tests/tools/dns-bad.py): each reported as malformed with its own reason,
# the pair unreachable (exit 1), never a crash (the ASan build aborts on
# any memory error); a wrong id or garbage is no reply at all (a timeout);
# SERVFAIL is a reply, reported as the rcode.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/dns-lib.sh"
require_root
for t in jq python3; do
	command -v $t >/dev/null || skip_all "needs $t"
done

dns_world || bail "cannot build the namespaces"
bg_run s1 python3 "$top_srcdir/tests/tools/dns-bad.py" 10.9.53.4 >"$NETNS_TMP/bad.out" 2>&1
wait_until 5 grep -q ready "$NETNS_TMP/bad.out" || bail "dns-bad.py did not start"

check()
{
	local name=$1 want=$2
	probe dns --json -W 300ms "$name.bad.test" @10.9.53.4
	is "$PROBE_RC $(jget .outcome) $(jget .malformed) $(jget .error)" "1 unreachable 1 malformed reply: $want" \
		"$name: $want"
	ok "$([ ! -s "$NETNS_TMP/probe.err" ]; echo $?)" "$name: nothing on stderr (no sanitizer report)"
}
check trunc "truncated message"
check loop "compression pointer loop"
check label "label longer than 63 bytes"
check longname "name longer than 255 bytes"
check ptrend "compression pointer past the end"
check forward "forward compression pointer"
for n in wrongid garbage; do
	probe dns --json -W 300ms "$n.bad.test" @10.9.53.4
	is "$PROBE_RC $(jget .outcome) $(jget .timeouts) $(jget .error)" "1 unreachable 1 no reply" \
		"$n: not a reply to the query: timed out"
done
probe dns --json servfail.bad.test @10.9.53.4
is "$PROBE_RC $(jget .outcome) $(jget .rcode)" "0 reached SERVFAIL" "SERVFAIL: a reply, its rcode"
probe dns --json good.bad.test @10.9.53.4
is "$PROBE_RC $(jget '.answers[0].address')" "0 192.0.2.1" "a good reply from the same server"
probe dns -W 300ms loop.bad.test @10.9.53.4
like "$PROBE_OUT" 'malformed reply: compression pointer loop' "text: the reason shown"

done_testing
