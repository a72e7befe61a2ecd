#!/bin/bash
# mqtt-pub.sh: outpost-pub -l against mosquitto_pub -l, same broker, same
# run: 100,000 messages of 68 bytes at QoS 0, 1 and 2, each tool run
# alternately MQTT_BENCH_RUNS times (default 3), best run kept.
#
# Rate counts the messages a mosquitto_sub counter actually received, per
# second of the publisher's run: mosquitto_pub -l at QoS 1 and 2 may exit
# before all its messages went out, and that shows as fewer arrived.
# Peak RSS comes from /usr/bin/time -f %M (the highest of the runs).
#
# Run it from a build configured WITHOUT --enable-sanitizers (ASan
# multiplies memory and time):  ./configure && make && make bench
# MQTT_BENCH_PUB_ARGS adds options to outpost-pub (e.g. --inflight 64).
# Loopback only; root is not needed.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/broker.sh"

N=${MQTT_BENCH_N:-100000}
RUNS=${MQTT_BENCH_RUNS:-3}
PUB=$top_builddir/modules/mqtt/outpost-pub
TIME=/usr/bin/time
PATH=$PATH:/usr/sbin

for t in mosquitto mosquitto_pub mosquitto_sub python3; do
	command -v "$t" >/dev/null 2>&1 || { echo "mqtt-pub bench: needs $t" >&2; exit 1; }
done
[ -x "$TIME" ] || { echo "mqtt-pub bench: needs /usr/bin/time (Debian package time)" >&2; exit 1; }
[ -x "$PUB" ] || { echo "mqtt-pub bench: build $PUB first" >&2; exit 1; }
if nm "$PUB" 2>/dev/null | grep -q __asan_init || ldd "$PUB" 2>/dev/null | grep -q asan; then
	echo "WARNING: $PUB is built with AddressSanitizer; figures are not representative" \
		"(use a ./configure build without --enable-sanitizers)" >&2
fi

broker_start bench || { echo "mqtt-pub bench: mosquitto did not start" >&2; exit 1; }
PORT=$(broker_port bench)
W=$NETNS_TMP/bench
mkdir -p "$W"

# N lines, each a 68-byte message (plus its newline), all different.
python3 - "$N" >"$W/lines" <<'PY'
import sys
for i in range(int(sys.argv[1])):
    print(("outpost bench message %08d " % i).ljust(68, "x"))
PY

# run_one TOOL QOS TOPIC: prints "seconds peak_kb arrived".
run_one()
{
	local tool=$1 q=$2 topic=$3 sub t0 t1 got last same=0
	mosquitto_sub -p "$PORT" -t "$topic" -q 0 >"$W/sub" 2>/dev/null &
	sub=$!
	# The counter is ready once it sees a probe message.
	for _ in $(seq 100); do
		mosquitto_pub -p "$PORT" -t "$topic" -m ready -q 0
		grep -q '^ready$' "$W/sub" && break
		sleep 0.1
	done
	: >"$W/time"
	t0=$EPOCHREALTIME
	case $tool in
	mosquitto_pub)
		$TIME -f %M -o "$W/time" mosquitto_pub -p "$PORT" -t "$topic" -q "$q" -l \
			<"$W/lines" >/dev/null 2>"$W/err" ;;
	outpost-pub)
		# shellcheck disable=SC2086
		$TIME -f %M -o "$W/time" "$PUB" -p "$PORT" -t "$topic" -q "$q" -l \
			${MQTT_BENCH_PUB_ARGS:-} <"$W/lines" >/dev/null 2>"$W/err" ;;
	esac
	t1=$EPOCHREALTIME
	# Wait until the counter stops growing (or has everything).
	last=-1
	while [ "$same" -lt 10 ]; do
		got=$(grep -vc '^ready$' "$W/sub")
		[ "$got" -ge "$N" ] && break
		if [ "$got" = "$last" ]; then same=$((same + 1)); else same=0; fi
		last=$got
		sleep 0.1
	done
	kill "$sub" 2>/dev/null
	wait "$sub" 2>/dev/null
	got=$(grep -vc '^ready$' "$W/sub")
	echo "$(python3 -c "print('%.3f' % ($t1 - $t0))") $(tail -1 "$W/time") $got"
}

printf 'mqtt-pub: %d messages of 68 bytes, best of %d runs, mosquitto %s\n' "$N" "$RUNS" \
	"$(mosquitto -h 2>/dev/null | head -1 | awk '{print $3}')"
printf '%-4s %-14s %10s %10s %9s %10s\n' QoS tool arrived seconds msg/s "peak RSS"
for q in 0 1 2; do
	declare -A best_rate=() best_sec=() best_got=() peak=()
	for r in $(seq "$RUNS"); do
		for tool in mosquitto_pub outpost-pub; do
			read -r sec kb got < <(run_one "$tool" "$q" "bench/$tool/$q/$r")
			rate=$(python3 -c "print(int($got / $sec) if $sec > 0 else 0)")
			if [ "$rate" -gt "${best_rate[$tool]:-0}" ]; then
				best_rate[$tool]=$rate best_sec[$tool]=$sec best_got[$tool]=$got
			fi
			[ "${kb:-0}" -gt "${peak[$tool]:-0}" ] && peak[$tool]=$kb
		done
	done
	for tool in mosquitto_pub outpost-pub; do
		printf '%-4s %-14s %10s %10s %9s %7s KiB\n' "$q" "$tool" "${best_got[$tool]}" \
			"${best_sec[$tool]}" "${best_rate[$tool]}" "${peak[$tool]}"
	done
	python3 - "${best_rate[outpost-pub]}" "${best_rate[mosquitto_pub]}" \
		"${peak[outpost-pub]}" "${peak[mosquitto_pub]}" "$q" <<'PY'
import sys
o, m, ok, mk, q = (float(x) for x in sys.argv[1:])
print("QoS %d ratios (outpost-pub / mosquitto_pub): rate %.2fx, peak RSS %.2fx"
      % (q, o / m if m else float("inf"), ok / mk if mk else float("inf")))
PY
	unset best_rate best_sec best_got peak
done
