# hijack-lib.sh: what the hijack scenario tests share (bash): the DNS
# world (tests/probes/dns-world.sh) and a runner for outpost-probe hijack.
#
#	hijack ARGS...	outpost-probe hijack --json ARGS in c; the last JSON
#			object in $OUT, its exit status in $RC (99 on an ASan
#			or UBSan report)
#	jv FILTER	jq -r FILTER on $OUT
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/dns-world.sh"
PROBE=$top_builddir/probes/outpost-probe
# The honest answers live in 10.53.2.0/24; the liars' lies elsewhere.
HONEST_NET=10.53.0.0/16

hijack()
{
	RC=0
	ns_exec c "$PROBE" hijack --json "$@" >"$NETNS_TMP/hijack.out" 2>"$NETNS_TMP/hijack.err" ||
		RC=$?
	OUT=$(tail -n 1 "$NETNS_TMP/hijack.out")
	if grep -q 'AddressSanitizer\|runtime error\|LeakSanitizer' "$NETNS_TMP/hijack.err"; then
		cat "$NETNS_TMP/hijack.err" >&2
		RC=99
	fi
}
jv() { printf '%s\n' "$OUT" | jq -r "$1"; }
