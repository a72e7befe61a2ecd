#!/bin/bash
# conf-cli.sh: outpost-config check/print/keys, their output and exit codes.
set -u
: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
tool="$top_builddir/src/outpost-config"
pubd="$top_builddir/modules/mqtt/outpost-pubd"
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

# ---- what outpost-pubd would refuse at start, under -n and check ----
# pubd_n FILE: outpost-pubd -n -f FILE; sets rc and err like run.
pubd_n() {
	timeout 20 "$pubd" -n -f "$1" >out 2>err
	rc=$?
	err=$(cat err)
}
daemon_conf() {
	{
		echo "[node]"
		echo "id = ${ID:-kiosk-1}"
		echo "user = nobody"
		echo "[mqtt]"
		echo "url = mqtts://broker.example.net:8883"
		printf '%s\n' "$@"
	} >"$F"
}
# both_refuse NAME WANT: check and pubd -n on $F both exit 1 with WANT.
both_refuse() {
	run check -f "$F"
	expect "$1: outpost-config check exits 1" "$rc" 1
	expect "$1: outpost-config check says where" "$err" "$2"
	pubd_n "$F"
	expect "$1: outpost-pubd -n exits 1" "$rc" 1
	expect "$1: outpost-pubd -n says where" "$err" "$2"
}
F=d.conf
daemon_conf "topic-prefix = fleet/+/x"
both_refuse "wildcard topic-prefix" "d.conf:6: [mqtt] topic-prefix: 'fleet/+/x' cannot start a topic: the topic contains a wildcard ('+' or '#'), which only subscriptions may use"
ID=$(printf '"kiosk\033[2J"') daemon_conf
both_refuse "ESC in [node] id" "d.conf:2: [node] id: 'kiosk\\e[2J' cannot be the MQTT client id: the client id contains a control character (U+0001..U+001F or U+007F..U+009F), which MQTT forbids"
case $err in *$'\033'*) v="raw ESC on stderr" ;; *) v=none ;; esac
expect "ESC in [node] id: no raw control byte reaches the terminal" "$v" none
daemon_conf "cert-file = /etc/outpost/c.pem"
both_refuse "cert-file without key-file" "d.conf:6: [mqtt] cert-file: needs key-file, the certificate's private key"
daemon_conf "heartbeat = 1ms"
both_refuse "heartbeat below 1s" "d.conf:6: [mqtt] heartbeat: '1ms' is less than the minimum 1s (0 turns it off)"
daemon_conf "reconnect-max = 4294968s"
both_refuse "reconnect-max past 32-bit ms" "d.conf:6: [mqtt] reconnect-max: '4294968s' is greater than the maximum 1d"
daemon_conf "username = u" "password-file = $work/nope.pass"
pubd_n "$F"
expect "-n reads the password file: exit 1" "$rc" 1
expect "-n reads the password file: says where" "$err" "d.conf:7: [mqtt] password-file: '$work/nope.pass': No such file or directory"
printf 's3cret\n' >pw.pass
chmod 644 pw.pass
daemon_conf "username = u" "password-file = $work/pw.pass"
pubd_n "$F"
expect "-n refuses a world-readable password file: exit 1" "$rc" 1
expect "-n refuses a world-readable password file: says where" "$err" "d.conf:7: [mqtt] password-file: '$work/pw.pass': others can read or write it; allow the owner and its group only (chmod o-rw)"
chmod 600 pw.pass
pubd_n "$F"
expect "-n with a private password file: exit 0" "$rc" 0
daemon_conf "heartbeat = 0"
pubd_n "$F"
expect "pubd -n on a good file: exit 0" "$rc" 0
expect "pubd -n on a good file: quiet" "$err" ""

# ---- files that are not configs ----
mkfifo fifo.conf
printf '[node]\ninclude = fifo.conf\n' >inc-fifo.conf
timeout 10 "$tool" check -f fifo.conf >out 2>err
rc=$?
expect "FIFO as the file: exit 1, not blocked (124)" "$rc" 1
expect "FIFO as the file: message" "$(cat err)" "fifo.conf: cannot read: not a regular file"
timeout 10 "$tool" check -f inc-fifo.conf >out 2>err
rc=$?
expect "FIFO include: exit 1, not blocked" "$rc" 1
expect "FIFO include: message" "$(cat err)" "inc-fifo.conf:2: [node] include: cannot read 'fifo.conf': not a regular file"
F=d.conf
daemon_conf "include = fifo.conf"
pubd_n "$F"
expect "FIFO include under pubd -n: exit 1, not blocked" "$rc" 1

# Nine files, each including the next eight times (8^8 reads unbounded).
mkdir fan
for i in 0 1 2 3 4 5 6 7 8; do
	: >fan/f$i.conf
	[ "$i" = 8 ] || for _ in 1 2 3 4 5 6 7 8; do echo "include = f$((i + 1)).conf"; done >fan/f$i.conf
done
start=$(date +%s%N)
timeout 30 "$tool" check -f fan/f0.conf >out 2>err
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
expect "include fan-out: exit 1 (124: still busy after 30 s)" "$rc" 1
v=$([ "$ms" -lt 5000 ] && echo fast || echo "$ms ms")
expect "include fan-out: done within 5 s ($ms ms)" "$v" fast
case $(cat err) in
*"not read: more than 256 files read in one parse (includes that fan out?)") v=ok ;;
*) v=$(cat err) ;;
esac
expect "include fan-out: one clear error" "$v" ok

printf '\357\273\277[node]\nid = k\n' >bom.conf
run check -f bom.conf
expect "BOM: exit 1" "$rc" 1
expect "BOM: says so" "$err" "bom.conf:1: starts with a UTF-8 byte order mark; save it without one"
printf '[node]\rid = k\r' >cr.conf
run check -f cr.conf
expect "CR-only: exit 1" "$rc" 1
expect "CR-only: says so" "$err" "cr.conf: uses CR-only line ends (old Mac); convert to LF"

# A 2 MiB line gives one short line on stderr, not 2 MiB.
{ printf '[node]\nspool-max = '; head -c 2097152 /dev/zero | tr '\0' 9; echo; } >long.conf
run check -f long.conf
expect "2 MiB value: exit 1" "$rc" 1
v=$(wc -c <err)
expect "2 MiB value: short diagnostic ($v bytes)" "$([ "$v" -lt 200 ] && echo short)" short
case $err in *"... (2097152 bytes)' is greater than the maximum"*|*"... (2097152 bytes)' is too large"*) v=ok ;; *) v=$err ;; esac
expect "2 MiB value: cut with its length" "$v" ok
{ printf '[node]\n'; head -c 2097152 /dev/zero | tr '\0' x; echo; } >line.conf
run check -f line.conf
v=$(wc -c <err)
expect "2 MiB line without '=': short diagnostic ($v bytes)" "$([ "$v" -lt 200 ] && echo short)" short

done_testing
