#!/bin/bash
# shape-once.sh: what one outpost-shape command costs the kernel, seen
# by strace(1) from outside (the syscalls, not the tool's own words):
#  - show and check read the kernel once: no tc dump (qdiscs, classes,
#    filters) of one device and parent is sent twice, and the nft rules
#    are dumped once;
#  - apply, show and check each fork at most once (the caps probe), and
#    apply forks nothing it did not need: the probe's child is its only
#    child;
#  - apply from nothing draws no warning from the kernel: no
#    acknowledgement of a request it took carries extended-ACK text (the
#    line class goes in with a quantum; HTB warns "quantum of class ...
#    is big" for one it must work out itself), and outpost-shape, which
#    prints such warnings, has an empty stderr.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/shape/shape-lib.sh"
require_root
require_cmd strace python3 nft tc
[ -x "$SHAPE" ] || bail "no $SHAPE (build it first)"

T=$NETNS_TMP
CONF=$T/outpost.conf
ns_add gw; ns_add isp
veth_add gw wan0 isp eth0 || bail "veth"
sh_conf "$CONF"
# LeakSanitizer cannot run under ptrace; the other tests look for leaks.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0

# traced NAME ARGS...: outpost-shape ARGS in gw under strace; the trace
# in $T/NAME.trace, stdout and stderr in $T/NAME.out and $T/NAME.err.
traced()
{
	local name=$1
	shift
	ns_exec gw strace -f -qq -s 256 -o "$T/$name.trace" \
		-e trace=clone,clone3,fork,vfork,sendto,sendmsg,recvfrom,recvmsg \
		"$SHAPE" -f "$CONF" "$@" >"$T/$name.out" 2>"$T/$name.err"
}

# forks NAME: how many processes or threads the traced command started.
forks()
{
	grep -cE '(^|[[:space:]])(clone|clone3|fork|vfork)\(' "$T/$1.trace"
}

# dumps NAME: "REPEATED RULES TC": the tc dumps sent more than once
# (type, device, parent), the nft rule dumps, the tc dumps in all.
dumps()
{
	python3 - "$T/$1.trace" <<'PY'
import collections, re, sys
tc, rules = collections.Counter(), 0
for line in open(sys.argv[1]):
    if "NLM_F_DUMP" not in line:
        continue
    m = re.search(r"nlmsg_type=(RTM_GET(?:QDISC|TCLASS|TFILTER)),", line)
    if m:
        d = re.search(r"tcm_ifindex=(.*?), tcm_handle=[^,]*, tcm_parent=([^,]*),", line)
        tc[(m.group(1),) + (d.groups() if d else ("?", "?"))] += 1
    elif "NFT_MSG_GETRULE" in line:
        rules += 1
rep = sorted("%s:%s:%s" % k for k, n in tc.items() if n > 1)
print(",".join(rep) or "none", rules, sum(tc.values()))
PY
}

# warned NAME: "N TEXT": how many acknowledgements of accepted requests
# (error 0) the kernel sent with extended-ACK text, and the first text.
warned()
{
	python3 - "$T/$1.trace" <<'PY'
import re, sys
texts = []
for line in open(sys.argv[1]):
    if not re.match(r"\d+ +recv(msg|from)\(", line):
        continue
    # One acknowledgement per part.
    for part in line.split("nlmsg_type=NLMSG_ERROR")[1:]:
        m = re.search(r'\{error=0, .*?NLMSGERR_ATTR_MSG\}, "((?:[^"\\]|\\.)*)"', part)
        if m:
            texts.append(m.group(1))
print(len(texts), texts[0] if texts else "-")
PY
}

traced apply apply
st=$?
ok "$st" "apply exits 0"
[ "$st" = 0 ] || diag "$(cat "$T/apply.err")"
n=$(forks apply)
ok "$([ "$n" -le 1 ]; echo $?)" "apply forks at most once ($n)"
read -r n text <<<"$(warned apply)"
is "$n" 0 "apply from nothing: the kernel acknowledged every request without a warning ($text)"
is "$(cat "$T/apply.err")" "" "apply from nothing: nothing on stderr"
like "$(cat "$T/apply.out")" "^wan0: [0-9]+ tc changes, nft table replaced$" \
	"and it did apply the tree"

for cmd in show check; do
	traced "$cmd" "$cmd"
	st=$?
	ok "$st" "$cmd exits 0"
	[ "$st" = 0 ] || diag "$(cat "$T/$cmd.err")"
	n=$(forks "$cmd")
	ok "$([ "$n" -le 1 ]; echo $?)" "$cmd forks at most once ($n)"
	read -r rep rules total <<<"$(dumps "$cmd")"
	ok "$([ "$total" -gt 0 ]; echo $?)" "$cmd dumps tc ($total dumps)"
	is "$rep" none "$cmd: no tc dump of a device and parent is sent twice"
	is "$rules" 1 "$cmd: the nft rules are dumped once"
done
like "$(cat "$T/check.out")" "in sync" "check: in sync after apply"
like "$(cat "$T/show.out")" "config .*: in sync" "show: in sync after apply"

# A second apply changes nothing, forks at most once, warns of nothing.
traced again apply
ok "$?" "apply again exits 0"
is "$(cat "$T/again.out")" "nothing to do" "apply again: nothing to do"
n=$(forks again)
ok "$([ "$n" -le 1 ]; echo $?)" "apply again forks at most once ($n)"
is "$(cat "$T/again.err")" "" "apply again: nothing on stderr"
done_testing
