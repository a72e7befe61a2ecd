#!/bin/bash
# web-curl.sh: the tls and http probes against curl, same nginx, same run
# (namespaces with a veth link, as the tests build them; needs root):
#
#   - TLS handshake: outpost-probe tls -c N against N curl runs, the
#     median of (time_appconnect - time_connect);
#   - HTTPS GET of a small file and of a 3 MiB file: outpost-probe http
#     -c N against N curl runs, median totals;
#   - N concurrent HTTPS GETs in one outpost-probe against N curl
#     processes started at once: wall time.
#
# WEB_BENCH_N (default 50). Run it from a build without sanitizers.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/web-lib.sh"
require_root

N=${WEB_BENCH_N:-50}
for t in nginx curl jq openssl; do
	command -v "$t" >/dev/null 2>&1 || { echo "web-curl bench: needs $t" >&2; exit 1; }
done
if nm "$PROBE" 2>/dev/null | grep -q __asan_init; then
	echo "WARNING: $PROBE is built with AddressSanitizer; figures are not representative" >&2
fi
web_world && web_certs || { echo "web-curl bench: cannot build the world" >&2; exit 1; }
echo hello >"$WEB_ROOT/small.txt"
head -c 3145728 /dev/urandom >"$WEB_ROOT/big.bin"
web_nginx "keepalive_timeout 0;" || { echo "web-curl bench: nginx did not start" >&2; exit 1; }
CA=$WEB_PKI/ca.pem

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
curl_w() { ns_exec c curl -s -o /dev/null --cacert "$CA" -w "$1\n" "$2"; }

probe tls --json -q -c "$N" -i 20ms --ca-file "$CA" www.test
ours=$(jget .rtt.p50)
theirs=$(for i in $(seq "$N"); do curl_w '%{time_connect} %{time_appconnect}' https://www.test/small.txt; done |
	awk '{ print ($2 - $1) * 1000 }' | median)
printf 'tls handshake median (ms):   outpost-probe %8.3f  curl %8.3f  ratio %s\n' \
	"$ours" "$theirs" "$(ratio "$ours" "$theirs")"

for f in small.txt big.bin; do
	url=https://www.test/$f
	probe http --json -q -c "$N" -i 20ms --ca-file "$CA" "$url"
	ours=$(jget .rtt.p50)
	theirs=$(for i in $(seq "$N"); do curl_w '%{time_total}' "$url"; done |
		awk '{ print $1 * 1000 }' | median)
	printf 'https %-9s total median (ms): outpost-probe %8.3f  curl %8.3f  ratio %s\n' \
		"$f" "$ours" "$theirs" "$(ratio "$ours" "$theirs")"
done

urls=$(for i in $(seq "$N"); do echo "https://www.test/small.txt?$i"; done)
s=$(date +%s%N)
probe http --json -q --ca-file "$CA" $urls
e=$(date +%s%N)
reached=$(printf '%s\n' "$PROBE_OUT" | jq -r .outcome | grep -c reached)
ours=$(( (e - s) / 1000000 ))
s=$(date +%s%N)
pids=()
for u in $urls; do
	curl_w '%{http_code}' "$u" >/dev/null &
	pids+=($!)
done
wait "${pids[@]}"	# not nginx, also a child of this shell
e=$(date +%s%N)
theirs=$(( (e - s) / 1000000 ))
printf '%d concurrent https GETs (ms): outpost-probe %6d (%d reached)  %d curl processes %6d  ratio %s\n' \
	"$N" "$ours" "$reached" "$N" "$theirs" "$(ratio "$ours" "$theirs")"
