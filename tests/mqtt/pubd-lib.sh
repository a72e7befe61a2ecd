# pubd-lib.sh: what the outpost-pubd tests share (bash), on top of tap.sh,
# netns.sh (teardown, NETNS_TMP) and broker.sh (a real mosquitto):
#
#	pubd_broker_start NAME [lines...]       a broker that keeps its store
#	pubd_conf FILE BROKER [mqtt lines...]   a config: [node] t1 in region
#	                                        "test", spool $SPOOL, [mqtt]
#	                                        url of BROKER plus the lines
#	pubd_start CONF; pubd_stop; pubd_kill   the daemon (PUBD_PID), log in
#	                                        $PUBD_LOG
#	sub_start ID QOS FILTER BROKER          a persistent subscriber (-c -i
#	                                        ID), output "qos topic payload" in
#	                                        $(sub_out ID); restarted by
#	                                        sub_alive ID if it died; with
#	                                        SUB_AUTH="-u USER -P PASS" it
#	                                        (and its probe) log in
#	events W COUNT [MAXBYTES]               COUNT test events from writer W
#	pairs FILE                              the "w:i" of every test event
#	                                        received, one per line
#	wait_until SECONDS CMD...               (tests/lib/tap.sh) poll CMD every 0.2 s
#	spool_count                             events left in $SPOOL/new
#
# The daemon runs in the foreground (-d) so its log goes to $PUBD_LOG; it
# is SIGKILLed at teardown if a test left it running.

PUBD=$top_builddir/modules/mqtt/outpost-pubd
SPOOL_WRITER=$top_builddir/tests/tools/spool-writer
SPOOL=$NETNS_TMP/spool
PREFIX=outpost/test/t1
PUBD_LOG=$NETNS_TMP/pubd.log
PUBD_PID=
declare -A SUB_PID=() SUB_ARGS=()

# As root the daemon drops to [node] user; nobody must reach the spool.
chmod 755 "$NETNS_TMP"

# pubd_broker_start NAME [mosquitto.conf lines...]: broker_start with
# "persistence true", so sessions and queued messages survive restarts.
pubd_broker_start()
{
	broker_start "$@" "persistence true"
}

pubd_conf()
{
	local f=$1 b=$2
	shift 2
	{
		echo "[node]"
		echo "id = t1"
		echo "region = test"
		echo "user = ${PUBD_USER:-nobody}"
		echo "spool = $SPOOL"
		echo "[mqtt]"
		echo "url = mqtt://127.0.0.1:$(broker_port "$b")"
		echo "reconnect-max = 1s"
		printf '%s\n' "$@"
	} >"$f"
}

# pubd_start CONF: start the daemon and wait (10 s) until it has set up
# the spool and is delivering.
pubd_start()
{
	local n
	n=$(grep -c 'delivering' "$PUBD_LOG" 2>/dev/null)
	"$PUBD" -d -v -f "$1" >>"$PUBD_LOG" 2>&1 &
	PUBD_PID=$!
	wait_until 10 eval '[ "$(grep -c delivering "$PUBD_LOG")" -gt "${n:-0}" ]'
}

_pubd_signal()
{
	local rc=0
	[ -n "$PUBD_PID" ] || return 0
	kill "-$1" "$PUBD_PID" 2>/dev/null
	wait "$PUBD_PID" || rc=$?
	PUBD_PID=
	return "$rc"
}

# pubd_stop: SIGTERM; returns the daemon's exit status.
pubd_stop() { _pubd_signal TERM; }
pubd_kill() { _pubd_signal KILL; }
on_exit pubd_kill

sub_out() { echo "$NETNS_TMP/sub-$1.out"; }

_sub_run()
{
	local id=$1
	# shellcheck disable=SC2086
	mosquitto_sub ${SUB_ARGS[$id]} -F '%q %t %p' >>"$(sub_out "$id")" \
		2>>"$NETNS_TMP/sub-$id.err" &
	SUB_PID[$id]=$!
}

# sub_start ID QOS FILTER BROKER: subscribe, and return once a message
# published to the filter comes through (so nothing later is missed).
sub_start()
{
	local id=$1 qos=$2 filter=$3 b=$4 probe
	SUB_ARGS[$id]="-p $(broker_port "$b") ${SUB_AUTH:-} -c -i $id -q $qos -t $filter"
	: >"$(sub_out "$id")"
	_sub_run "$id"
	on_exit "kill ${SUB_PID[$id]} 2>/dev/null"
	probe=$filter
	[[ $filter == *'#' ]] && probe=${filter%#}sync
	wait_until 10 _sub_probe "$id" "$b" "$probe"
}

_sub_probe()
{
	grep -q "^[0-2] $3 sync" "$(sub_out "$1")" && return 0
	# shellcheck disable=SC2086
	mosquitto_pub -p "$(broker_port "$2")" ${SUB_AUTH:-} -q 1 -t "$3" -m sync 2>/dev/null
	return 1
}

# sub_alive ID: restart the subscriber (same id, same session) if it died.
sub_alive()
{
	kill -0 "${SUB_PID[$1]}" 2>/dev/null && return 0
	wait "${SUB_PID[$1]}" 2>/dev/null
	_sub_run "$1"
	on_exit "kill ${SUB_PID[$1]} 2>/dev/null"
}

sub_stop()
{
	kill "${SUB_PID[$1]}" 2>/dev/null
	wait "${SUB_PID[$1]}" 2>/dev/null
}

events()
{
	"$SPOOL_WRITER" "$SPOOL" "$1" "$2" ${3:+"$3"}
}

pairs()
{
	grep -o '"w":[0-9]*,"i":[0-9]*' "$1" | sed 's/"w":\([0-9]*\),"i":\([0-9]*\)/\1:\2/'
}


spool_count()
{
	find "$SPOOL/new" -type f | wc -l
}
