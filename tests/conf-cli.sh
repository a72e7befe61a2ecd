#!/bin/sh
# conf-cli.sh: outpost-config check/print/keys, their output and exit codes.
set -u
: "${top_builddir:=$(pwd)}"
tool="$top_builddir/src/outpost-config"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work" || exit 1

n=0
fails=0
# is WHAT GOT WANT: one TAP line.
is() {
	n=$((n + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		printf '#      got: %s\n' "$2" | sed '2,$s/^/#           /'
		printf '# expected: %s\n' "$3" | sed '2,$s/^/#           /'
		fails=$((fails + 1))
	fi
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
is "check good: exit 0" "$rc" 0
is "check good: quiet" "$out$err" ""
run -v check -f good.conf
is "check -v good: exit 0" "$rc" 0
is "check -v good: says ok" "$out" "good.conf: ok"
run check -f bad.conf
is "check bad: exit 1" "$rc" 1
is "check bad: every diagnostic on stderr" "$err" "bad.conf:2: [node] spool-mx: unknown key, did you mean 'spool-max'?
bad.conf:3: [node] spool-max: '1KiB' is less than the minimum 64KiB
bad.conf:4: [nod] unknown section, did you mean 'node'?
bad.conf:6: [node] duplicate section, first at line 1"
is "check bad: nothing on stdout" "$out" ""
run check --config nope.conf
is "check missing file: exit 1" "$rc" 1
is "check missing file: message" "$err" "nope.conf: cannot read: No such file or directory"

run print -f good.conf
is "print good: exit 0" "$rc" 0
is "print good: canonical" "$out" '[node]
id = "kiosk 42"
spool-max = 64MiB'
cp out printed.conf
run print -f printed.conf
is "print printed: same again" "$out" "$(cat printed.conf)"
run print -f bad.conf
is "print bad: exit 1" "$rc" 1
is "print bad: no partial output" "$out" ""

run keys
is "keys: exit 0" "$rc" 0
line=$(grep '^  spool-max ' out | tr -s ' ')
is "keys: spool-max with type, default and bound" "$line" \
	" spool-max size default: 64MiB, min 64KiB bound on the spool; the oldest events go first"

run
is "no command: exit 2" "$rc" 2
is "no command: usage" "$err" "usage: outpost-config [-hVv] [-f file] check | print | keys"
run frobnicate
is "unknown command: exit 2" "$rc" 2
run check extra
is "extra argument: exit 2" "$rc" 2
run -x check
is "unknown option: exit 2" "$rc" 2
run -h
is "-h: exit 0" "$rc" 0
is "-h: usage on stdout" "$out" "usage: outpost-config [-hVv] [-f file] check | print | keys"
run --version
is "--version: exit 0" "$rc" 0
case $out in outpost\ [0-9]*) v=ok ;; *) v="$out" ;; esac
is "--version: names the package" "$v" ok

echo "1..$n"
[ "$fails" -eq 0 ]
