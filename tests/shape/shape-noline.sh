#!/bin/bash
# shape-noline.sh: a [region] without line-rate, as DESIGN.md sketches
# it (lan, wan-interface, origin, origin-rate, peer-rate):
#  - outpost-config check and outpost-shape check accept it; check
#    notes at the region's file:line that the line is not limited and
#    business traffic has no guaranteed share;
#  - apply puts it in the kernel: on eth2 and its IFB the origin and
#    P2P classes have the caps as ceil (20mbit, 200mbit), the line and
#    business classes 1tbit, as `tc -s class show` and show --json read
#    them back; then check is in sync;
#  - what leaving line-rate out does not allow: business-rate (exit 2,
#    file:line of the key), and regions on one interface that disagree
#    about having one (exit 2, at the later region's header), with
#    nothing installed.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/shape/shape-lib.sh"
require_root
require_cmd python3 nft tc
[ -x "$SHAPE" ] || bail "no $SHAPE (build it first)"
CONFIG=${CONFIG:-$top_builddir/src/outpost-config}

T=$NETNS_TMP
ns_add gw; ns_add isp
veth_add gw eth2 isp eth0 || bail "veth"

# The sketch of DESIGN.md, word for word.
SKETCH='[region "chaoyang"]
lan = 10.20.0.0/16
wan-interface = eth2
origin = 198.51.100.0/24
origin-rate = 20mbit           # cap for package downloads from origin
peer-rate = 200mbit            # cap for P2P traffic inside the LAN'
CONF=$T/outpost.conf
printf '%s\n' "$SKETCH" >"$CONF"

run_ok "outpost-config check accepts the sketch" "$CONFIG" check -f "$CONF"
out=$(ns_exec gw "$SHAPE" -f "$CONF" check 2>&1)
is "$?" 0 "outpost-shape check accepts it"
like "$out" "$CONF:1: \[region \"chaoyang\"\]: note: no line-rate: the line of eth2 is not limited, only the caps are, and business traffic has no guaranteed share" \
	"and notes at the region that without line-rate business has no guaranteed share"
like "$out" "changes pending" "and says changes are pending"

out=$(ns_exec gw "$SHAPE" -f "$CONF" apply 2>"$T/apply.err")
is "$?" 0 "apply exits 0"
is "$(cat "$T/apply.err")" "" "apply: nothing on stderr (no warning from the kernel)"
like "$out" "^eth2: [0-9]+ tc changes, nft table replaced$" "apply changed eth2"

for dev in eth2 ifb-eth2; do
	sh_tc_classes gw "$dev" >"$T/tc.$dev.json"
done
ns_exec gw "$SHAPE" -f "$CONF" show --json >"$T/show.json"
is "$?" 0 "show --json exits 0"
# Each line of the comparison is "ok|not ok DESCRIPTION".
python3 - "$T" >"$T/cmp.txt" 2>&1 <<'PY'
import json, sys
T = sys.argv[1]
def check(cond, desc):
    print(("ok " if cond else "not ok ") + desc)
show = json.load(open(T + "/show.json"))
w = [i for i in show["interfaces"] if i["name"] == "eth2"]
check(len(w) == 1, "show lists eth2")
w = w[0] if w else {"egress": {"classes": []}, "ingress": {"classes": []}}
want = {"line": 10**12, "business": 10**12, "origin": 20 * 10**6, "peer": 200 * 10**6}
for dev, side in (("eth2", "egress"), ("ifb-eth2", "ingress")):
    tc = json.load(open("%s/tc.%s.json" % (T, dev)))
    kinds = {c["kind"]: c for c in w[side]["classes"]}
    check(sorted(kinds) == sorted(want) and len(tc) == 4,
          "%s: line, business, origin and P2P classes (show %s, tc %d)" % (dev, sorted(kinds), len(tc)))
    for kind, ceil in sorted(want.items()):
        c = kinds.get(kind)
        if not c:
            continue
        k = tc.get(c["id"], {})
        in_tc = k and k["ceil_bps"] <= ceil < k["ceil_bps"] + k["ceil_step"]
        check(c["ceil_bps"] == ceil and in_tc,
              "%s %s %s: ceil %d in show, %s..+%s in tc (want %d)" % (dev, kind, c["id"],
              c["ceil_bps"], k.get("ceil_bps"), k.get("ceil_step"), ceil))
    og, pr = kinds.get("origin"), kinds.get("peer")
    check(og and og["rate_bps"] == og["ceil_bps"] and pr and pr["rate_bps"] == pr["ceil_bps"],
          "%s: the caps are guaranteed in full (rate = ceil)" % dev)
    biz = kinds.get("business")
    check(biz and biz["rate_bps"] == 10**12 - 220 * 10**6,
          "%s: business gets the rest of the line (%s)" % (dev, biz and biz["rate_bps"]))
PY
shape_tap_lines "$T/cmp.txt"
run_ok "check after apply" ns_exec gw "$SHAPE" -f "$CONF" check
like "$RUN_OUTPUT" "in sync" "check: in sync"
run_ok "clear" ns_exec gw "$SHAPE" clear

# bad NAME TEXT PATTERN: outpost-shape check and apply refuse TEXT with
# exit 2 and a message at the file:line of the last line matching
# PATTERN; nothing is installed.
bad()
{
	local name=$1 f=$T/$1.conf line out
	printf '%s\n' "$2" >"$f"
	line=$(grep -n -- "$3" "$f" | tail -n 1 | cut -d: -f1)
	out=$(ns_exec gw "$SHAPE" -f "$f" check 2>&1)
	is "$?" 2 "$name: check exits 2"
	like "$out" "^$f:$line: $4" "$name: the message names $f:$line"
	ns_exec gw "$SHAPE" -f "$f" apply >/dev/null 2>&1
	is "$?" 2 "$name: apply exits 2"
	ok "$(sh_nothing_installed gw; echo $?)" "$name: nothing installed"
}
bad business "$SKETCH
business-rate = 50mbit" "^business-rate" \
	"\[region \"chaoyang\"\] business-rate: needs a line-rate"
bad shared "$SKETCH
line-rate = 1gbit

[region \"haidian\"]
lan = 10.30.0.0/16
wan-interface = eth2
origin = 198.51.100.0/24
origin-rate = 10mbit" '^\[region "haidian"\]' \
	"\[region \"haidian\"\] line-rate: no line-rate \(the line is not limited\) differs from '1gbit' of \[region \"chaoyang\"\]"
done_testing
