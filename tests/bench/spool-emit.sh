#!/bin/bash
# spool-emit.sh: events per second recorded into one spool, one
# spool_emit() per event against spool_emit_batch() of SPOOL_BENCH_BATCH
# (default 64), with 1 and SPOOL_BENCH_WRITERS (default 4) processes
# writing at once (the spool-wide lock matters there), SPOOL_BENCH_N
# (default 2000) events per process, best of SPOOL_BENCH_RUNS (default 3).
# Prints a table and the batch/single ratio of the same run.
#
# SPOOL_BENCH_TOOL runs another build of tests/bench/spool-emit-bench
# (e.g. one linked against an older libop: batch then shows n/a).
# The spool lives in SPOOL_BENCH_DIR (default TMPDIR or /tmp): a real disk,
# since fsync is what is measured. Run from a build without sanitizers.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
TOOL=${SPOOL_BENCH_TOOL:-$top_builddir/tests/bench/spool-emit-bench}
N=${SPOOL_BENCH_N:-2000}
RUNS=${SPOOL_BENCH_RUNS:-3}
BATCH=${SPOOL_BENCH_BATCH:-64}
WRITERS=${SPOOL_BENCH_WRITERS:-4}
BASE=${SPOOL_BENCH_DIR:-${TMPDIR:-/tmp}}

[ -x "$TOOL" ] || { echo "spool-emit bench: build $TOOL first" >&2; exit 1; }
if nm "$TOOL" 2>/dev/null | grep -q __asan_init; then
	echo "WARNING: $TOOL is built with AddressSanitizer; figures are not representative" >&2
fi
WORK=$(mktemp -d "$BASE/spool-bench.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT INT TERM

# rate MODE WRITERS: best events/s of RUNS runs, or n/a.
rate() {
	local mode=$1 w=$2 run best=0 t0 t1 i ok pids p
	for run in $(seq "$RUNS"); do
		rm -rf "$WORK/s"
		mkdir "$WORK/s"
		ok=1
		pids=
		t0=$(date +%s.%N)
		for i in $(seq "$w"); do
			"$TOOL" "$WORK/s" "$mode" "$N" "$BATCH" >/dev/null 2>"$WORK/err.$i" &
			pids="$pids $!"
		done
		for p in $pids; do wait "$p" || ok=0; done
		t1=$(date +%s.%N)
		[ "$ok" = 1 ] || { cat "$WORK"/err.* >&2; echo n/a; return; }
		best=$(awk -v w="$w" -v n="$N" -v a="$t0" -v b="$t1" -v best="$best" \
			'BEGIN { r = w * n / (b - a); print (r > best ? r : best) }')
	done
	printf '%.0f\n' "$best"
}

echo "spool-emit: $N events per writer, batch $BATCH, best of $RUNS, spool in $BASE"
printf '| writers | single ev/s | batch ev/s | batch/single |\n| ---: | ---: | ---: | ---: |\n'
for w in 1 "$WRITERS"; do
	s=$(rate single "$w")
	b=$(rate batch "$w")
	if [ "$b" = n/a ] || [ "$s" = n/a ]; then ratio=n/a
	else ratio=$(awk -v b="$b" -v s="$s" 'BEGIN { printf "%.1fx", b / s }'); fi
	printf '| %s | %s | %s | %s |\n' "$w" "$s" "$b" "$ratio"
done
