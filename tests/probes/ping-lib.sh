# ping-lib.sh: the world of the ping tests (bash, sourced after netns.sh).
#
#	ping_world		namespaces p (prober, 10.0.0.1, 2001:db8::1) and
#				t (targets, 10.0.0.2, 2001:db8::2) on one veth
#	ping_targets PREFIX	t answers for every address of PREFIX
#	PROBE			the outpost-probe under test
#	json_field FILE EXPR	python3 over the NDJSON lines of FILE: EXPR sees
#				L (the list of objects) and prints its value
PROBE=$top_builddir/probes/outpost-probe

ping_world()
{
	ns_add p && ns_add t || return 1
	veth_add p eth0 t eth0 || return 1
	addr_add p eth0 10.0.0.1/24 && addr_add t eth0 10.0.0.2/24 || return 1
	addr_add p eth0 2001:db8::1/64 && addr_add t eth0 2001:db8::2/64 || return 1
}

# A local route makes t answer ICMP for every address in the prefix; p
# sends the prefix to t.
ping_targets()
{
	case $1 in
	*:*) route_add t local "$1" dev lo && route_add p "$1" via 2001:db8::2 ;;
	*) route_add t local "$1" dev lo && route_add p "$1" via 10.0.0.2 ;;
	esac
}

json_field()
{
	python3 -c '
import json, sys
L = [json.loads(x) for x in open(sys.argv[1]) if x.strip()]
print(eval(sys.argv[2]))' "$1" "$2"
}

# Drop t's own echo replies (not those of a socket marked 0x77, the
# injector's), so what p receives from t is only what the test sends.
ping_mute_kernel()
{
	ns_exec t nft -f - <<'NFT'
table inet mute {
	chain out {
		type filter hook output priority 0;
		meta mark != 0x77 icmp type echo-reply drop
		meta mark != 0x77 icmpv6 type echo-reply drop
	}
}
NFT
}

# inject NAME ARGS...: tests/tools/icmp-inject.py in t, until it is ready.
inject()
{
	local name=$1
	shift
	bg_run t python3 "$top_srcdir/tests/tools/icmp-inject.py" --mark 0x77 \
		--stats "$NETNS_TMP/$name.stats" "$@" >"$NETNS_TMP/$name.log" 2>&1
	eval "INJ_$name=\$BG_PID"
	wait_until 10 grep -q '^ready' "$NETNS_TMP/$name.log"
}

# ignored FILE KIND: the count of one kind in outpost-probe's "ignored" note.
ignored()
{
	sed -n "s/.*ping: ignored \(.*\)/\1/p" "$1" | tr ',' '\n' |
		sed -n "s/^ *\([0-9]*\) $2.*/\1/p"
}
