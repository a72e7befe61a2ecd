# web-lib.sh: the world of the tls and http probe tests (bash).
#
#	. "$top_srcdir/tests/lib/tap.sh"; . "$top_srcdir/tests/lib/netns.sh"
#	. "$top_srcdir/tests/probes/web-lib.sh"
#	require_root
#	web_world               namespaces c (client, 10.9.1.1) and s (server,
#	                        10.9.1.2, also 2001:db8:9::2), www.test and
#	                        other.test naming 10.9.1.2 in c's /etc/hosts
#	web_certs               $NETNS_TMP/pki: ca, valid, expired, wrong, self
#	web_nginx [conf lines]  nginx in s: http on 80, https on 443 (valid),
#	                        8443 (expired), 9443 (wrong name), 10443
#	                        (self-signed); docroot $WEB_ROOT
#	web_log                 nginx's access log: port, SNI, protocol, status,
#	                        request, Host, User-Agent per line
#	probe ARGS...           outpost-probe in c; stdout in $PROBE_OUT,
#	                        exit status in $PROBE_RC
#	jget FIELD              a field of $PROBE_OUT's first line (jq path)
#
# ip netns exec bind-mounts /etc/netns/NAME/hosts over /etc/hosts, so
# the client resolves the test names through the real resolver without
# touching the machine's own hosts file; the folder goes at teardown.

WEB_ROOT=$NETNS_TMP/www
WEB_PKI=$NETNS_TMP/pki
mkdir -p "$WEB_ROOT"
PROBE=${PROBE:-$top_builddir/probes/outpost-probe}

web_world()
{
	ns_add c && ns_add s || return 1
	veth_add c eth0 s eth0 || return 1
	addr_add c eth0 10.9.1.1/24 && addr_add s eth0 10.9.1.2/24 || return 1
	addr_add c eth0 2001:db8:9::1/64 && addr_add s eth0 2001:db8:9::2/64 || return 1
	mkdir -p "/etc/netns/$(ns c)" || return 1
	on_exit rm -rf "/etc/netns/$(ns c)"
	printf '127.0.0.1 localhost\n10.9.1.2 www.test other.test\n2001:db8:9::2 www6.test\n' \
		>"/etc/netns/$(ns c)/hosts"
	# The client's resolver must not wait on a DNS server it cannot reach.
	printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' \
		>"/etc/netns/$(ns c)/resolv.conf"
}

# _pki_ca: the test CA (EC keys: quick to make).
_pki_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# _pki_leaf NAME CN SAN STARTDATE ENDDATE: a leaf signed by the CA with
# the given validity (YYYYMMDDHHMMSSZ), through `openssl ca`, the one
# OpenSSL 3.0 tool that takes a start and end date.
_pki_leaf()
{
	local name=$1 cn=$2 san=$3 start=$4 end=$5
	_pki_key "$name.key" &&
	openssl req -new -key "$name.key" -subj "/O=Outpost tests/CN=$cn" -out "$name.csr" \
		2>/dev/null &&
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\n' "$san" >"$name.ext" &&
	openssl ca -batch -config ca.cnf -notext -startdate "$start" -enddate "$end" \
		-extfile "$name.ext" -in "$name.csr" -out "$name.pem" >/dev/null 2>&1
}

web_certs()
{
	local d=$WEB_PKI now
	mkdir -p "$d/db" || return 1
	(
		cd "$d" || exit 1
		: >db/index
		echo 1000 >db/serial
		cat >ca.cnf <<-EOF
		[ca]
		default_ca = test
		[test]
		dir = .
		database = db/index
		serial = db/serial
		new_certs_dir = db
		certificate = ca.pem
		private_key = ca.key
		default_md = sha256
		policy = any
		unique_subject = no
		copy_extensions = none
		[any]
		commonName = supplied
		organizationName = optional
		EOF
		_pki_key ca.key &&
		openssl req -x509 -new -key ca.key -days 30 -subj "/O=Outpost tests/CN=Outpost web test CA" \
			-out ca.pem 2>/dev/null || exit 1
		now=$(date -u +%s)
		# Half a day off whole days, so days_left cannot flip during a run.
		_pki_leaf valid www.test "DNS:www.test,DNS:alt.test,IP:10.9.1.2,IP:2001:db8:9::2" \
			"$(date -u -d @$((now - 86400)) +%Y%m%d%H%M%SZ)" \
			"$(date -u -d @$((now + 20 * 86400 + 43200)) +%Y%m%d%H%M%SZ)" || exit 1
		# Expired three and a half days ago.
		_pki_leaf expired www.test "DNS:www.test" \
			"$(date -u -d @$((now - 10 * 86400)) +%Y%m%d%H%M%SZ)" \
			"$(date -u -d @$((now - 3 * 86400 - 43200)) +%Y%m%d%H%M%SZ)" || exit 1
		_pki_leaf wrong other.test "DNS:other.test" \
			"$(date -u -d @$((now - 86400)) +%Y%m%d%H%M%SZ)" \
			"$(date -u -d @$((now + 20 * 86400)) +%Y%m%d%H%M%SZ)" || exit 1
		_pki_key self.key &&
		openssl req -x509 -new -key self.key -days 10 -subj "/CN=www.test" \
			-addext "subjectAltName=DNS:www.test" -out self.pem 2>/dev/null
	) || return 1
	chmod -R a+rX "$d"
}

# web_nginx [extra http-level lines]: one nginx, foreground, as root, with
# everything it writes in $NETNS_TMP/nginx.
web_nginx()
{
	local dir=$NETNS_TMP/nginx port extra="$*" pem
	mkdir -p "$dir" || return 1
	chmod 755 "$NETNS_TMP" "$dir" "$WEB_ROOT"
	{
		echo "user root;"
		echo "worker_processes 1;"
		echo "pid $dir/nginx.pid;"
		echo "error_log $dir/error.log info;"
		echo "events { worker_connections 256; }"
		echo "http {"
		# What the server saw of each request, for the tests to check.
		echo "  log_format probe '\$server_port \$ssl_server_name \$ssl_protocol \$status \"\$request\" \"\$http_host\" \"\$http_user_agent\"';"
		echo "  access_log $dir/access.log probe;"
		echo "  ssl_protocols TLSv1.2 TLSv1.3;"
		echo "  client_body_temp_path $dir/body; proxy_temp_path $dir/proxy;"
		echo "  fastcgi_temp_path $dir/fastcgi; uwsgi_temp_path $dir/uwsgi;"
		echo "  scgi_temp_path $dir/scgi;"
		echo "  default_type application/octet-stream;"
		echo "  root $WEB_ROOT;"
		echo "  $extra"
		echo "  server { listen 10.9.1.2:80; listen [2001:db8:9::2]:80; server_name www.test;"
		echo "    location /ssi/ { ssi on; ssi_types *; }"
		echo "    location = /moved { return 302 /hello.txt; }"
		echo "    location = /moved-abs { return 301 http://www.test/ssi/page.txt; }"
		echo "    location = /loop { return 302 /loop; }"
		echo "    location = /to-https { return 302 https://www.test/hello.txt; }"
		echo "  }"
		for pem in valid:443 expired:8443 wrong:9443 self:10443; do
			port=${pem#*:}
			echo "  server { listen 10.9.1.2:$port ssl; listen [2001:db8:9::2]:$port ssl;"
			echo "    ssl_certificate $WEB_PKI/${pem%:*}.pem;"
			echo "    ssl_certificate_key $WEB_PKI/${pem%:*}.key;"
			echo "  }"
		done
		echo "}"
	} >"$dir/nginx.conf"
	bg_run s nginx -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/stderr" 2>&1
	wait_until 10 ns_exec c bash -c '(exec 3<>/dev/tcp/10.9.1.2/443) 2>/dev/null' || {
		diag "nginx did not come up:"
		diag "$(cat "$dir/stderr" "$dir/error.log" 2>/dev/null | tail -20)"
		return 1
	}
}

web_log() { cat "$NETNS_TMP/nginx/access.log" 2>/dev/null; }

probe()
{
	PROBE_OUT=$(ns_exec c "$PROBE" "$@" 2>"$NETNS_TMP/probe.err")
	PROBE_RC=$?
	PROBE_ERR=$(cat "$NETNS_TMP/probe.err")
}

# jget JQPATH: from the first line of $PROBE_OUT, raw.
jget()
{
	printf '%s\n' "$PROBE_OUT" | head -n1 | jq -r "$1" 2>/dev/null
}
