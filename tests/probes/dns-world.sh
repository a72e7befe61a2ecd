# dns-world.sh: the world of the DNS probe and hijack tests (bash).
#
#	. "$top_srcdir/tests/lib/tap.sh"; . "$top_srcdir/tests/lib/netns.sh"
#	. "$top_srcdir/tests/probes/dns-world.sh"
#	require_root
#	dns_world	namespaces c (client) -- r (router) -- s (servers):
#			  c  eth0 10.53.1.1/24, default via r
#			  r  eth0 10.53.1.254 (c's side), eth1 10.53.2.254,
#			     forwarding; 10.53.3.0/24 (the sink) routed to s
#			  s  eth0 10.53.2.53 honest resolver, .54 liar,
#			     .10 www.example.test (HTTPS), .11 other.example.test
#			     (HTTPS); lo 10.53.3.1 = $DNS_SINK, which runs no
#			     DNS server
#			IPv6 too: c 2001:db8:53:1::1, r ::fe on both sides,
#			s 2001:db8:53:2::53 = $DNS_RESOLVER6 (the honest
#			resolver again)
#			c's resolv.conf names the honest resolver.
#	dns_honest	dnsmasq on 10.53.2.53:53 (UDP and TCP, 256 TCP connections
#			at once rather than 20, for many DoT cases through
#			stunnel in one run), authoritative for
#			example.test: www A 10.53.2.10, other A 10.53.2.11,
#			mail A 10.53.2.25, TXT/MX/SRV records (TTL 0); anything else
#			under example.test is NXDOMAIN. Log: $NETNS_TMP/dnsmasq.log
#	dns_certs	$DNS_PKI: ca.pem, www (www.example.test), other
#			(other.example.test), dot (dot.example.test + IP
#			10.53.2.53), wrong (wrong.example.test)
#	dns_dot [CERT [PORT]]	stunnel on 10.53.2.53:PORT (853) in front of
#			the honest resolver (DNS over TLS, RFC 7858), with
#			cert CERT (dot; "wrong" for one valid for another
#			name); log $NETNS_TMP/stunnel.log for port 853,
#			stunnel-PORT.log for others (a line per connection)
#	dns_https	nginx: 10.53.2.10:443 with the www cert, 10.53.2.11:443
#			with the other cert; log $NETNS_TMP/nginx/access.log
#	dns_liar MODE [ARGS]	tests/tools/dns-liar.py on 10.53.2.54, upstream
#			the honest resolver; log $NETNS_TMP/liar.log;
#			dns_liar_stop before starting another mode
#	dns_injector [ARGS]	tests/tools/dns-injector.py on r's eth0 (c's
#			side); log $NETNS_TMP/injector.log
#	dns_slow MS	delay what s sends by MS (tests/lib/netns.sh netem), so
#			an injected answer from r arrives first
#
# Addresses: 10.53.0.0/16 and 2001:db8:53::/48, inside the namespaces only.

DNS_PKI=$NETNS_TMP/dnspki
DNS_RESOLVER=10.53.2.53
DNS_RESOLVER6=2001:db8:53:2::53
DNS_LIAR=10.53.2.54
DNS_WWW=10.53.2.10
DNS_OTHER=10.53.2.11
DNS_SINK=10.53.3.1
_dns_tools=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools" && pwd)

dns_world()
{
	ns_add c && ns_add r && ns_add s || return 1
	veth_add c eth0 r eth0 && veth_add r eth1 s eth0 || return 1
	addr_add c eth0 10.53.1.1/24 && addr_add r eth0 10.53.1.254/24 || return 1
	addr_add r eth1 10.53.2.254/24 || return 1
	local a
	for a in 53 54 10 11; do
		addr_add s eth0 "10.53.2.$a/24" || return 1
	done
	addr_add s lo "$DNS_SINK/32" || return 1
	route_add c default via 10.53.1.254 && route_add s default via 10.53.2.254 || return 1
	route_add r 10.53.3.0/24 via 10.53.2.53 || return 1
	ns_sysctl r net.ipv4.ip_forward=1 || return 1
	# IPv6 along the same path, for the v6 cases.
	addr_add c eth0 2001:db8:53:1::1/64 && addr_add r eth0 2001:db8:53:1::fe/64 || return 1
	addr_add r eth1 2001:db8:53:2::fe/64 && addr_add s eth0 "$DNS_RESOLVER6/64" || return 1
	ip -n "$(ns c)" -6 route add default via 2001:db8:53:1::fe &&
		ip -n "$(ns s)" -6 route add default via 2001:db8:53:2::fe || return 1
	ns_sysctl r net.ipv6.conf.all.forwarding=1 || return 1
	mkdir -p "/etc/netns/$(ns c)" || return 1
	on_exit rm -rf "/etc/netns/$(ns c)"
	printf 'nameserver %s\noptions timeout:1 attempts:1\n' "$DNS_RESOLVER" \
		>"/etc/netns/$(ns c)/resolv.conf"
	printf '127.0.0.1 localhost\n' >"/etc/netns/$(ns c)/hosts"
}

# _dns_ready NS ADDR NAME: wait until ADDR answers NAME from NS.
_dns_ready()
{
	wait_until 10 ns_exec "$1" dig +time=1 +tries=1 +short "@$2" "$3" A >/dev/null 2>&1 &&
		[ -n "$(ns_exec "$1" dig +time=1 +tries=1 +short "@$2" "$3" A)" ]
}

dns_honest()
{
	bg_run s dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
		--listen-address="$DNS_RESOLVER,$DNS_RESOLVER6" --bind-interfaces --user=root --group=root \
		--log-queries --log-facility="$NETNS_TMP/dnsmasq.log" \
		--local=/example.test/ --max-tcp-connections=256 \
		--host-record=www.example.test,"$DNS_WWW" \
		--host-record=other.example.test,"$DNS_OTHER" \
		--host-record=mail.example.test,10.53.2.25 \
		--txt-record=txt.example.test,"outpost test zone" \
		--mx-host=example.test,mail.example.test,10 \
		--srv-host=_dns._udp.example.test,www.example.test,53,0,10 \
		>"$NETNS_TMP/dnsmasq.out" 2>&1 || return 1
	_dns_ready c "$DNS_RESOLVER" www.example.test
}

# _dns_leaf NAME SAN: a leaf signed by the test CA, 20 days.
_dns_leaf()
{
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
		-subj "/O=Outpost tests/CN=${2#DNS:}" -out "$1.csr" 2>/dev/null &&
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\n' "$2" >"$1.ext" &&
	openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 20 \
		-extfile "$1.ext" -out "$1.pem" 2>/dev/null
}

dns_certs()
{
	mkdir -p "$DNS_PKI" || return 1
	(
		cd "$DNS_PKI" || exit 1
		openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout ca.key -days 30 -subj "/O=Outpost tests/CN=Outpost DNS test CA" \
			-out ca.pem 2>/dev/null || exit 1
		_dns_leaf www "DNS:www.example.test" &&
		_dns_leaf other "DNS:other.example.test" &&
		_dns_leaf dot "DNS:dot.example.test,IP:$DNS_RESOLVER" &&
		_dns_leaf wrong "DNS:wrong.example.test"
	) || return 1
	chmod -R a+rX "$DNS_PKI"
}

dns_dot()
{
	local cert=${1:-dot} port=${2:-853} log=$NETNS_TMP/stunnel.log
	[ "$port" = 853 ] || log=$NETNS_TMP/stunnel-$port.log
	cat >"$NETNS_TMP/stunnel-$port.conf" <<-EOF2
	foreground = yes
	pid =
	debug = notice
	output = $log
	[dot]
	accept = $DNS_RESOLVER:$port
	connect = $DNS_RESOLVER:53
	cert = $DNS_PKI/$cert.pem
	key = $DNS_PKI/$cert.key
	EOF2
	bg_run s stunnel "$NETNS_TMP/stunnel-$port.conf" >"$NETNS_TMP/stunnel-$port.out" 2>&1
	wait_until 10 ns_exec c bash -c "exec 3<>/dev/tcp/$DNS_RESOLVER/$port" 2>/dev/null
}

dns_https()
{
	local dir=$NETNS_TMP/nginx
	mkdir -p "$dir/www" || return 1
	echo genuine >"$dir/www/index.html"
	chmod 755 "$NETNS_TMP" "$dir" "$dir/www"
	cat >"$dir/nginx.conf" <<-EOF2
	user root;
	worker_processes 1;
	pid $dir/nginx.pid;
	error_log $dir/error.log info;
	events { worker_connections 64; }
	http {
	  log_format probe '\$server_addr \$ssl_server_name \$status';
	  access_log $dir/access.log probe;
	  client_body_temp_path $dir/body; proxy_temp_path $dir/proxy;
	  fastcgi_temp_path $dir/fastcgi; uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;
	  root $dir/www;
	  server { listen $DNS_WWW:443 ssl; server_name www.example.test;
	    ssl_certificate $DNS_PKI/www.pem; ssl_certificate_key $DNS_PKI/www.key; }
	  server { listen $DNS_OTHER:443 ssl; server_name other.example.test;
	    ssl_certificate $DNS_PKI/other.pem; ssl_certificate_key $DNS_PKI/other.key; }
	}
	EOF2
	bg_run s nginx -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/out" 2>&1
	wait_until 10 ns_exec c bash -c "exec 3<>/dev/tcp/$DNS_WWW/443" 2>/dev/null
}

dns_liar()
{
	: >"$NETNS_TMP/liar.out"
	bg_run s python3 "$_dns_tools/dns-liar.py" "$DNS_LIAR" "$DNS_RESOLVER" "$@" \
		--log "$NETNS_TMP/liar.log" >"$NETNS_TMP/liar.out" 2>&1
	DNS_LIAR_PID=$BG_PID
	wait_until 10 grep -q ready "$NETNS_TMP/liar.out"
}

dns_liar_stop()
{
	[ -n "${DNS_LIAR_PID:-}" ] && bg_kill "$DNS_LIAR_PID"
	DNS_LIAR_PID=
}

dns_injector()
{
	: >"$NETNS_TMP/injector.out"
	bg_run r python3 "$_dns_tools/dns-injector.py" eth0 "$@" \
		--log "$NETNS_TMP/injector.log" >"$NETNS_TMP/injector.out" 2>&1
	DNS_INJECTOR_PID=$BG_PID
	wait_until 10 grep -q ready "$NETNS_TMP/injector.out"
}

dns_injector_stop()
{
	[ -n "${DNS_INJECTOR_PID:-}" ] && bg_kill "$DNS_INJECTOR_PID"
	DNS_INJECTOR_PID=
}

dns_slow()
{
	netem s eth0 delay "${1}ms"
}
