#!/bin/bash
# conf-cli.sh: outpost-config check/print/keys, their output and exit codes.
set -u
: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
tool="$top_builddir/src/outpost-config"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work" || exit 1

# expect WHAT GOT WANT: tap.sh's is, named first (reads better here).
expect() {
	is "$2" "$3" "$1"
}
# run ARGS...: sets rc, out, err.
run() {
	"$tool" "$@" >out 2>err
	rc=$?
	out=$(cat out)
	err=$(cat err)
}

mkdir conf.d
cat >good.conf <<'CONF'
# the node is described in conf.d
include = conf.d/*.conf
CONF
cat >conf.d/node.conf <<'CONF'
[node]
spool-max = 65536KiB   # = 64MiB
id = "kiosk 42"
CONF
cat >bad.conf <<'CONF'
[node]
spool-mx = 1MiB
spool-max = 1KiB
[nod]
id = x
[node]
CONF

run check -f good.conf
expect "check good: exit 0" "$rc" 0
expect "check good: quiet" "$out$err" ""
run -v check -f good.conf
expect "check -v good: exit 0" "$rc" 0
expect "check -v good: says ok" "$out" "good.conf: ok"
run check -f bad.conf
expect "check bad: exit 1" "$rc" 1
expect "check bad: every diagnostic on stderr" "$err" "bad.conf:2: [node] spool-mx: unknown key, did you mean 'spool-max'?
bad.conf:3: [node] spool-max: '1KiB' is less than the minimum 64KiB
bad.conf:4: [nod] unknown section, did you mean 'node'?
bad.conf:6: [node] duplicate section, first at line 1"
expect "check bad: nothing on stdout" "$out" ""
run check --config nope.conf
expect "check missing file: exit 1" "$rc" 1
expect "check missing file: message" "$err" "nope.conf: cannot read: No such file or directory"

run print -f good.conf
expect "print good: exit 0" "$rc" 0
expect "print good: canonical" "$out" '[node]
id = "kiosk 42"
spool-max = 64MiB'
cp out printed.conf
run print -f printed.conf
expect "print printed: same again" "$out" "$(cat printed.conf)"
run print -f bad.conf
expect "print bad: exit 1" "$rc" 1
expect "print bad: no partial output" "$out" ""

run keys
expect "keys: exit 0" "$rc" 0
line=$(grep '^  spool-max ' out | tr -s ' ')
expect "keys: spool-max with type, default and bound" "$line" \
	" spool-max size default: 64MiB, min 64KiB bound on the spool; the oldest events go first"

run
expect "no command: exit 2" "$rc" 2
expect "no command: usage" "$err" "usage: outpost-config [-hVv] [-f file] check | print | keys"
run frobnicate
expect "unknown command: exit 2" "$rc" 2
run check extra
expect "extra argument: exit 2" "$rc" 2
run -x check
expect "unknown option: exit 2" "$rc" 2
run -h
expect "-h: exit 0" "$rc" 0
expect "-h: usage on stdout" "$out" "usage: outpost-config [-hVv] [-f file] check | print | keys"
run --version
expect "--version: exit 0" "$rc" 0
case $out in outpost\ [0-9]*) v=ok ;; *) v="$out" ;; esac
expect "--version: names the package" "$v" ok

# The shipped example must always be a valid config.
run check -f "$top_builddir/contrib/outpost.conf.example"
expect "contrib/outpost.conf.example passes check" "$rc" 0
expect "contrib/outpost.conf.example: no diagnostics" "$err" ""

done_testing
