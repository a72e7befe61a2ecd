#!/bin/bash
# tcp-states.sh: outpost-probe tcp against a target namespace with an
# open port (a listener that logs each peer), a closed one, one dropped
# by nftables and one rejected with ICMP host-unreachable: each gives its
# state, its exit status and a JSON line with every documented field;
# the listener saw exactly the connections reported open. Also a name
# from the namespace's hosts file, one that does not resolve (exit 2),
# and SIGINT halfway, which still prints the summary.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/probe-lib.sh"
require_root
require_cmd nft
require_cmd python3

ns_add edge; ns_add tgt
veth_add edge eth0 tgt eth0
addr_add edge eth0 10.7.0.1/24; addr_add tgt eth0 10.7.0.2/24
addr_add edge eth0 2001:db8:7::1/64; addr_add tgt eth0 2001:db8:7::2/64
# Names: one in hosts; DNS goes to a loopback port nobody serves, so a
# missing name fails at once instead of timing out.
netns_etc edge hosts "10.7.0.2 tgt.example
2001:db8:7::2 tgt.example"
netns_etc edge resolv.conf "nameserver 127.0.0.1"
ns_exec tgt nft -f - <<'NFT' || bail "nft failed"
table inet probe_test {
	chain input {
		type filter hook input priority 0;
		tcp dport 8082 drop
		tcp dport 8083 reject with icmp type host-unreachable
	}
}
NFT
log=$NETNS_TMP/accepted.log
listener tgt 10.7.0.2 8080 "$log"
log6=$NETNS_TMP/accepted6.log
listener tgt 2001:db8:7::2 8080 "$log6"

# run PORT ARGS...: outpost-probe tcp --json -p PORT ARGS in edge; sets out, rc.
run()
{
	local port=$1
	shift
	out=$(ns_exec edge "$PROBE" tcp --json -p "$port" "$@" 2>"$NETNS_TMP/err")
	rc=$?
}

fields="type target dst port src outcome state states.open states.refused states.timeout
	states.unreachable states.error sent received loss dup late rtt.min rtt.avg rtt.max
	rtt.stddev rtt.p50 rtt.p90 rtt.p99 rtt.last"

run 8080 -c 3 -i 50ms 10.7.0.2
is "$rc" 0 "open: exit 0"
is "$(jget "$out" state)" open "open: state open"
is "$(jget "$out" outcome)" reached "open: outcome reached"
is "$(jget "$out" states.open)/$(jget "$out" sent)/$(jget "$out" received)" 3/3/3 \
	"open: 3 sent, 3 open, 3 received"
is "$(jget "$out" src)" 10.7.0.1 "open: src is edge's address"
# shellcheck disable=SC2086
msg=$(json_fields "$out" $fields)
ok $? "open: every documented field is there $msg"
is "$(grep -c '^10.7.0.1$' "$log")" 3 "the listener accepted exactly 3 connections from edge"

t0=$(date +%s%N)
run 8081 -c 2 -i 50ms 10.7.0.2
is "$rc" 1 "closed: exit 1"
is "$(jget "$out" state)" refused "closed: state refused"
is "$(jget "$out" states.refused)/$(jget "$out" received)" 2/0 "closed: 2 refused, none received"
is "$(jget "$out" rtt)" null "closed: rtt null"

t0=$(date +%s%N)
run 8082 -c 2 -i 50ms -W 300ms 10.7.0.2
t1=$(date +%s%N)
is "$rc" 1 "filtered: exit 1"
is "$(jget "$out" state)" timeout "filtered: state timeout"
is "$(jget "$out" states.timeout)" 2 "filtered: 2 timeouts"
elapsed=$(( (t1 - t0) / 1000000 ))
ok $(( elapsed >= 600 && elapsed < 3000 ? 0 : 1 )) "filtered: two 300ms timeouts took ${elapsed}ms"

run 8083 -c 1 -W 2s 10.7.0.2
is "$rc" 1 "ICMP host unreachable: exit 1"
is "$(jget "$out" state)" unreachable "ICMP host unreachable: state unreachable"
like "$(jget "$out" error)" "[Nn]o route to host" "ICMP host unreachable: error says why"

ns_exec edge ip route add unreachable 10.9.9.0/24
run 80 -c 1 10.9.9.9
is "$(jget "$out" state)/$rc" unreachable/1 "unreachable route: state unreachable, exit 1"

# Several targets in one run: one line each, the worst status wins.
out=$(ns_exec edge "$PROBE" tcp --json -c 1 -p 8080 tgt.example 10.7.0.2 nosuch.invalid \
	2>"$NETNS_TMP/err")
rc=$?
is "$rc" 2 "a name that does not resolve: exit 2"
is "$(wc -l <<<"$out")" 3 "three targets, three JSON lines"
byname=$(grep '"target":"tgt.example"' <<<"$out")
like "$(jget "$byname" dst)/$(jget "$byname" state)" '^(10\.7\.0\.2|2001:db8:7::2)/open$' \
	"tgt.example from hosts: open"
bad=$(grep '"target":"nosuch.invalid"' <<<"$out")
is "$(jget "$bad" outcome)/$(jget "$bad" dst)" unresolved/null "nosuch.invalid: unresolved, dst null"
isnt "$(jget "$bad" error)" null "nosuch.invalid: error says why"

# IPv6: a name with both families, -6 picks the AAAA.
: >"$log6"
run 8080 -6 -c 2 -i 20ms tgt.example
is "$rc/$(jget "$out" dst)/$(jget "$out" src)" 0/2001:db8:7::2/2001:db8:7::1 "-6: the IPv6 address, open"
is "$(grep -c '^2001:db8:7::1$' "$log6")" 2 "-6: the IPv6 listener accepted both"
run 8080 -4 -c 1 tgt.example
is "$(jget "$out" dst)" 10.7.0.2 "-4: the IPv4 address"

# -r paces all targets together: 4 targets x 3 = 12 connects at 20/s take
# at least 11 gaps of 50 ms, though -i alone would allow 0.2 s.
t0=$(date +%s%N)
out=$(ns_exec edge "$PROBE" tcp --json -c 3 -i 100ms -r 20 -p 8080 10.7.0.2 10.7.0.2 10.7.0.2 \
	10.7.0.2)
t1=$(date +%s%N)
elapsed=$(( (t1 - t0) / 1000000 ))
is "$(grep -c '"received":3' <<<"$out")" 4 "-r 20: every target 3 of 3"
ok $(( elapsed >= 540 && elapsed < 2000 ? 0 : 1 )) "-r 20: 12 connects took ${elapsed} ms (>= 550)"

# Human output: a line per attempt, then the summary.
txt=$(ns_exec edge "$PROBE" tcp -c 2 -i 50ms -p 8080 10.7.0.2)
like "$(sed -n 1p <<<"$txt")" '^10\.7\.0\.2 \(10\.7\.0\.2\) port 8080: seq=1 open time=[0-9.]+ ms$' \
	"human: a progress line per attempt"
like "$(sed -n 3p <<<"$txt")" '^10\.7\.0\.2 \(10\.7\.0\.2\) port 8080 : xmt/open/%loss = 2/2/0%' \
	"human: the summary line"
txt=$(ns_exec edge "$PROBE" tcp -q -c 2 -i 50ms -p 8080 10.7.0.2)
is "$(wc -l <<<"$txt")" 1 "human -q: the summary only"

# A long run with -q on a terminal shows how far it is on stderr, and
# clears that before the summary.
tty=$(script -qec "ip netns exec $(ns edge) $PROBE tcp -q -c 1 -W 3500ms -p 8082 10.7.0.2" /dev/null)
like "$tty" '\[0/1 targets done\]' "terminal: progress shown during a long run"
like "$tty" $'\e\\[K10\\.7\\.0\\.2 \\(10\\.7\\.0\\.2\\) port 8082 : ' "terminal: cleared before the summary"
out=$(ns_exec edge "$PROBE" tcp -q -c 1 -W 2500ms -p 8082 10.7.0.2 2>&1)
unlike=$(grep -c 'targets done' <<<"$out")
is "$unlike" 0 "not a terminal: no progress"

# SIGINT: stop early, still print what was measured.
: >"$log"
# Not through ns_exec: in the background that is a subshell, and the
# signal must reach the probe (ip netns exec execs it, keeping the pid).
ip netns exec "$(ns edge)" "$PROBE" tcp --json -c 1000 -i 100ms -p 8080 10.7.0.2 \
	>"$NETNS_TMP/int.out" 2>&1 &
pid=$!
sleep 0.75
kill -INT "$pid"
wait "$pid"
rc=$?
out=$(cat "$NETNS_TMP/int.out")
is "$rc" 0 "SIGINT: exit 0 (all reached so far)"
sent=$(jget "$out" sent)
ok $(( sent >= 3 && sent <= 12 ? 0 : 1 )) "SIGINT: the summary has the $sent attempts so far"
is "$(jget "$out" received)" "$sent" "SIGINT: all of them open"
done_testing
