#!/bin/bash
# tcp-many.sh: one outpost-probe tcp run toward 1,000 addresses at once
# (a namespace answers for a whole /22 through one local route), one
# socket each: every target open, each result for its own address, the
# listener saw each address once; then the same with a quarter of them
# dropped by nftables: exactly those time out, exit 1.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/probe-lib.sh"
require_root
require_cmd nft
require_cmd python3

ns_add edge; ns_add tgt
veth_add edge eth0 tgt eth0
addr_add edge eth0 10.8.0.1/24; addr_add tgt eth0 10.8.0.2/24
route_add edge 10.9.0.0/22 via 10.8.0.2
ns_exec tgt ip route add local 10.9.0.0/22 dev lo
log=$NETNS_TMP/accepted.log
: >"$log"
# One listener on every address of the namespace, logging the address
# each connection was made to.
bg_run tgt python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7000))
s.listen(4096)
log = open(sys.argv[1], "a", buffering=1)
print("ready", file=log)
while True:
    c, peer = s.accept()
    print(c.getsockname()[0], file=log)
    c.close()
' "$log"
wait_until 5 grep -q '^ready' "$log" || bail "listener did not start"

targets=()
for i in $(seq 0 999); do targets+=("10.9.$((i / 250)).$((i % 250 + 1))"); done

out=$(ns_exec edge "$PROBE" tcp --json -c 1 -W 1s -p 7000 "${targets[@]}" 2>"$NETNS_TMP/err")
rc=$?
is "$rc" 0 "1,000 targets: exit 0"
printf '%s\n' "$out" >"$NETNS_TMP/out.json"
check=$(python3 - "$NETNS_TMP/out.json" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
bad = [l["target"] for l in lines if l["state"] != "open" or l["dst"] != l["target"]]
print(len(lines), len(set(l["target"] for l in lines)), len(bad))
PY
)
is "$check" "1000 1000 0" "1,000 results, one per target, each open at its own address"
is "$(grep -v ready "$log" | sort -u | wc -l)/$(grep -vc ready "$log")" 1000/1000 \
	"the listener saw each of the 1,000 addresses once"

# A quarter silent: 10.9.1.0/24 (targets 251..500) dropped.
ns_exec tgt nft add table inet q
ns_exec tgt nft add chain inet q in '{ type filter hook input priority 0; }'
ns_exec tgt nft add rule inet q in ip daddr 10.9.1.0/24 tcp dport 7000 drop
t0=$(date +%s%N)
out=$(ns_exec edge "$PROBE" tcp --json -c 1 -W 1s -p 7000 "${targets[@]}" 2>"$NETNS_TMP/err")
rc=$?
t1=$(date +%s%N)
is "$rc" 1 "a quarter silent: exit 1"
printf '%s\n' "$out" >"$NETNS_TMP/out.json"
check=$(python3 - "$NETNS_TMP/out.json" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
wrong = 0
for l in lines:
    want = "timeout" if l["target"].startswith("10.9.1.") else "open"
    wrong += l["state"] != want
print(len(lines), sum(l["state"] == "timeout" for l in lines), wrong)
PY
)
is "$check" "1000 250 0" "250 timeouts, exactly the dropped ones; the rest open"
ms=$(( (t1 - t0) / 1000000 ))
ok $(( ms < 5000 ? 0 : 1 )) "concurrently: the run took ${ms} ms, not 250 timeouts in a row"
done_testing
