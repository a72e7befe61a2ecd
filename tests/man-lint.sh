#!/bin/bash
# man-lint.sh: every manual page must be mandoc -T lint clean at warning
# level, so the pages render the same everywhere and stay well formed.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top_srcdir/tests/lib/tap.sh"

require_cmd mandoc

pages=()
for p in "$top_srcdir"/man/*.[1-9]; do
	[ -f "$p" ] && pages+=("$p")
done
[ ${#pages[@]} -gt 0 ] || bail "no manual pages found in $top_srcdir/man"

plan ${#pages[@]}
for p in "${pages[@]}"; do
	out=$(mandoc -T lint -W warning "$p" 2>&1)
	rc=$?
	if [ "$rc" = 0 ] && [ -z "$out" ]; then
		ok 0 "${p##*/} is lint clean"
	else
		ok 1 "${p##*/} is lint clean"
		diag "$out"
	fi
done
done_testing
