#!/bin/bash
# probed-overrun.sh: a round still running when the next is due is not
# started twice, and one that overruns two due times is wrapped up. One
# ping probe (interval 2s) has a target whose name a silent DNS server
# never answers (c-ares would wait over a minute; ping, unlike tcp, tls
# and http, does not bound a lookup by its timeout) beside one that
# answers at once. In the spool: rounds are numbered 1, 2, 3... without a gap, no
# round starts before the previous one ended, each lasts about two
# intervals (wrapped up at the second skipped slot, not left hanging),
# the skipped slots are counted (two per round), the named target comes
# out unresolved and the other reached; SIGHUP is answered meanwhile. An
# http probe of the same targets in the same daemon, whose engine bounds
# its lookups by its timeout, keeps its period undisturbed.
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
require_root
require_cmd python3
PROBED=$top_builddir/probes/outpost-probed
TOOLS=$top_srcdir/tests/tools
DNS=10.78.0.53
plan 9

ns_add edge || bail "cannot make a namespace"
addr_add edge lo "$DNS/32" || bail "cannot add the DNS address"
ETC_NS=/etc/netns/$(ns edge)
etc_made=0
[ -d /etc/netns ] || etc_made=1
on_exit "rm -rf '$ETC_NS'; [ $etc_made = 0 ] || rmdir /etc/netns 2>/dev/null"
mkdir -p "$ETC_NS" || bail "cannot create $ETC_NS"
printf 'nameserver %s\noptions timeout:5 attempts:1\n' "$DNS" >"$ETC_NS/resolv.conf"
printf '127.0.0.1 localhost\n' >"$ETC_NS/hosts"
bg_run edge python3 "$TOOLS/dns-sink.py" "$DNS" "$NETNS_TMP/dns.log" >"$NETNS_TMP/dns.out" 2>&1
wait_until 10 grep -q ready "$NETNS_TMP/dns.out" || bail "the silent DNS server did not start"
bg_run edge python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 8080)); s.listen(16)
while True:
    c, _ = s.accept(); c.close()
' >/dev/null 2>&1
wait_until 10 ns_exec edge bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080' 2>/dev/null
chmod 755 "$NETNS_TMP"

printf '%s\n' "[node]" "id = o1" "user = nobody" "spool = $NETNS_TMP/spool" \
	"[probe \"slow\"]" "type = ping" "count = 1" "target = 127.0.0.1 slow.test" \
	"interval = 2s" "spread = 100ms" "timeout = 500ms" \
	"[probe \"web\"]" "type = http" "target = http://127.0.0.1:8080/ http://slow.test:8080/" \
	"interval = 2s" "spread = 100ms" "timeout = 500ms" >"$NETNS_TMP/o.conf"
bg_run edge "$PROBED" -d -v -f "$NETNS_TMP/o.conf" >"$NETNS_TMP/probed.log" 2>&1
pid=$BG_PID
nrounds() { ls "$NETNS_TMP/spool/new" 2>/dev/null | grep -c '\.probe\.slow$'; }
wait_until 20 eval '[ "$(nrounds)" -ge 2 ]'
kill -HUP "$pid"
wait_until 5 grep -q 'reloaded' "$NETNS_TMP/probed.log"
like "$(grep reloaded "$NETNS_TMP/probed.log")" '2 probe\(s\), 2 unchanged' \
	"SIGHUP answered while a round hangs on DNS; the probe is unchanged"
wait_until 15 eval '[ "$(nrounds)" -ge 3 ]'
kill -TERM "$pid"
wait "$pid"
is "$?" 0 "exits 0 on SIGTERM"

res=$(python3 - "$NETNS_TMP/spool/new" <<'PY'
import datetime, json, os, sys
d = sys.argv[1]
ev = []
for f in sorted(os.listdir(d)):
    e = json.load(open(os.path.join(d, f)))
    if e["kind"] == "probe" and e["name"] == "slow":
        ev.append(e["data"])
def t(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
rounds = [x["round"] for x in ev]
overlap = any(t(b["start"]) < t(a["start"]) + a["duration_ms"] / 1000 - 0.01
              for a, b in zip(ev, ev[1:]))
skipped = [x["skipped"] for x in ev]
outcomes = sorted(set((r["target"], r["outcome"]) for x in ev for r in x["results"]))
print(json.dumps({"rounds": rounds == list(range(1, len(ev) + 1)), "n": len(ev),
                  "overlap": overlap, "skipped": skipped,
                  "grows": skipped == [2 * (i + 1) for i in range(len(ev))],
                  "dur": min(x["duration_ms"] for x in ev), "maxdur": max(x["duration_ms"] for x in ev), "outcomes": outcomes}))
PY
)
diag "$res"
field() { python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$res" "$1"; }
is "$(field 'd["rounds"]')" True "rounds numbered 1..$(field 'd["n"]') without a gap or repeat"
is "$(field 'd["overlap"]')" False "no round started before the previous one ended"
ok "$([ "$(field 'd["dur"]')" -ge 3000 ]; echo $?)" \
	"each round outlived its interval ($(field 'd["dur"]') .. $(field 'd["maxdur"]') ms)"
ok "$([ "$(field 'd["maxdur"]')" -le 5000 ]; echo $?)" \
	"and was wrapped up at the second due time, not left hanging on DNS"
is "$(field 'd["grows"]')" True "skipped slots counted, two per round: $(field 'd["skipped"]')"
is "$(field 'd["outcomes"]')" "[['127.0.0.1', 'reached'], ['slow.test', 'unresolved']]" \
	"the answering target reached, the hanging name unresolved"
# The http type bounds the lookup by its own timeout: beside the hanging
# probe its rounds stay inside the interval, none skipped, both targets
# reported each time (one loop serves both, neither holds up the other).
web=$(python3 - "$NETNS_TMP/spool/new" <<'PY'
import json, os, sys
d = sys.argv[1]
ev = [json.load(open(os.path.join(d, f)))["data"] for f in sorted(os.listdir(d))
      if f.endswith(".probe.web")]
ok = all(x["duration_ms"] < 2000 and "error" not in x and x["skipped"] == 0 and
         len(x["results"]) == 2 for x in ev)
print(len(ev) >= 4 and [x["round"] for x in ev] == list(range(1, len(ev) + 1)) and ok,
      [(x["round"], x["duration_ms"], x.get("error"),
        sorted((r["target"], r["outcome"]) for r in x["results"])) for x in ev][:2])
PY
)
like "$web" '^True' "an http probe beside it, bounding its lookups, keeps its period: no round skipped"
[ "$TAP_FAILED" = 0 ] || diag "$(cat "$NETNS_TMP/probed.log")"
done_testing
