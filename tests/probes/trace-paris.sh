#!/bin/bash
# trace-paris.sh: every probe of one trace carries the same flow
# identifier (Paris traceroute), as captured by tcpdump on edge's link to
# r1: addresses, protocol, IPv6 flow label, the first four transport
# bytes (ICMP type, code and checksum; UDP and TCP ports) and the ICMP
# identifier never change, while each probe has a key of its own (ICMP
# sequence, UDP checksum, TCP sequence) and a checksum that verifies.
# Two rounds: the first probes every ttl up to -m, the second stops at
# the target's.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/trace-lib.bash"

require_root
require_cmd jq tcpdump python3
trace_chain || bail "cannot build the router chain"
PCAP=$top_srcdir/tests/probes/trace-pcap.py

for fam in 4 6; do
	if [ $fam = 4 ]; then tgt=$TGT4; else tgt=$TGT6; fi
	for m in icmp udp tcp; do
		what="IPv$fam $m"
		f=$NETNS_TMP/$fam-$m.pcap
		bg_run r1 tcpdump -U --immediate-mode -B 8192 -s 256 -Z root -n -i eth0 -w "$f" "ip or ip6" 2>"$f.log"
		td=$BG_PID
		wait_until 10 grep -q "listening on" "$f.log" || bail "tcpdump did not start"
		run_ok "$what: two rounds" ns_exec edge "$PROBE" trace --json -P $m -c 2 -i 0.1s \
			-m 8 -W 1s "$tgt"
		is "$(json_received "$RUN_OUTPUT")" "6 6 6 6" "$what: every probe answered"
		sleep 0.3
		bg_kill "$td"
		got=$(python3 "$PCAP" "$f" "$tgt")
		diag "$what: $got"
		like "$(cat "$f.log")" $'\n0 packets dropped by kernel' "$what: the capture lost nothing"
		is "$(jq -r .probes <<<"$got")" 36 "$what: 8 ttls x 3, then 4 ttls x 3 on the wire"
		is "$(jq -r .flows <<<"$got")" 1 "$what: one flow identifier for all of them"
		is "$(jq -r .keys <<<"$got")" 36 "$what: a key of its own for each"
		is "$(jq -r .bad_sums <<<"$got")" 0 "$what: every checksum verifies"
		is "$(jq -c .ttls <<<"$got")" \
			'{"1":6,"2":6,"3":6,"4":6,"5":3,"6":3,"7":3,"8":3}' "$what: ttls per round"
	done
done

# Without CAP_NET_RAW the kernel writes the headers, one socket per
# trace: still one flow identifier (the UDP checksum may be left to the
# link's offload, so neither it nor the keys are checked here).
ns_sysctl edge "net.ipv4.ping_group_range=0 2147483647" || bail "ping_group_range"
for fam in 4 6; do
	if [ $fam = 4 ]; then tgt=$TGT4; else tgt=$TGT6; fi
	for m in icmp udp; do
		what="IPv$fam $m without CAP_NET_RAW"
		f=$NETNS_TMP/$fam-$m-unpriv.pcap
		bg_run r1 tcpdump -U --immediate-mode -B 8192 -s 256 -Z root -n -i eth0 -w "$f" "ip or ip6" 2>"$f.log"
		td=$BG_PID
		wait_until 10 grep -q "listening on" "$f.log" || bail "tcpdump did not start"
		run_ok "$what: two rounds" ns_exec edge capsh --drop=cap_net_raw -- -c \
			"exec '$PROBE' trace --json -P $m -c 2 -i 0.1s -m 8 -W 1s $tgt"
		sleep 0.3
		bg_kill "$td"
		got=$(python3 "$PCAP" "$f" "$tgt")
		diag "$what: $got"
		like "$(cat "$f.log")" $'\n0 packets dropped by kernel' "$what: the capture lost nothing"
		is "$(jq -r '[.probes, .flows] | join(" ")' <<<"$got")" "36 1" \
			"$what: 36 probes, one flow identifier"
	done
done

done_testing
