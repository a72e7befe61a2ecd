#!/bin/bash
# pubd-privdrop.sh: started as root, outpost-pubd reads what needs root
# (a 0600 root password file), hands the spool to [node] user (mode 2770,
# setgid) and runs as that user with no capability and no_new_privs; it
# still delivers events written by root, before and after it started. The
# broker admits only that user and password (no anonymous clients), so
# what the subscriber receives proves the password read as root was
# used; with a wrong password nothing is delivered and the events stay.
# A [node] user that does not exist stops it at start with a clear
# message.
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
require_root
. "$top_srcdir/tests/lib/broker.sh"
require_cmd mosquitto mosquitto_sub mosquitto_pub mosquitto_passwd useradd userdel
. "$top_srcdir/tests/mqtt/pubd-lib.sh"

plan 21
user=opd$$
useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user" ||
	bail "cannot create user $user"
on_exit "userdel $user 2>/dev/null"
uid=$(id -u "$user")

broker_passwd b pubd s3cret
pubd_broker_start b "allow_anonymous false" "password_file $(broker_dir b)/passwd"
run_fails "the broker refuses anonymous clients" \
	mosquitto_pub -p "$(broker_port b)" -q 1 -t "$PREFIX/test/anon" -m x
SUB_AUTH="-u pubd -P s3cret" run_ok "subscriber ready" sub_start pd 1 "$PREFIX/test/#" b
printf 's3cret\n' >"$NETNS_TMP/mqtt.pass"
chmod 600 "$NETNS_TMP/mqtt.pass"

# Events root wrote before the daemon ever ran: root:root 0640 files in a
# root-owned 0750 spool.
events 1 20
is "$(stat -c '%U %a' "$SPOOL/new" )" "root 750" "root made the spool"

PUBD_USER=$user pubd_conf "$NETNS_TMP/pubd.conf" b "username = pubd" \
	"password-file = $NETNS_TMP/mqtt.pass" "heartbeat = 0"
run_ok "daemon started" pubd_start "$NETNS_TMP/pubd.conf"
st=/proc/$PUBD_PID/status
like "$(grep '^Uid:' "$st")" "^Uid:[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid\$" \
	"runs as $user (real, effective, saved, fs uid)"
like "$(grep '^CapEff:' "$st")" '^CapEff:[[:space:]]+0+$' "no effective capability"
like "$(grep '^CapPrm:' "$st")" '^CapPrm:[[:space:]]+0+$' "no permitted capability"
like "$(grep '^NoNewPrivs:' "$st")" '^NoNewPrivs:[[:space:]]+1$' "no_new_privs"
is "$(stat -c '%U %a' "$SPOOL" "$SPOOL/new" "$SPOOL/tmp" | sort -u)" "$user 2770" \
	"spool, new/ and tmp/ belong to $user, mode 2770"

# Root writes while the daemon runs: the files get the group by setgid.
events 2 20
all() { [ "$(pairs "$(sub_out pd)" | sort -u | wc -l)" -ge 40 ]; }
wait_until 30 all
is "$(pairs "$(sub_out pd)" | sort -u | wc -l)" 40 "events root wrote before and after the start arrived"
wait_until 10 eval '[ "$(spool_count)" = 0 ]'
is "$(spool_count)" 0 "and left the spool"
run_ok "outpost-pubd exits 0 on SIGTERM" pubd_stop

# A wrong password: the broker refuses the daemon, nothing is delivered.
printf 'wrong\n' >"$NETNS_TMP/mqtt.pass"
events 3 5
pubd_start "$NETNS_TMP/pubd.conf"
sleep 4
is "$(pairs "$(sub_out pd)" | grep -c '^3:')" 0 "with a wrong password nothing arrives"
is "$(spool_count)" 5 "and the events stay in the spool"
run_ok "outpost-pubd exits 0 on SIGTERM" pubd_stop

PUBD_USER=nosuchuser$$ pubd_conf "$NETNS_TMP/bad.conf" b "heartbeat = 0"
run_fails "a missing user stops it at start" "$PUBD" -d -f "$NETNS_TMP/bad.conf"
is "$RUN_STATUS" 1 "exit status 1"
like "$RUN_OUTPUT" "user 'nosuchuser$$' does not exist: create it or set \[node\] user" \
	"and says what to do"

# A spool folder that belongs to a stranger: root refuses to set it up.
mkdir -p "$NETNS_TMP/stranger" && chown 64999:64999 "$NETNS_TMP/stranger" &&
	chmod 0750 "$NETNS_TMP/stranger"
sed "s|^spool = .*|spool = $NETNS_TMP/stranger|" "$NETNS_TMP/bad.conf" |
	sed "s|^user = .*|user = nobody|" >"$NETNS_TMP/stranger.conf"
run_fails "a spool owned by another user stops it at start" \
	timeout 10 "$PUBD" -d -f "$NETNS_TMP/stranger.conf"
like "$RUN_OUTPUT" "is owned by uid 64999.*chown it" "and says whose it is and what to do"
is "$(stat -c %u:%g "$NETNS_TMP/stranger")" 64999:64999 "the folder was not taken over"
[ "$TAP_FAILED" = 0 ] || diag "$(cat "$PUBD_LOG")"
done_testing
