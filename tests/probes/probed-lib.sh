# probed-lib.sh: what the outpost-probed tests share (bash), on top of
# tap.sh, netns.sh, broker.sh and tests/mqtt/pubd-lib.sh:
#
#	probed_world              namespaces "edge" (10.77.0.1) and "tgt"
#	                          (10.77.0.2 and .3, a TCP listener on 8080
#	                          of each), joined by a veth
#	probed_start CONF         outpost-probed -d -v in "edge" (PROBED_PID),
#	                          log in $PROBED_LOG; waits until it runs
#	probed_signal SIG         signal it; probed_stop: TERM and its status
#	rounds FILE NAME          the data of each round event of probe NAME
#	                          that the subscriber got, one JSON per line
#	changes FILE NAME         the same for its probe-change events
#	field JSON EXPR           python3 expression over d (the data)
#
# The daemon runs inside "edge", so its probes never leave the test's
# namespaces; its spool is the one outpost-pubd delivers on loopback.

PROBED=$top_builddir/probes/outpost-probed
PROBED_LOG=$NETNS_TMP/probed.log
PROBED_PID=

probed_world()
{
	ns_add edge && ns_add tgt || return 1
	veth_add edge eth0 tgt eth0 || return 1
	addr_add edge eth0 10.77.0.1/24 && addr_add tgt eth0 10.77.0.2/24 &&
		addr_add tgt eth0 10.77.0.3/24 || return 1
	bg_run tgt python3 -c '
import socket, threading
def serve(a):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a, 8080)); s.listen(64)
    while True:
        c, _ = s.accept(); c.close()
for a in ("10.77.0.2", "10.77.0.3"):
    threading.Thread(target=serve, args=(a,), daemon=True).start()
threading.Event().wait()
' >"$NETNS_TMP/listener.log" 2>&1
	wait_until 10 ns_exec edge bash -c 'exec 3<>/dev/tcp/10.77.0.3/8080' 2>/dev/null
}

probed_start()
{
	local n
	n=$(grep -c 'probing:' "$PROBED_LOG" 2>/dev/null)
	bg_run edge "$PROBED" -d -v -f "$1" >>"$PROBED_LOG" 2>&1
	PROBED_PID=$BG_PID
	wait_until 10 eval '[ "$(grep -c "probing:" "$PROBED_LOG")" -gt "${n:-0}" ]'
}

probed_signal() { kill "-$1" "$PROBED_PID" 2>/dev/null; }

probed_stop()
{
	local rc=0
	[ -n "$PROBED_PID" ] || return 0
	kill -TERM "$PROBED_PID" 2>/dev/null
	wait "$PROBED_PID" || rc=$?
	PROBED_PID=
	return "$rc"
}

# The data objects of the events on PREFIX/KIND/NAME in a subscriber's
# output ("qos topic payload" lines).
_events()
{
	python3 -c '
import json, sys
want = sys.argv[2]
for line in open(sys.argv[1], errors="replace"):
    parts = line.rstrip("\n").split(" ", 2)
    if len(parts) == 3 and parts[1] == want:
        print(json.dumps(json.loads(parts[2])["data"], sort_keys=True))
' "$1" "$PREFIX/$2/$3"
}

rounds() { _events "$1" probe "$2"; }
changes() { _events "$1" probe-change "$2"; }

field()
{
	python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' \
		"$1" "$2"
}
