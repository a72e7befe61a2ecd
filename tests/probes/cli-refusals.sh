#!/bin/bash
# cli-refusals.sh: what outpost-probe refuses before a packet leaves,
# through the installed binary: each case exits 3 with one message that
# names the option and the value (or the limit and its value), and
# nothing on stdout. Every run is inside a namespace with only a
# loopback, so a refusal that fails to happen cannot send a packet
# anywhere. Bad arguments, an unknown line (the known ones are
# listed), a broken config, an interval or rate only root may use, more
# targets than the open-file limit and more than memory allow.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/probe-lib.sh"
require_root
require_cmd prlimit
require_cmd setpriv

tmp=$NETNS_TMP
ns_add lonely
conf=$tmp/outpost.conf
printf '[line "tel"]\ninterface = lo\n[line "cu"]\ninterface = lo\nfwmark = 7\n' >"$conf"
printf '[line "tel"]\ninterface = lo\nfwmark = 0\n' >"$tmp/bad.conf"

# refused DESC REGEX CMD...: exit 3, stderr one line matching REGEX, stdout empty.
refused()
{
	local desc=$1 re=$2 out err rc
	shift 2
	out=$(ns_exec lonely timeout 20 "$@" 2>"$tmp/stderr")
	rc=$?
	err=$(cat "$tmp/stderr")
	is "$rc" 3 "$desc: exit 3"
	like "$err" "$re" "$desc: says why"
	is "$out" "" "$desc: nothing on stdout"
}

refused "port out of range" "^outpost-probe: -p/--port: '65536' is out of range \\(1 to 65535\\)$" \
	"$PROBE" tcp -p 65536 192.0.2.1
refused "tcp without a port" "-p/--port" "$PROBE" tcp 192.0.2.1
refused "negative count" "^outpost-probe: -c/--count: '-3' is not a whole number$" \
	"$PROBE" tcp -p 80 -c -3 192.0.2.1
refused "bad source address" "-S/--source: '192.0.2.256' is not a numeric IPv4 or IPv6 address" \
	"$PROBE" tcp -p 80 -S 192.0.2.256 192.0.2.1
refused "bad duration" "-W/--timeout: '3x' is not a duration" "$PROBE" tcp -p 80 -W 3x 192.0.2.1
refused "unknown type" "'nosuch' is not a probe type" "$PROBE" nosuch 192.0.2.1
refused "option of another type" "-P/--proto: applies to trace probes, not tcp" \
	"$PROBE" tcp -p 80 -P udp 192.0.2.1
refused "no such interface" "-I/--interface: 'nosuch9': no such interface here" \
	"$PROBE" tcp -p 80 -I nosuch9 192.0.2.1
refused "unknown line" \
	"^outpost-probe: --via: no \\[line \"uni\"\\] in the config; known lines: cu, tel$" \
	"$PROBE" tcp -p 80 --config "$conf" --via uni 192.0.2.1
refused "a broken config" "bad.conf:3: \\[line \"tel\"\\] fwmark: '0' is less than the minimum" \
	"$PROBE" tcp -p 80 --config "$tmp/bad.conf" --via tel 192.0.2.1

# Root-only pacing, as another user.
user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
refused "unprivileged 1ms interval" \
	"-i/--interval: '1ms' is below the least allowed, 2ms" \
	"${user[@]}" "$PROBE" tcp -p 80 -i 1ms 192.0.2.1
refused "unprivileged rate 2000/s" \
	"-r/--rate: '2000' is above what an unprivileged user may send, 500 packets/s" \
	"${user[@]}" "$PROBE" tcp -p 80 -r 2000 192.0.2.1

# Limits: 200 tcp targets need 264 descriptors; a hard limit of 100 cannot.
targets=()
for i in $(seq 1 200); do targets+=("192.0.2.$((i % 250 + 1))"); done
refused "open-file limit" \
	"200 tcp targets need 264 open files at once .*RLIMIT_NOFILE of 100 \\(hard limit 100\\)" \
	prlimit --nofile=100:100 "$PROBE" tcp -p 80 "${targets[@]}"
# ... while a soft limit below a large enough hard one is raised, not refused:
# the run goes on (to unroutable addresses inside a fresh namespace).
out=$(ns_exec lonely prlimit --nofile=100:1024 "$PROBE" tcp --json -q -c 1 -p 80 "${targets[@]}" 2>&1)
rc=$?
is "$rc/$(grep -c '"outcome"' <<<"$out")" 1/200 "soft limit raised to the hard one: 200 results"

# Memory: a million samples (16 MB) per target, for twice as many
# targets as MemAvailable holds.
avail_kb=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
n=$(( avail_kb * 1024 / 16000000 * 2 + 100 ))
many=()
for i in $(seq 1 "$n"); do many+=("10.$((i / 62500)).$((i / 250 % 250)).$((i % 250 + 1))"); done
refused "memory" "$n tcp targets need about [0-9]+ MiB, above the memory available \\(MemAvailable [0-9]+ MiB\\)" \
	prlimit --nofile=$((n + 100)):$((n + 100)) "$PROBE" tcp -p 80 -c 1000000 "${many[@]}"
if ldd "$PROBE" | grep -q libasan; then
	skip "RLIMIT_AS: AddressSanitizer needs the address space" 3
else
	refused "address-space limit" "targets need about [0-9]+ MiB, above what the address-space limit RLIMIT_AS" \
		prlimit --as=$((512 << 20)) --nofile=$((n + 100)):$((n + 100)) "$PROBE" tcp -p 80 \
		-c 100000 "${many[@]:0:1000}"
fi
done_testing
