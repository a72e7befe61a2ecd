# rabbitmq.sh: a private RabbitMQ with its MQTT plugin, inside a network
# namespace of the test's own, for MQTT tests (bash, after tap.sh and
# netns.sh). RabbitMQ 3.10 speaks only MQTT 3.1.1 (it closes the
# connection on a 5.0 CONNECT) and answers QoS 2 PUBLISH with PUBACK: the
# broker role no Mosquitto setting plays.
#
#	rabbitmq_start NS      start it in namespace NS (made here, loopback
#	                       only), MQTT on 127.0.0.1:1883 there; 0 once it
#	                       accepts connections (60 s at most)
#	rabbitmq_log           its log, for diagnostics
#
# Node name, data, logs, config and Erlang cookie live in
# $NETNS_TMP/rabbitmq; epmd and the node listen inside NS only, so nothing
# touches a system RabbitMQ or the machine's network. netns.sh's teardown
# kills every process in NS (the node and its epmd), also when the test
# fails halfway.

RABBITMQ_SERVER=/usr/lib/rabbitmq/bin/rabbitmq-server
RABBITMQ_DIR=$NETNS_TMP/rabbitmq

rabbitmq_log() { cat "$RABBITMQ_DIR/out" "$RABBITMQ_DIR"/log/*.log 2>/dev/null | tail -40; }

# _rabbitmq_up NS: whether the MQTT listener accepts inside NS.
_rabbitmq_up()
{
	ip netns exec "$(ns "$1")" bash -c 'exec 3<>/dev/tcp/127.0.0.1/1883' 2>/dev/null
}

rabbitmq_start()
{
	local nsname=$1 i
	[ -x "$RABBITMQ_SERVER" ] || bail "needs rabbitmq-server (run contrib/install-deps)"
	ns_add "$nsname"
	mkdir -p "$RABBITMQ_DIR/log" "$RABBITMQ_DIR/mnesia"
	cat >"$RABBITMQ_DIR/rabbitmq.conf" <<-CONF
		listeners.tcp = none
		mqtt.listeners.tcp.default = 127.0.0.1:1883
		mqtt.allow_anonymous = true
		loopback_users = none
	CONF
	echo '[rabbitmq_mqtt].' >"$RABBITMQ_DIR/enabled_plugins"
	bg_run "$nsname" env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin HOME="$RABBITMQ_DIR" \
		LANG=C.UTF-8 RABBITMQ_CONF_ENV_FILE=/dev/null \
		RABBITMQ_NODENAME=rabbit@localhost \
		RABBITMQ_MNESIA_BASE="$RABBITMQ_DIR/mnesia" \
		RABBITMQ_LOG_BASE="$RABBITMQ_DIR/log" \
		RABBITMQ_ENABLED_PLUGINS_FILE="$RABBITMQ_DIR/enabled_plugins" \
		RABBITMQ_CONFIG_FILE="$RABBITMQ_DIR/rabbitmq" \
		RABBITMQ_PID_FILE="$RABBITMQ_DIR/pid" \
		ERL_EPMD_ADDRESS=127.0.0.1 \
		"$RABBITMQ_SERVER" >"$RABBITMQ_DIR/out" 2>&1
	for i in $(seq 600); do
		_rabbitmq_up "$nsname" && return 0
		kill -0 "$BG_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
