#!/bin/bash
# shape-cli.sh: outpost-shape's command line in the shaping world.
#  - usage: --help, exit 2 for usage errors;
#  - check/-n: the standard config passes (exit 0) and reports pending
#    changes; an unknown interface (exit 1), a rate of zero, overlapping
#    region LANs and a cap above the line (exit 2) are refused with the
#    file:line of the key;
#  - --dry-run as nobody: an nft script that `nft -c` accepts and tc/ip
#    lines, with nothing changed in the kernel;
#  - apply: show --json (parsed with python3) lists the classes with the
#    configured ceils on wan0 and its IFB, as `tc class show` holds them;
#  - apply twice: "nothing to do", the nft table and rule handles stay,
#    the class byte counters keep counting;
#  - a kernel refusal (nft refuses a table another process owns) after
#    the tc changes went in: exit 1, the refusal's text, tc exactly as
#    before;
#  - clear: wan0 has the kernel's default root qdisc again, no ingress,
#    no IFB, no table inet outpost; a foreign table stays.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/shape/shape-lib.sh"
require_root
require_cmd python3 nft tc setpriv ethtool

CONF=$NETNS_TMP/outpost.conf
sh_world || bail "the shaping world could not be built"
sh_conf "$CONF"
chmod 755 "$NETNS_TMP"
chmod 644 "$CONF"

# ---- usage ----
run_ok "--help exits 0" "$SHAPE" --help
like "$RUN_OUTPUT" '^usage: outpost-shape .*apply \| clear \| show \| check' "--help prints the synopsis"
for args in "" "frobnicate" "--bogus show" "--json apply" "--dry-run show" "-n apply" "show extra"; do
	# shellcheck disable=SC2086
	"$SHAPE" -f "$CONF" $args >/dev/null 2>&1
	is "$?" 2 "usage error exits 2: '${args:-no command}'"
done

# ---- check ----
run_ok "-n on the standard config exits 0" ns_exec gw "$SHAPE" -n -f "$CONF"
like "$RUN_OUTPUT" "changes pending" "and says changes are pending before apply"
run_ok "check is -n" ns_exec gw "$SHAPE" -f "$CONF" check

# bad CONTENT EXPECTED_RC KEY WHAT: the config is refused with the rc and
# a message at the file:line of the first line that mentions KEY's value.
bad()
{
	local f=$NETNS_TMP/bad-$RANDOM.conf content=$1 rc=$2 pat=$3 what=$4 line out
	printf '%s\n' "$content" >"$f"
	line=$(grep -n -- "$pat" "$f" | tail -n 1 | cut -d: -f1)
	out=$(ns_exec gw "$SHAPE" -n -f "$f" 2>&1)
	is "$?" "$rc" "$what: exit $rc"
	like "$out" "$f:$line: " "$what: the message names $f:$line"
	[[ $out == *"$f:$line: "* ]] || diag "$out"
}
good=$(cat "$CONF")
bad "${good/wan-interface = wan0/wan-interface = eth9}" 1 "wan-interface = eth9" "unknown interface"
f=$NETNS_TMP/eth9.conf
printf '%s\n' "${good/wan-interface = wan0/wan-interface = eth9}" >"$f"
out=$(ns_exec gw "$SHAPE" -n -f "$f" 2>&1)
like "$out" "^$f:[0-9]+: \[region \"chaoyang\"\]: key 'wan-interface': no interface 'eth9' here" \
	"unknown interface: the message as common.md words it"
bad "${good/origin-rate = 20mbit/origin-rate = 0}" 2 "origin-rate = 0" "a rate of zero"
bad "${good/origin-rate = 20mbit/origin-rate = 200mbit}" 2 "origin-rate = 200mbit" \
	"origin-rate above line-rate"
bad "$good
$(sh_region_b wan1 | sed 's|^lan = 10.30.0.0/16|lan = 10.20.128.0/17|')" 2 "lan = 10.20.128.0/17" \
	"overlapping region LANs"
ns_exec gw "$SHAPE" -f "$f" apply >/dev/null 2>&1
is "$?" 1 "apply with an unknown interface exits 1"

# A foreign root qdisc on wan0: check names it, apply refuses and
# leaves it.
ns_exec gw tc qdisc add dev wan0 root handle 1: tbf rate 1mbit burst 10k latency 50ms
out=$(ns_exec gw "$SHAPE" -n -f "$CONF" 2>&1)
is "$?" 1 "check with a foreign root qdisc on wan0 exits 1"
like "$out" "$CONF:[0-9]+: .*'wan0' has a root qdisc that is not Outpost's \(tbf 1:\)" \
	"and names it"
ns_exec gw "$SHAPE" -f "$CONF" apply >/dev/null 2>&1
is "$?" 1 "apply refuses it (exit 1)"
like "$(ns_exec gw tc qdisc show dev wan0)" "^qdisc tbf 1: root" "and leaves the tbf in place"
is "$(ns_exec gw nft list tables | grep -c outpost)" 0 "with no nft table made"
ns_exec gw tc qdisc del dev wan0 root

# ---- --dry-run, unprivileged ----
state()
{
	ns_exec gw tc qdisc show dev wan0
	ns_exec gw tc qdisc show dev wan0 ingress
	ns_exec gw ip -o link show type ifb
	ns_exec gw nft list tables
}
before=$(state)
# stdout only: the note that the kernel was not probed goes to stderr.
dry=$(ns_exec gw setpriv --reuid nobody --regid nogroup --clear-groups --inh-caps=-all \
	"$SHAPE" -f "$CONF" --dry-run apply 2>"$NETNS_TMP/dry.err")
is "$?" 0 "--dry-run apply as nobody exits 0"
[ -s "$NETNS_TMP/dry.err" ] && diag "$(cat "$NETNS_TMP/dry.err")"
nft_part=$(printf '%s\n' "$dry" | grep -v -E '^(tc|ip) ')
tc_part=$(printf '%s\n' "$dry" | grep -E '^(tc|ip) ')
like "$nft_part" "table inet outpost" "the dry run prints the nft table"
run_ok "nft -c accepts the printed script (in the test's namespace)" \
	ns_exec gw nft -c -f <(printf '%s\n' "$nft_part")
has() { printf '%s\n' "$tc_part" | grep -q -E "$1"; echo $?; }
ok "$(has '^tc qdisc (add|replace) dev wan0 .*htb')" "tc lines for wan0's HTB tree"
ok "$(has '^tc class (add|change|replace) dev wan0 .*classid 4f50:')" "and its classes"
ok "$(has '^ip link add .*ifb-wan0')" "an ip line for its IFB"
ok "$(has '^tc class (add|change|replace) dev ifb-wan0 ')" "the IFB's classes"
ok "$(has '^tc filter .* dev wan0 .*mirred')" "and the redirect from wan0's ingress"
[ -n "$tc_part" ] || diag "$dry"
is "$(state)" "$before" "--dry-run changed nothing"

# ---- apply, show --json ----
run_ok "apply exits 0" ns_exec gw "$SHAPE" -f "$CONF" apply
like "$RUN_OUTPUT" "^wan0: [0-9]+ tc changes, nft table replaced$" "apply prints its summary"
json=$(ns_exec gw "$SHAPE" -f "$CONF" show --json)
is "$?" 0 "show --json exits 0"
# Origin 20mbit, P2P 30mbit, the line 100mbit both ways.
verdict=$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
bad = []
ifs = {i["name"]: i for i in d["interfaces"]}
w = ifs.get("wan0")
if not w:
    print("no wan0"); sys.exit()
if w["root"] != "ours": bad.append("root " + w["root"])
if w["ifb"] != "ifb-wan0": bad.append("ifb " + w["ifb"])
if not w["ingress"]["redirect"]: bad.append("no redirect")
if w["ingress"]["dev"] != "ifb-wan0": bad.append("ingress dev")
if w["ingress"]["filters"] < 1: bad.append("no ingress filters")
want = {"line": 100000000, "origin": 20000000, "peer": 30000000}
for side in ("egress", "ingress"):
    got = {}
    for c in w[side]["classes"]:
        got.setdefault(c["kind"], []).append(c)
    for kind, ceil in want.items():
        cs = got.get(kind, [])
        if len(cs) != 1: bad.append("%s %s: %d classes" % (side, kind, len(cs))); continue
        if cs[0]["ceil_bps"] != ceil: bad.append("%s %s ceil %d" % (side, kind, cs[0]["ceil_bps"]))
        if kind != "line" and cs[0]["region"] != "chaoyang": bad.append("%s %s region" % (side, kind))
    if "business" not in got: bad.append(side + " no business")
if not d["nft"]["present"]: bad.append("no nft table")
els = [e for s in d["nft"]["sets"] for e in s["elements"]]
if "198.51.100.0/24" not in els or "2001:db8:51::/64" not in els: bad.append("origin sets")
if not d["nft"]["rules"]: bad.append("no nft rules")
if d["in_sync"] is not True: bad.append("in_sync %r" % d["in_sync"])
print(" ".join(bad) or "ok")' "$json")
is "$verdict" ok "show --json: wan0 and ifb-wan0 hold line, business, origin and P2P with the configured ceils"
ids=$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
w = [i for i in d["interfaces"] if i["name"] == sys.argv[2]][0]
print(" ".join(sorted(c["id"] for c in w[sys.argv[3]]["classes"])))' "$json" wan0 egress)
is "$ids" "$(ns_exec gw tc class show dev wan0 | awk '{print $3}' | sort | xargs)" \
	"show lists exactly the classes tc class show dev wan0 holds"
ids=$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
w = [i for i in d["interfaces"] if i["name"] == sys.argv[2]][0]
print(" ".join(sorted(c["id"] for c in w[sys.argv[3]]["classes"])))' "$json" wan0 ingress)
is "$ids" "$(ns_exec gw tc class show dev ifb-wan0 | awk '{print $3}' | sort | xargs)" \
	"and those of ifb-wan0"
# Unprivileged, show still reads tc; the probe and the nft table need root.
json_nobody=$(ns_exec gw setpriv --reuid nobody --regid nogroup --clear-groups --inh-caps=-all \
	"$SHAPE" -f "$CONF" show --json 2>/dev/null)
is "$?" 0 "show --json as nobody exits 0"
is "$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
w = [i for i in d["interfaces"] if i["name"] == "wan0"][0]
print(d["kernel"]["probed"], d["nft"]["readable"], d["in_sync"], w["root"],
      len(w["egress"]["classes"]) > 0)' "$json_nobody" 2>&1)" "False False None ours True" \
	"as nobody: tc classes listed, kernel not probed, nft not readable, in_sync null"
run_ok "show (human) exits 0" ns_exec gw "$SHAPE" -f "$CONF" show
like "$RUN_OUTPUT" "wan0 egress: root ours" "show names wan0's tree"
like "$RUN_OUTPUT" "chaoyang +origin" "and labels the origin class with its region"
run_ok "check after apply" ns_exec gw "$SHAPE" -n -f "$CONF"
like "$RUN_OUTPUT" "in sync" "check says in sync"

# ---- apply twice ----
# Traffic through the origin class, so there is a counter to keep.
ns_exec dev ping -c 20 -i 0.02 -q "$SH_ORIGIN4" >/dev/null 2>&1
origin_id=$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
w = [i for i in d["interfaces"] if i["name"] == "wan0"][0]
print([c["id"] for c in w["egress"]["classes"] if c["kind"] == "origin"][0])' "$json")
class_bytes()
{
	ns_exec gw tc -s class show dev wan0 | awk -v id="$origin_id" '
		$1 == "class" { mine = ($3 == id) }
		mine && $1 == "Sent" { print $2; exit }' 
}
b1=$(class_bytes)
ok "$([ "${b1:-0}" -gt 0 ]; echo $?)" "the origin class counted the pings ($b1 bytes)"
handles()
{
	ns_exec gw nft -a list table inet outpost | grep -o '# handle [0-9]*'
}
h1=$(handles)
run_ok "apply again exits 0" ns_exec gw "$SHAPE" -f "$CONF" apply
is "$RUN_OUTPUT" "nothing to do" "apply again: nothing to do"
is "$(handles)" "$h1" "the nft table and its rules kept their handles (no commit)"
b2=$(class_bytes)
ok "$([ "${b2:-0}" -ge "${b1:-1}" ]; echo $?)" "the origin class counter did not reset ($b1 -> $b2)"

# ---- a kernel refusal rolls tc back ----
# nft refuses to touch a table flagged "owner" that another process
# holds (here an nft -i fed through a fifo): a real refusal of the last
# step of an apply whose tc changes (a new origin-rate) went in first.
tcstate()
{
	local d
	for d in wan0 ifb-wan0; do
		ns_exec gw tc class show dev "$d"
		ns_exec gw tc qdisc show dev "$d"
		ns_exec gw tc filter show dev "$d"
	done
	ns_exec gw tc filter show dev wan0 ingress
}
tc_before=$(tcstate)
ns_exec gw nft delete table inet outpost
mkfifo "$NETNS_TMP/nft.fifo"
bg_run gw bash -c "exec nft -i <'$NETNS_TMP/nft.fifo' >'$NETNS_TMP/nft-i.log' 2>&1"
owner=$BG_PID
exec 9>"$NETNS_TMP/nft.fifo"
echo 'add table inet outpost { flags owner; }' >&9
if wait_until 5 ns_exec gw nft list table inet outpost >/dev/null 2>&1; then
	f=$NETNS_TMP/faster.conf
	sed 's/^origin-rate = 20mbit/origin-rate = 25mbit/' "$CONF" >"$f"
	out=$(ns_exec gw "$SHAPE" -f "$f" apply 2>&1)
	is "$?" 1 "apply refused by the kernel exits 1"
	like "$out" "^outpost-shape: kernel refused .*: Operation not permitted" \
		"the refusal is reported with the kernel's text"
	like "$out" "rolled back" "and says it rolled back"
	is "$(tcstate)" "$tc_before" "tc holds exactly what it held before the refused apply"
else
	skip "nft here has no owner tables" 4
fi
exec 9>&-
bg_kill "$owner"
wait_until 5 eval '! ns_exec gw nft list table inet outpost >/dev/null 2>&1'
run_ok "apply the standard config again" ns_exec gw "$SHAPE" -f "$CONF" apply
is "$RUN_OUTPUT" "nft table replaced" "only the nft table was missing"

# ---- clear ----
ns_exec gw nft add table inet shclitest
run_ok "clear exits 0" ns_exec gw "$SHAPE" clear
like "$RUN_OUTPUT" "removed: nft table inet outpost" "clear says it removed the table"
like "$RUN_OUTPUT" "removed: .*wan0" "and what it removed on wan0"
like "$(ns_exec gw tc qdisc show dev wan0)" "^qdisc [a-z_]+ 0: root" "wan0 has the kernel's default root qdisc"
is "$(ns_exec gw tc qdisc show dev wan0 ingress)" "" "and no ingress qdisc"
ok "$(ns_exec gw ip link show ifb-wan0 >/dev/null 2>&1; [ $? != 0 ]; echo $?)" "ifb-wan0 is gone"
tables=$(ns_exec gw nft list tables)
ok "$([[ $tables != *"inet outpost"* ]]; echo $?)" "nft list tables has no outpost"
like "$tables" "table inet shclitest" "the foreign table stayed"
run_ok "clear again exits 0" ns_exec gw "$SHAPE" clear
is "$RUN_OUTPUT" "nothing to remove" "clear again: nothing to remove"
done_testing
