# broker.sh: a real Mosquitto broker on loopback for MQTT tests (bash).
#
#	. "$top_srcdir/tests/lib/tap.sh"
#	. "$top_srcdir/tests/lib/netns.sh"   # teardown, NETNS_TMP, free_port
#	. "$top_srcdir/tests/lib/broker.sh"
#	broker_start b1 "persistence true"   # extra mosquitto.conf lines
#	mosquitto_sub -p "$(broker_port b1)" ...
#	broker_stop b1; broker_restart b1; broker_kill b1
#	certs_make "$NETNS_TMP/certs" localhost
#
# Each broker keeps its config, log, pid and persistence file in
# $NETNS_TMP/broker-NAME and listens on a free 127.0.0.1 port that stays
# the same across restarts.  Queues and in-flight windows are unbounded,
# so a slow test subscriber never makes the broker drop messages.
# Brokers are killed by netns.sh's teardown (registered with on_exit),
# also when a test fails halfway.

broker_dir() { echo "$NETNS_TMP/broker-$1"; }
broker_port() { cat "$(broker_dir "$1")/port"; }
broker_log() { cat "$(broker_dir "$1")/log"; }

# wait_port PORT: until something accepts on 127.0.0.1:PORT (~10 s).
wait_port()
{
	local i
	for i in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

_broker_run()
{
	local dir
	dir=$(broker_dir "$1")
	mosquitto -c "$dir/mosquitto.conf" >>"$dir/log" 2>&1 &
	echo $! >"$dir/pid"
	wait_port "$(cat "$dir/port")"
}

# broker_start NAME [mosquitto.conf lines...]: 0 once it listens.
broker_start()
{
	local name=$1 dir port line anon=1
	shift
	dir=$(broker_dir "$name")
	mkdir -p "$dir"
	# Mosquitto started as root switches to its own user, which must be
	# able to write its persistence file into the folder.
	chmod 755 "$NETNS_TMP" "$dir"
	[ "$(id -u)" = 0 ] && id mosquitto >/dev/null 2>&1 && chown mosquitto "$dir"
	port=$(free_port)
	echo "$port" >"$dir/port"
	{
		echo "listener $port 127.0.0.1"
		echo "persistence_location $dir/"
		echo "log_dest stderr"
		echo "log_type error"
		echo "log_type warning"
		echo "max_queued_messages 0"
		echo "max_inflight_messages 0"
		for line in "$@"; do
			echo "$line"
			case $line in allow_anonymous*|password_file*) anon=0 ;; esac
		done
		case " $* " in *" persistence true"*) ;; *) echo "persistence false" ;; esac
		[ "$anon" = 1 ] && echo "allow_anonymous true"
	} >"$dir/mosquitto.conf"
	on_exit broker_kill "$name"
	_broker_run "$name"
}

# broker_signal SIG NAME: signal the broker and wait until it is gone.
broker_signal()
{
	local dir pid
	dir=$(broker_dir "$2")
	[ -f "$dir/pid" ] || return 0
	pid=$(cat "$dir/pid")
	kill "-$1" "$pid" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	wait "$pid" 2>/dev/null
	rm -f "$dir/pid"
	return 0
}

broker_stop() { broker_signal TERM "$1"; }
broker_kill() { broker_signal KILL "$1"; }
broker_restart() { broker_stop "$1"; _broker_run "$1"; }

# broker_passwd NAME USER PASS: add a user to NAME's password file, to be
# named with "password_file $(broker_dir NAME)/passwd" at broker_start.
broker_passwd()
{
	local dir
	dir=$(broker_dir "$1")
	mkdir -p "$dir"
	[ -f "$dir/passwd" ] || : >"$dir/passwd"
	mosquitto_passwd -b "$dir/passwd" "$2" "$3" >/dev/null 2>&1
	chmod 644 "$dir/passwd"
}

# certs_make DIR HOST: ca.pem/ca.key, server.pem/server.key for HOST (and
# nothing else), client.pem/client.key signed by the CA, and other-ca.pem,
# a CA that signed none of them.
certs_make()
{
	local dir=$1 host=$2
	mkdir -p "$dir"
	(
		cd "$dir" || exit 1
		_cert_ca ca "Outpost test CA" &&
		_cert_leaf server "$host" "subjectAltName=DNS:$host" &&
		_cert_leaf client client "extendedKeyUsage=clientAuth" &&
		_cert_ca other-ca "Some other CA"
	) || return 1
	chmod 755 "$dir"
	chmod 644 "$dir"/*.pem "$dir"/*.key
}

_cert_ca()
{
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$2" \
		-keyout "$1.key" -out "$1.pem" 2>/dev/null
}

_cert_leaf()
{
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" \
		-keyout "$1.key" -out "$1.csr" 2>/dev/null &&
	printf '%s\n' "$3" >"$1.ext" &&
	openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
		-days 2 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
