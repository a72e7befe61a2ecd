#!/bin/bash
# publish.sh: outpost-probe --publish records one device event per
# target in the spool of the config's [node]: read back from new/, each
# file is the envelope with kind "probe", the --name (or the type), the
# node and region, and the same JSON object --json printed as its data.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/probe-lib.sh"
require_root
require_cmd python3

ns_add edge; ns_add tgt
veth_add edge eth0 tgt eth0
addr_add edge eth0 10.7.1.1/24; addr_add tgt eth0 10.7.1.2/24
listener tgt 10.7.1.2 8080 "$NETNS_TMP/accepted.log"
spool=$NETNS_TMP/spool
conf=$NETNS_TMP/outpost.conf
printf '[node]\nid = edge-7\nregion = lab\nspool = %s\n' "$spool" >"$conf"

out=$(ns_exec edge "$PROBE" tcp --json --publish --name web-8080 --config "$conf" -c 2 -i 20ms \
	-p 8080 10.7.1.2 10.7.1.2:8081-not-a-name.invalid 2>"$NETNS_TMP/err")
rc=$?
ok $(( rc == 2 || rc == 0 ? 0 : 1 )) "published run finished (exit $rc)"
files=$(ls "$spool/new" 2>/dev/null)
is "$(wc -l <<<"$files")" 2 "two targets, two events in new/"
like "$(sed -n 1p <<<"$files")" '^[0-9a-f]{16}\.probe\.web-8080$' "file name: seq, kind, name"

# Check each envelope against the line --json printed for the target.
check()
{
	python3 - "$spool/new" "$out" <<'PY'
import json, os, sys
d, printed = sys.argv[1], [json.loads(l) for l in sys.argv[2].splitlines()]
evs = [json.load(open(os.path.join(d, f))) for f in sorted(os.listdir(d))]
bad = []
for e in evs:
    for k, v in (("kind", "probe"), ("name", "web-8080"), ("node", "edge-7"), ("region", "lab")):
        if e.get(k) != v:
            bad.append("%s=%r" % (k, e.get(k)))
    if "ts" not in e:
        bad.append("no ts")
if sorted(json.dumps(e["data"], sort_keys=True) for e in evs) != \
   sorted(json.dumps(p, sort_keys=True) for p in printed):
    bad.append("data differs from the --json lines")
opened = [e["data"] for e in evs if e["data"]["target"] == "10.7.1.2"]
if len(opened) != 1 or opened[0]["state"] != "open" or opened[0]["received"] != 2:
    bad.append("the open target's data is wrong")
print(" ".join(bad))
sys.exit(1 if bad else 0)
PY
}
msg=$(check)
ok $? "envelopes: kind, name, node, region, ts; data as printed $msg"

# Without --name the event is named after the type.
rm -f "$spool"/new/*
ns_exec edge "$PROBE" tcp -q --publish --config "$conf" -c 1 -p 8080 10.7.1.2 >/dev/null
like "$(ls "$spool/new")" '^[0-9a-f]{16}\.probe\.tcp$' "default name: the type"

# A spool that cannot be opened is a system error, before any probe.
ln -s /nonexistent "$NETNS_TMP/linkspool"
printf '[node]\nspool = %s\n' "$NETNS_TMP/linkspool" >"$NETNS_TMP/bad.conf"
: >"$NETNS_TMP/accepted.log"
ns_exec edge "$PROBE" tcp -q --publish --config "$NETNS_TMP/bad.conf" -c 1 -p 8080 10.7.1.2 \
	>/dev/null 2>"$NETNS_TMP/err"
rc=$?
is "$rc" 4 "spool refused: exit 4"
like "$(cat "$NETNS_TMP/err")" "spool .*linkspool" "spool refused: says which"
is "$(grep -c '^10' "$NETNS_TMP/accepted.log")" 0 "spool refused: no connection was made"
done_testing
