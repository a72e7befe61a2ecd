#!/bin/bash
# shape-show.sh: outpost-shape show --json agrees with the kernel as
# iproute2 and nftables print it. One region applied, origin and P2P
# transfers both ways (so classes and rules have counted something),
# then, with the traffic stopped, reads in the order
#   tc -s class show (wan0, ifb-wan0), nft -j list ruleset,
#   outpost-shape show --json, nft -j list ruleset, tc -s class show
# and compares: the same sets with the same elements (family, prefixes),
# the same number of rules in order with the same class and oif, each
# rule's counters between the two nft reads; on wan0 and ifb-wan0 the
# same class ids with the same rate and ceil (within tc's print
# rounding) and bytes/packets between the two tc reads; the interface,
# its IFB and the redirect named as they are. Some counter of each kind
# must be non-zero, so the comparison is not of zeros.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/shape/shape-lib.sh"
sh_begin iperf3

CONF=$NETNS_TMP/outpost.conf
T=$NETNS_TMP
sh_conf "$CONF"
run_ok "apply the region" ns_exec gw "$SHAPE" -f "$CONF" apply
[ "$RUN_STATUS" = 0 ] || bail "apply failed"

sh_iperf_server isp "$SH_ORIGIN4" 5201 || bail "iperf3 server"
sh_iperf_server isp "$SH_PEER6" 6881 || bail "iperf3 server"
sh_iperf_server isp "$SH_ORIGIN6" 5203 || bail "iperf3 server"
# Origin upload (v4) and P2P upload (v6) at once, then origin download.
sh_iperf dev "$SH_ORIGIN4" 5201 2 -B "$SH_DEV4"
a=$BG_PID
sh_iperf dev "$SH_PEER6" 6881 2 -B 2001:db8:20:1::31 --cport 6881
b=$BG_PID
sh_iperf dev "$SH_ORIGIN6" 5203 2 -B "$SH_DEV6" -R
c=$BG_PID
wait "$a" "$b" "$c"
sleep 0.5

for d in wan0 ifb-wan0; do sh_tc_classes gw "$d" >"$T/tc1.$d.json"; done
ns_exec gw nft -j list ruleset >"$T/nft1.json"
st=0
ns_exec gw "$SHAPE" -f "$CONF" show --json >"$T/show.json" 2>"$T/show.err" || st=$?
ok "$st" "show --json exits 0"
[ "$st" = 0 ] || diag "$(cat "$T/show.err")"
ns_exec gw nft -j list ruleset >"$T/nft2.json"
for d in wan0 ifb-wan0; do sh_tc_classes gw "$d" >"$T/tc2.$d.json"; done

# Each line of the comparison is "ok|not ok DESCRIPTION".
python3 - "$T" >"$T/cmp.txt" 2>&1 <<'PY'
import ipaddress, json, sys
T = sys.argv[1]
def load(n):
    with open("%s/%s" % (T, n)) as f:
        return json.load(f)
def check(cond, desc):
    print(("ok " if cond else "not ok ") + desc)
show = load("show.json")
def nft_table(doc):
    sets, rules = {}, []
    for x in doc["nftables"]:
        for k in ("set", "rule"):
            o = x.get(k)
            if o and o["family"] == "inet" and o["table"] == "outpost":
                if k == "set":
                    sets[o["name"]] = o
                elif o["chain"] == "egress":
                    rules.append(o)
    return sets, rules
def elem(e):
    if isinstance(e, dict) and "prefix" in e:
        return str(ipaddress.ip_network("%s/%s" % (e["prefix"]["addr"], e["prefix"]["len"])))
    if isinstance(e, dict) and "range" in e:
        return "%s-%s" % tuple(e["range"])
    return str(ipaddress.ip_network(e))
def rule_info(r):
    oif, cls, cnt = None, None, None
    for e in r["expr"]:
        m = e.get("match")
        if m and m["left"] == {"meta": {"key": "oifname"}}:
            oif = m["right"]
        if "mangle" in e and e["mangle"]["key"] == {"meta": {"key": "priority"}}:
            cls = e["mangle"]["value"]
        if "counter" in e:
            cnt = (e["counter"]["packets"], e["counter"]["bytes"])
    return oif, cls, cnt
s1, r1 = nft_table(load("nft1.json"))
s2, r2 = nft_table(load("nft2.json"))
n = show["nft"]
check(n["present"] and not n["foreign"], "nft: show says the table is present and ours")
ssets = {s["name"]: s for s in n["sets"]}
check(sorted(ssets) == sorted(s1), "nft: the same sets %s (show %s)" % (sorted(s1), sorted(ssets)))
for name, s in sorted(s1.items()):
    fam = 6 if s["type"] == "ipv6_addr" else 4
    want = sorted(elem(e) for e in s.get("elem", []))
    got = sorted(str(ipaddress.ip_network(e)) for e in ssets.get(name, {}).get("elements", []))
    check(want == got and ssets.get(name, {}).get("family") == fam,
          "nft: set %s: family %d, elements %s (show: %s %s)" % (name, fam, want,
          ssets.get(name, {}).get("family"), got))
check(len(n["rules"]) == len(r1) == len(r2) and len(r1) > 0,
      "nft: the same number of rules (nft %d, show %d)" % (len(r1), len(n["rules"])))
counted = 0
for i, (a, b) in enumerate(zip(r1, r2)):
    if i >= len(n["rules"]):
        break
    sr = n["rules"][i]
    oif, cls, ca = rule_info(a)
    _, _, cb = rule_info(b)
    check(sr["class"] == cls and sr["oif"] == oif,
          "nft: rule %d: oif %s class %s (show: %s %s)" % (i, oif, cls, sr["oif"], sr["class"]))
    check(ca is not None and ca[0] <= sr["packets"] <= cb[0] and ca[1] <= sr["bytes"] <= cb[1],
          "nft: rule %d: counter %s..%s, show %s" % (i, ca, cb, (sr["packets"], sr["bytes"])))
    counted += sr["packets"] > 0
check(counted >= 2, "nft: traffic was counted by %d rules (origin and P2P)" % counted)
ifs = {i["name"]: i for i in show["interfaces"]}
w = ifs.get("wan0", {})
check(w.get("ifb") == "ifb-wan0" and w.get("root") == "ours" and w.get("ingress", {}).get("redirect") is True
      and w.get("ingress", {}).get("dev") == "ifb-wan0" and w.get("egress", {}).get("dev") == "wan0",
      "show: wan0, root ours, ingress redirected to ifb-wan0")
for dev, side in (("wan0", "egress"), ("ifb-wan0", "ingress")):
    t1, t2 = load("tc1.%s.json" % dev), load("tc2.%s.json" % dev)
    sc = {c["id"]: c for c in w.get(side, {}).get("classes", [])}
    check(sorted(sc) == sorted(t1) and len(t1) >= 4,
          "%s: the same class ids %s (show %s)" % (dev, sorted(t1), sorted(sc)))
    moved = 0
    for cid, a in sorted(t1.items()):
        c, b = sc.get(cid), t2.get(cid, a)
        if c is None:
            continue
        check(a["rate_bps"] <= c["rate_bps"] < a["rate_bps"] + a["rate_step"] and
              a["ceil_bps"] <= c["ceil_bps"] < a["ceil_bps"] + a["ceil_step"],
              "%s %s: rate %d ceil %d (tc %d %d)" % (dev, cid, c["rate_bps"], c["ceil_bps"],
                                                     a["rate_bps"], a["ceil_bps"]))
        check(a["bytes"] <= c["bytes"] <= b["bytes"] and a["packets"] <= c["packets"] <= b["packets"],
              "%s %s: bytes %d within tc's %d..%d, packets %d within %d..%d" % (dev, cid,
              c["bytes"], a["bytes"], b["bytes"], c["packets"], a["packets"], b["packets"]))
        moved += c["bytes"] > 0 and c.get("kind") != "line"
    check(moved >= 2, "%s: traffic was counted in %d leaf classes" % (dev, moved))
PY
shape_tap_lines "$T/cmp.txt"
done_testing
