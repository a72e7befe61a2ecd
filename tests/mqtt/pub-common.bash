# pub-common.bash: what the outpost-pub tests share (bash): the tool's
# path and a mosquitto_sub counter that is known to be subscribed.
#	. "$top_srcdir/tests/mqtt/pub-common.bash"   # after tap, netns, broker
#	sub_start NAME PORT TOPIC [mosquitto_sub args...]
#	sub_wait NAME COUNT [SECONDS]   -> lines received in $NETNS_TMP/sub-NAME.got

PUB=$top_builddir/modules/mqtt/outpost-pub
PATH=$PATH:/usr/sbin
declare -A SUB_PID=()
# Extra mosquitto_pub options for the probe (a user name, ...).
SUB_AUTH=()
# The probe, as text or as mosquitto_sub -F %x prints it.
SUB_PROBE='(__ready__|5f5f72656164795f5f)$'

# The counter is ready once it received a probe published to its topic.
sub_start()
{
	local name=$1 port=$2 topic=$3 f=$NETNS_TMP/sub-$1 i
	shift 3
	mosquitto_sub -p "$port" -t "$topic" "$@" >"$f" 2>"$f.err" &
	SUB_PID[$name]=$!
	on_exit "kill ${SUB_PID[$name]} 2>/dev/null"
	for i in $(seq 100); do
		mosquitto_pub -p "$port" -t "$topic" -m __ready__ -q 0 "${SUB_AUTH[@]}" 2>/dev/null
		grep -Eq "$SUB_PROBE" "$f" && return 0
		sleep 0.1
	done
	diag "subscriber $name never got ready: $(cat "$f.err")"
	return 1
}

# Wait until COUNT messages (probes aside) arrived or SECONDS passed
# (default 30), stop the counter and leave the messages in .got.
sub_wait()
{
	local name=$1 want=$2 secs=${3:-30} f=$NETNS_TMP/sub-$1 i
	for i in $(seq $((secs * 10))); do
		[ "$(grep -Evc "$SUB_PROBE" "$f")" -ge "$want" ] && break
		sleep 0.1
	done
	kill "${SUB_PID[$name]}" 2>/dev/null
	wait "${SUB_PID[$name]}" 2>/dev/null
	grep -Ev "$SUB_PROBE" "$f" >"$f.got"
}

# Lines of NAME's .got, and how many of them are different.
sub_count() { wc -l <"$NETNS_TMP/sub-$1.got" | tr -d ' '; }
sub_unique() { sort -u "$NETNS_TMP/sub-$1.got" | wc -l | tr -d ' '; }
