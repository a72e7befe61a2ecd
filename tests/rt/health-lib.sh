# health-lib.sh: helpers of the line-health tests (bash), on rt-lib.sh.
#
#	. "$top_srcdir/tests/rt/health-lib.sh"
#	hl_world			# rt_world + the routing a daemon would install
#	hl_run LOG icmp 192.0.2.9 200 3 2 10	# rt-health-run in node, on tel0
#	hl_wait LOG down 3		# wait for a "down" change (seconds)
#	hl_field LOG down why		# a field of the last "down" change
#
# rt-health-run prints one JSON line per change with t_ms on
# CLOCK_MONOTONIC; hl_now gives the same clock here, so the tests measure
# how long a change took after they caused it.
HEALTH_RUN=${HEALTH_RUN:-$top_builddir/tests/tools/rt-health-run}

# What outpost-routed will install for tel, by hand: table 150 with the
# default route by gtel, the "oif tel0" rule the probes use, and a trap:
# the main table sends the far addresses by cnc0, so a probe that is not
# really bound to tel0 shows up in gcnc's counter.
hl_world()
{
	rt_world || return 1
	ns_exec node ip route add default via 198.51.100.1 dev tel0 table 150 || return 1
	ns_exec node ip rule add oif tel0 lookup 150 priority 1000 || return 1
	ns_exec node ip route add 192.0.2.0/24 via 203.0.113.1 dev cnc0 || return 1
}

# Milliseconds on CLOCK_MONOTONIC (the driver's t_ms).
hl_now()
{
	python3 -c 'import time; print(int(time.monotonic() * 1000))'
}

# hl_run LOG ARGS...: the driver in node on tel0 with ARGS (kind target
# interval down up seconds), output to LOG; its pid in HL_PID.
hl_run()
{
	local log=$1
	shift
	bg_run node "$HEALTH_RUN" tel0 "$@" >"$log" 2>"$log.err"
	HL_PID=$BG_PID
}

# hl_changes LOG [STATE]: how many changes (to STATE) LOG holds.
hl_changes()
{
	python3 - "$1" "${2:-}" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    d = json.loads(line)
    if "state" in d and (not sys.argv[2] or d["state"] == sys.argv[2]):
        n += 1
print(n)
PY
}

# hl_field LOG STATE FIELD [NTH]: FIELD of the NTH (1-based, default the
# last) change to STATE in LOG; "" when there is none; null prints "null".
hl_field()
{
	python3 - "$1" "$2" "$3" "${4:-0}" <<'PY'
import json, sys
got = [d for d in map(json.loads, open(sys.argv[1])) if d.get("state") == sys.argv[2]]
nth = int(sys.argv[4])
if got and nth <= len(got):
    v = got[nth - 1 if nth else -1][sys.argv[3]]
    print("null" if v is None else v)
PY
}

# hl_wait LOG STATE SECONDS [COUNT]: wait until LOG has COUNT (default 1)
# changes to STATE.
hl_wait()
{
	local log=$1 state=$2 secs=$3 count=${4:-1}
	_hl_has() { [ "$(hl_changes "$log" "$state")" -ge "$count" ]; }
	wait_until "$secs" _hl_has
}

# hl_final LOG FIELD: a member of the tracker's own JSON at the end.
hl_final()
{
	python3 - "$1" "$2" <<'PY'
import json, sys
for d in map(json.loads, open(sys.argv[1])):
    if "final" in d:
        v = d["final"][sys.argv[2]]
        print("null" if v is None else v)
PY
}

# hl_ok CONDITION DESCRIPTION: a test point that passes when the shell
# CONDITION (a string, evaluated) holds; the condition goes to the
# diagnostics when it does not.
hl_ok()
{
	local c=$1
	shift
	if eval "$c"; then
		ok 0 "$*"
	else
		ok 1 "$*"
		diag "failed: $c"
	fi
}
