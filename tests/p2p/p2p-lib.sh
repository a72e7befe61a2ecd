# p2p-lib.sh: the P2P tests' world (bash), built on tests/lib/netns.sh.
#
#	. "$top_srcdir/tests/lib/tap.sh"
#	. "$top_srcdir/tests/lib/netns.sh"
#	. "$top_srcdir/tests/p2p/p2p-lib.sh"
#	p2p_begin 2 aria2c          (root, commands, a built outpost-p2p, world)
#	p2p_content "$T/src" data 4  (4 MiB of seeded random bytes, 3 files)
#
# One LAN: namespace "lan" holds bridge br0 (no multicast snooping, so
# LSD's multicast floods); every node has eth0 on it:
#
#   seed    10.0.0.2   2001:db8::2     a seeder (outpost or a real client)
#   origin  10.0.0.3   2001:db8::3     nginx web seed (:80, :443 with a
#                                      test CA) and opentracker (:6969)
#   p<I>    10.0.0.1I  2001:db8::1I    peers p1..pN (I < 10)
#
# tests/p2p/p2p-world.sh proves all of this with the real clients alone.
# Every BitTorrent client listens on 6881 in its own namespace, so a peer
# is always ADDR:6881. Files go to $NETNS_TMP (removed at teardown).
# Clients: p2p_aria2, p2p_tr (transmission-cli), p2p_lt (bt-lt.py,
# libtorrent 2.0 through /usr/bin/python3), p2p_op / p2p_get (outpost-p2p).
# Their quirks: aria2c cannot be given a peer (an outpost seed dials it,
# or the tracker); transmission-cli neither, and never exits (watch the
# files, kill it); this opentracker serves whitelisted hashes only
# (p2p_tracker TORRENT... allows them).
P2P=${P2P:-$top_builddir/modules/p2p/outpost-p2p}
P2P_TOOLS=$top_srcdir/tests/tools
P2P_PORT=6881
P2P_SEED4=10.0.0.2
P2P_SEED6=2001:db8::2
P2P_ORIGIN4=10.0.0.3
P2P_ORIGIN6=2001:db8::3
P2P_TRACKER=http://10.0.0.3:6969/announce
P2P_WEB=http://10.0.0.3
P2P_WEBS=https://10.0.0.3
P2P_N=0
LT_PY=/usr/bin/python3

# p2p_ip NODE [6]: a node's address. A node of another world (one not
# named seed, origin or p<I>) answers with the first global address of
# its eth0, so the helpers below work there too.
p2p_ip()
{
	local h
	case $1 in
	seed) h=2 ;;
	origin) h=3 ;;
	p*) h=1${1#p} ;;
	*)
		ip -n "$(ns "$1")" -"${2:-4}" -o addr show dev eth0 scope global 2>/dev/null |
			awk '{ sub("/.*", "", $4); print $4; f = 1; exit } END { exit !f }'
		return
		;;
	esac
	if [ "${2:-4}" = 6 ]; then printf '2001:db8::%s\n' "$h"; else printf '10.0.0.%s\n' "$h"; fi
}

# p2p_begin N [CMD...]: root, the commands, and the world with N peers.
# Set P2P_NEED_TOOL=0 before to prove a test's world with real clients
# only (no outpost-p2p needed).
p2p_begin()
{
	local n=$1
	shift
	require_root
	require_cmd python3 openssl "$@"
	if [ "${P2P_NEED_TOOL:-1}" = 1 ] && [ ! -x "$P2P" ]; then
		# Until the tool's sources are in the tree there is nothing to
		# test; once they are, a missing binary is a broken build.
		[ -f "$top_srcdir/modules/p2p/outpost-p2p.c" ] || skip_all "outpost-p2p is not in this tree yet"
		bail "no $P2P (build it first)"
	fi
	# Transfers at full speed take both cores: timing tests beside them
	# (hijack verdicts, ping accuracy) misjudge, so they run alone.
	netns_exclusive
	p2p_world "$n" || bail "the p2p world could not be built"
	T=$NETNS_TMP
}

p2p_node()
{
	local name=$1 port=v-$1
	ns_add "$name" || return 1
	veth_add lan "$port" "$name" eth0 || return 1
	ip -n "$(ns lan)" link set dev "$port" master br0 || return 1
	addr_add "$name" eth0 "$(p2p_ip "$name")/24" || return 1
	addr_add "$name" eth0 "$(p2p_ip "$name" 6)/64" || return 1
	# LSD sends to 239.192.152.143: multicast needs a route out.
	route_add "$name" 224.0.0.0/4 dev eth0 || return 1
}

p2p_world()
{
	local i
	P2P_N=$1
	ns_add lan || return 1
	bridge_add lan br0 || return 1
	ip -n "$(ns lan)" link set dev br0 type bridge mcast_snooping 0 || return 1
	p2p_node seed || return 1
	p2p_node origin || return 1
	for i in $(seq "$P2P_N"); do
		p2p_node "p$i" || return 1
	done
}

# p2p_content DIR NAME MIB [NFILES]: DIR/NAME, a folder of NFILES files
# (default 3; 1: DIR/NAME is one file) of MIB MiB together, random bytes
# that depend on NAME only. Sizes are not piece multiples on purpose.
p2p_content()
{
	local dir=$1 name=$2 mib=$3 nf=${4:-3} total i sz left
	total=$((mib * 1048576))
	mkdir -p "$dir" || return 1
	if [ "$nf" = 1 ]; then
		_p2p_bytes "$name" "$total" >"$dir/$name"
		return
	fi
	mkdir -p "$dir/$name/sub" || return 1
	left=$total
	for i in $(seq "$nf"); do
		if [ "$i" = "$nf" ]; then sz=$left; else sz=$((total / nf + 12345 * i)); fi
		left=$((left - sz))
		if [ "$i" = 2 ]; then
			_p2p_bytes "$name.$i" "$sz" >"$dir/$name/sub/file$i.bin"
		else
			_p2p_bytes "$name.$i" "$sz" >"$dir/$name/file$i.bin"
		fi
	done
}

_p2p_bytes()
{
	openssl enc -aes-128-ctr -nosalt -pass "pass:$1" -pbkdf2 </dev/zero 2>/dev/null | head -c "$2"
}

# p2p_sha PATH: one digest of a file or of a folder's files and their
# relative names, so two trees compare with one string (BEP 47 pad
# files, in .pad/, left out).
p2p_sha()
{
	if [ -f "$1" ]; then
		sha256sum <"$1" | cut -d' ' -f1
	elif [ -d "$1" ]; then
		(cd "$1" && find . -path ./.pad -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) |
			sha256sum | cut -d' ' -f1
	else
		echo missing
	fi
}

# p2p_size PATH: bytes in a file or folder (apparent sizes).
p2p_size()
{
	find "$1" -type f -printf '%s\n' 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'
}

# p2p_mktorrent SRC OUT [ARGS...]: a v1 .torrent by mktorrent (a real
# tool, not ours), 256 KiB pieces unless ARGS say.
p2p_mktorrent()
{
	local src=$1 out=$2
	shift 2
	mktorrent -l 18 -o "$out" "$@" "$src" >/dev/null
}

# p2p_lt_create SRC OUT v1|v2|hybrid [--tracker URL] [--webseed URL]:
# a .torrent by libtorrent.
p2p_lt_create()
{
	local src=$1 out=$2 ver=$3
	shift 3
	"$LT_PY" "$P2P_TOOLS/bt-lt.py" create --"$ver" "$@" "$src" "$out"
}

# p2p_nginx DIR [LIMIT_RATE]: nginx in origin serving DIR on :80 and
# :443 (cert for 10.0.0.3 and origin.test by the test CA $T/pki/ca.pem),
# and on :8080 closing every connection after 2 requests or 1 s idle;
# access log with the bytes of each response's body (field 2) and, last,
# the connection's serial number, its request count and the client's
# address. P2P_ORIGIN4/6 say where it listens.
p2p_nginx()
{
	local root=$1 rate=${2:-0} dir=$NETNS_TMP/nginx
	mkdir -p "$dir" || return 1
	p2p_pki || return 1
	chmod 755 "$NETNS_TMP" "$dir"
	chmod -R a+rX "$root"
	cat >"$dir/nginx.conf" <<EOF
user root;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log info;
events { worker_connections 256; }
http {
  log_format p2p '\$status \$body_bytes_sent "\$request" "\$http_range" \$connection \$connection_requests \$remote_addr';
  access_log $dir/access.log p2p;
  client_body_temp_path $dir/body; proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi; uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;
  default_type application/octet-stream;
  root $root;
  limit_rate $rate;
  server { listen $P2P_ORIGIN4:80; listen [$P2P_ORIGIN6]:80; }
  server { listen $P2P_ORIGIN4:8080; keepalive_requests 2; keepalive_timeout 1s; }
  server { listen $P2P_ORIGIN4:443 ssl; listen [$P2P_ORIGIN6]:443 ssl; server_name origin.test;
    ssl_certificate $NETNS_TMP/pki/origin.pem; ssl_certificate_key $NETNS_TMP/pki/origin.key; }
}
EOF
	bg_run origin nginx -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/stderr" 2>&1
	wait_until 10 p2p_port_open origin "$P2P_ORIGIN4" 443 || {
		diag "nginx did not come up: $(tail -5 "$dir/stderr" "$dir/error.log" 2>/dev/null)"
		return 1
	}
}

# p2p_origin_bytes: body bytes nginx sent so far, all requests.
p2p_origin_bytes()
{
	awk '{ s += $2 } END { print s + 0 }' "$NETNS_TMP/nginx/access.log" 2>/dev/null
}

# p2p_origin_lines: how many requests nginx logged so far (a mark for
# p2p_origin_conns).
p2p_origin_lines()
{
	wc -l <"$NETNS_TMP/nginx/access.log" 2>/dev/null || echo 0
}

# p2p_origin_conns [MARK]: "REQUESTS CONNECTIONS" nginx logged after
# line MARK (default 0): keep-alive shows as far fewer connections.
p2p_origin_conns()
{
	awk -v from="${1:-0}" 'NR > from { n++; if (!seen[$(NF - 2)]++) c++ }
		END { print n + 0, c + 0 }' "$NETNS_TMP/nginx/access.log" 2>/dev/null
}

# A test CA and a certificate for origin.test (and 10.0.0.3).
p2p_pki()
{
	local d=$NETNS_TMP/pki
	[ -f "$d/origin.pem" ] && return 0
	mkdir -p "$d" && (
		cd "$d" || exit 1
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
			-subj "/CN=Outpost p2p test CA" -keyout ca.key -out ca.pem 2>/dev/null &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-subj "/CN=origin.test" -keyout origin.key -out origin.csr 2>/dev/null &&
		printf 'subjectAltName=DNS:origin.test,IP:%s\n' "$P2P_ORIGIN4" >ext.cnf &&
		openssl x509 -req -in origin.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
			-extfile ext.cnf -out origin.pem 2>/dev/null
	)
}

# p2p_tracker TORRENT...: opentracker in origin on 10.0.0.3:6969 (TCP and
# UDP), chrooted to $T/tracker. This build only serves whitelisted info-hashes: the torrents' v1
# and (truncated) v2 hashes, computed by libtorrent, are allowed.
# Elsewhere: P2P_TRACKER_NS (namespace) and P2P_TRACKER_ADDR (address).
p2p_tracker()
{
	local d=$NETNS_TMP/tracker tns=${P2P_TRACKER_NS:-origin} taddr=${P2P_TRACKER_ADDR:-$P2P_ORIGIN4}
	mkdir -p "$d"
	"$LT_PY" -c 'import sys, libtorrent as lt
for f in sys.argv[1:]:
    ih = lt.torrent_info(f).info_hashes()
    if ih.has_v1():
        print(ih.v1)
    if ih.has_v2():
        print(str(ih.v2)[:40])' "$@" >"$d/whitelist" || return 1
	bg_run "$tns" opentracker -i "$taddr" -p 6969 -P 6969 -d "$d" -w whitelist \
		>"$d/log" 2>&1
	wait_until 10 p2p_port_open "$tns" "$taddr" 6969 || {
		diag "opentracker did not come up: $(cat "$d/log")"
		return 1
	}
}

# p2p_tracker_seeded TORRENT: wait (30 s at most) until opentracker's
# scrape counts a seed of TORRENT, so a getter started next finds it on
# its first announce (the next one would be half an hour later).
# P2P_TRACKER_NS and P2P_TRACKER_ADDR as for p2p_tracker.
p2p_tracker_seeded()
{
	local q
	q=$("$LT_PY" -c 'import sys, urllib.parse, libtorrent as lt
ih = lt.torrent_info(sys.argv[1]).info_hashes()
print(urllib.parse.quote(bytes.fromhex(str(ih.v1 if ih.has_v1() else ih.v2)[:40]), safe=""))' "$1") || return 1
	wait_until 30 _p2p_scrape_seeded "$q" || diag "the tracker never counted a seed of $1"
}

_p2p_scrape_seeded()
{
	ns_exec "${P2P_TRACKER_NS:-origin}" curl -s --max-time 2 \
		"http://${P2P_TRACKER_ADDR:-$P2P_ORIGIN4}:6969/scrape?info_hash=$1" 2>/dev/null |
		grep -aq 'completei[1-9]'
}

# p2p_tx_bytes NODE: bytes NODE's eth0 has sent (the kernel's count,
# headers included), independent of what any client reports.
p2p_tx_bytes()
{
	ip -n "$(ns "$1")" -s -j link show dev eth0 |
		python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["bytes"])'
}

# p2p_port_open NS ADDR PORT: something listens there.
p2p_port_open()
{
	ns_exec "$1" bash -c "(exec 3<>/dev/tcp/$2/$3) 2>/dev/null"
}

# p2p_wait_listen NODE [SECONDS]: wait until NODE listens on 6881.
p2p_wait_listen()
{
	wait_until "${2:-20}" p2p_port_open "$1" "$(p2p_ip "$1")" "$P2P_PORT"
}

# p2p_wait_file PATH SHA SECONDS: until PATH's digest is SHA.
p2p_wait_sha()
{
	wait_until "$3" _p2p_sha_is "$1" "$2"
}
_p2p_sha_is() { [ "$(p2p_sha "$1")" = "$2" ]; }

# p2p_wait_exit PID SECONDS: until PID exits; its status in P2P_RC
# (124 when it did not exit in time: then it is killed).
p2p_wait_exit()
{
	local pid=$1 deadline=$((SECONDS + $2))
	while _netns_alive "$pid"; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			bg_kill "$pid"
			P2P_RC=124
			return 1
		fi
		sleep 0.2
	done
	P2P_RC=0
	wait "$pid" || P2P_RC=$?
	return 0
}

# --- real clients ---------------------------------------------------------

# p2p_aria2 NODE TORRENT DIR seed|get [ARGS...]: aria2c in NODE, its output
# in $T/aria2-NODE.log, pid in BG_PID. seed: verifies DIR and seeds until
# killed; get: downloads into DIR and exits when done.
p2p_aria2()
{
	local node=$1 tor=$2 dir=$3 mode=$4 extra
	shift 4
	if [ "$mode" = seed ]; then
		extra=(-V --seed-ratio=0.0)
	else
		extra=(--seed-time=0)
	fi
	mkdir -p "$dir"
	bg_run "$node" aria2c --enable-dht=false --enable-dht6=false --bt-enable-lpd=false \
		--enable-peer-exchange=false --bt-external-ip="$(p2p_ip "$node")" \
		--listen-port="$P2P_PORT" --dht-listen-port=6882 --file-allocation=none \
		--bt-stop-timeout=120 --console-log-level=warn --summary-interval=0 \
		--bt-require-crypto=false --bt-min-crypto-level=plain \
		--check-certificate=false --allow-overwrite=true --auto-file-renaming=false \
		-d "$dir" "${extra[@]}" "$@" "$tor" >"$NETNS_TMP/aria2-$node.log" 2>&1
}

# p2p_tr NODE TORRENT DIR: transmission-cli in NODE (no DHT, LPD, PEX;
# plaintext first: outpost does not speak MSE),
# HOME and config of its own; -v: checks what DIR holds first, as its
# resume file may be stale. It never exits: kill BG_PID when done.
p2p_tr()
{
	local node=$1 tor=$2 dir=$3 cfg=$NETNS_TMP/tr-$1
	mkdir -p "$cfg" "$dir"
	cat >"$cfg/settings.json" <<EOF
{ "dht-enabled": false, "lpd-enabled": false, "pex-enabled": false,
  "utp-enabled": false, "port-forwarding-enabled": false,
  "peer-port": $P2P_PORT, "peer-port-random-on-start": false,
  "encryption": 0, "bind-address-ipv4": "$(p2p_ip "$node")",
  "download-dir": "$dir", "incomplete-dir-enabled": false,
  "ratio-limit-enabled": false, "speed-limit-up-enabled": false,
  "message-level": 1 }
EOF
	HOME=$cfg bg_run "$node" transmission-cli -g "$cfg" -w "$dir" -p "$P2P_PORT" \
		-et -v "$tor" >"$NETNS_TMP/tr-$node.log" 2>&1
}

# p2p_lt NODE ARGS...: bt-lt.py (libtorrent) in NODE listening on
# NODE:6881; output (JSON lines) in $T/lt-NODE.log, pid in BG_PID.
p2p_lt()
{
	local node=$1
	shift
	bg_run "$node" "$LT_PY" "$P2P_TOOLS/bt-lt.py" --listen "$(p2p_ip "$node"):$P2P_PORT" "$@" \
		>"$NETNS_TMP/lt-$node.log" 2>&1
}

# --- outpost-p2p -------------------------------------------------------------

# p2p_op NODE ARGS...: outpost-p2p in the background in NODE, --json
# lines in $T/op-NODE.json, stderr in $T/op-NODE.err, pid in BG_PID.
p2p_op()
{
	local node=$1
	shift
	bg_run "$node" "$P2P" "$@" >"$NETNS_TMP/op-$node.json" 2>"$NETNS_TMP/op-$node.err"
}

# p2p_done NODE: the "done" line of NODE's outpost-p2p --json output.
p2p_last()
{
	tail -n 1 "$NETNS_TMP/op-$1.json" 2>/dev/null
}

# p2p_jget JSON KEY: a top-level value of one JSON object (python3).
p2p_jget()
{
	python3 -c 'import json, sys
try:
    v = json.loads(sys.argv[1]).get(sys.argv[2])
except Exception:
    v = None
print("null" if v is None else (str(v).lower() if isinstance(v, bool) else v))' "$1" "$2"
}

# p2p_events NODE EVENT: how many {"type":"event","event":EVENT} lines.
p2p_events()
{
	python3 -c 'import json, sys
n = 0
for line in open(sys.argv[1], errors="replace"):
    try:
        o = json.loads(line)
    except Exception:
        continue
    if o.get("type") == "event" and o.get("event") == sys.argv[2]:
        n += 1
print(n)' "$NETNS_TMP/op-$1.json" "$2"
}

# p2p_event_texts NODE EVENT: the text of each such event, one a line.
p2p_event_texts()
{
	python3 -c 'import json, sys
for line in open(sys.argv[1], errors="replace"):
    try:
        o = json.loads(line)
    except Exception:
        continue
    if o.get("type") == "event" and o.get("event") == sys.argv[2]:
        print(o.get("text"))' "$NETNS_TMP/op-$1.json" "$2"
}

# p2p_diag_logs NAMES...: the tails of the named logs in $T, for a failure.
p2p_diag_logs()
{
	local f
	for f; do
		[ -f "$NETNS_TMP/$f" ] || continue
		diag "--- $f"
		diag "$(tail -n 15 "$NETNS_TMP/$f")"
	done
}

# p2p_get NODE ARGS...: outpost-p2p get ARGS in NODE in the foreground,
# stdout in $T/op-NODE.json (p2p_last NODE: its last line), stderr in
# $T/op-NODE.err; the exit status is get's. On failure the tail of both
# is printed, for run_ok's diagnostics.
p2p_get()
{
	local node=$1 rc=0
	shift
	ns_exec "$node" "$P2P" get "$@" >"$NETNS_TMP/op-$node.json" 2>"$NETNS_TMP/op-$node.err" ||
		rc=$?
	if [ "$rc" != 0 ]; then
		tail -n 5 "$NETNS_TMP/op-$node.json" "$NETNS_TMP/op-$node.err"
	fi
	return "$rc"
}
