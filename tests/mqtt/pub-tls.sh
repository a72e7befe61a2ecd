#!/bin/bash
# pub-tls.sh: outpost-pub over TLS to a real mosquitto with a CA and
# certificates made here by openssl: the right CA works, a wrong CA and a
# wrong host name are refused with a clear error, --insecure skips only
# the name check, a client certificate satisfies require_certificate;
# password auth works, and a bad password shows the broker's reason.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/broker.sh"
. "$top_srcdir/tests/mqtt/pub-common.bash"

require_cmd mosquitto mosquitto_sub mosquitto_pub mosquitto_passwd python3 openssl
C=$NETNS_TMP/certs
certs_make "$C" localhost || bail "cannot make certificates"
TLS=$(free_port)
MTLS=$(free_port)
broker_start t \
	"listener $TLS 127.0.0.1" "cafile $C/ca.pem" "certfile $C/server.pem" "keyfile $C/server.key" \
	"listener $MTLS 127.0.0.1" "cafile $C/ca.pem" "certfile $C/server.pem" \
	"keyfile $C/server.key" "require_certificate true" ||
	bail "mosquitto did not start: $(broker_log t)"
wait_port "$TLS" && wait_port "$MTLS" || bail "TLS listeners not up: $(broker_log t)"
P=$(broker_port t)
E=$NETNS_TMP/err

# fails_with DESC REGEX CMD...: exits 1 and stderr matches REGEX.
fails_with()
{
	local desc=$1 re=$2 rc=0
	shift 2
	"$@" >/dev/null 2>"$E" || rc=$?
	is "$rc" 1 "$desc: exit 1"
	like "$(cat "$E")" "$re" "$desc: the error says why"
}

sub_start ok "$P" tls/ok -q 1 || bail "no subscriber"
run_ok "the test CA, name localhost: published" \
	"$PUB" -h localhost -p "$TLS" --cafile "$C/ca.pem" -t tls/ok -q 1 -m "over tls"
run_ok "-L mqtts:// with the CA: published" \
	"$PUB" -L "mqtts://localhost:$TLS/tls/ok" --cafile "$C/ca.pem" -m "over url"
sub_wait ok 2 10
is "$(tr '\n' ' ' <"$NETNS_TMP/sub-ok.got")" "over tls over url " "both TLS messages arrived"

fails_with "a CA that did not sign the broker" "certificate verify failed" \
	"$PUB" -h localhost -p "$TLS" --cafile "$C/other-ca.pem" -t tls/x -m x --timeout 20
fails_with "an address the certificate does not name" "certificate verify failed.*mismatch" \
	"$PUB" -h 127.0.0.1 -p "$TLS" --cafile "$C/ca.pem" -t tls/x -m x --timeout 20
run_ok "--insecure skips the name check" \
	"$PUB" -h 127.0.0.1 -p "$TLS" --cafile "$C/ca.pem" --insecure -t tls/x -m x
fails_with "--insecure still verifies the chain" "certificate verify failed" \
	"$PUB" -h 127.0.0.1 -p "$TLS" --cafile "$C/other-ca.pem" --insecure -t tls/x -m x \
	--timeout 20

run_ok "require_certificate: a client certificate is accepted" \
	"$PUB" -h localhost -p "$MTLS" --cafile "$C/ca.pem" --cert "$C/client.pem" \
	--key "$C/client.key" -t tls/x -m x
fails_with "require_certificate without a client certificate" "not confirmed: .*TLS" \
	"$PUB" -h localhost -p "$MTLS" --cafile "$C/ca.pem" -t tls/x -m x --timeout 3

# Passwords.
broker_passwd pw alice "s3cret pass"
broker_start pw "password_file $(broker_dir pw)/passwd" "allow_anonymous false" ||
	bail "mosquitto did not start: $(broker_log pw)"
PW=$(broker_port pw)
printf 's3cret pass\n' >"$NETNS_TMP/good"
printf 'wrong\n' >"$NETNS_TMP/bad"
# Password files others can read are refused (as ssh does with keys).
chmod 600 "$NETNS_TMP/good" "$NETNS_TMP/bad"
SUB_AUTH=(-u alice -P "s3cret pass")
sub_start pw "$PW" auth/ok -q 1 -u alice -P "s3cret pass" || bail "no subscriber"
for v in 5 311; do
	run_ok "-V $v: user and --password-file accepted" \
		"$PUB" -p "$PW" -V $v -u alice --password-file "$NETNS_TMP/good" -t auth/ok -m "v$v"
done
cat >"$NETNS_TMP/pw.conf" <<CONF
[mqtt]
url = mqtt://alice@127.0.0.1:$PW
password-file = $NETNS_TMP/good
CONF
run_ok "user in the config's url, password-file from the config" \
	"$PUB" --config "$NETNS_TMP/pw.conf" -t auth/ok -m conf
sub_wait pw 3 10
is "$(tr '\n' ' ' <"$NETNS_TMP/sub-pw.got")" "v5 v311 conf " "all three arrived"
fails_with "-V 5: a bad password" "refused the connection: (Bad User Name or Password|Not authorized)" \
	"$PUB" -p "$PW" -V 5 -u alice --password-file "$NETNS_TMP/bad" -t auth/x -m x
fails_with "-V 311: a bad password" "refused the connection: .*(password|authori)" \
	"$PUB" -p "$PW" -V 311 -u alice --password-file "$NETNS_TMP/bad" -t auth/x -m x
fails_with "no password at all" "refused the connection" \
	"$PUB" -p "$PW" -t auth/x -m x

# The right password in a file of mode 0644: refused before connecting,
# nothing reaches the broker; 0640 (group read) is accepted.
sub_start pw2 "$PW" auth/ok2 -q 1 -u alice -P "s3cret pass" || bail "no subscriber"
cp "$NETNS_TMP/good" "$NETNS_TMP/open"
chmod 644 "$NETNS_TMP/open"
fails_with "a world-readable password file" "others can read" \
	"$PUB" -p "$PW" -u alice --password-file "$NETNS_TMP/open" -t auth/ok2 -m open
chmod 640 "$NETNS_TMP/open"
run_ok "a group-readable password file is accepted" \
	"$PUB" -p "$PW" -u alice --password-file "$NETNS_TMP/open" -t auth/ok2 -m grp
sub_wait pw2 1 10
is "$(cat "$NETNS_TMP/sub-pw2.got")" "grp" "... it arrived, and nothing from the 0644 run did"
mkfifo "$NETNS_TMP/fifo"
fails_with "a FIFO as password file, at once" "not a regular file" \
	timeout 10 "$PUB" -p "$PW" -u alice --password-file "$NETNS_TMP/fifo" -t auth/ok2 -m fifo

done_testing
