#!/bin/bash
# install.sh: what `make install` leaves is enough for outpost-pubd to
# start (root).
#
# A second build from this tree's dist files is configured into a prefix
# inside the test folder ($P: sysconfdir, localstatedir, sysusers.d,
# tmpfiles.d all below it) and installed twice:
#  - with DESTDIR: the sysusers.d, tmpfiles.d, unit, SysV and example
#    files are in place with the configured paths, and systemd-sysusers
#    and systemd-tmpfiles --root on a scratch root make the outpost user
#    and the folders with the modes outpost-pubd sets up (2770);
#  - for real: the installed SysV script, with the outpost user absent,
#    creates the user and the folders and starts the daemon (retained
#    "online" at a real mosquitto, running as outpost), and stops it;
#    then, as a package's postinst and the boot do, systemd-sysusers and
#    systemd-tmpfiles --create on the installed files, and the unit's
#    ExecStartPre/ExecStart lines run as they are: the broker receives the
#    retained "online" and a heartbeat (the example's 60 s), the daemon
#    runs as outpost.
# The installed config is the shipped example changed only in [mqtt] url.
# No systemd runs as PID 1 here, so systemctl is not used.  The outpost
# user is removed at the end only when this test created it; a lock keeps
# two runs from sharing it.
set -u
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/broker.sh"
require_root
require_cmd mosquitto mosquitto_sub systemd-sysusers systemd-tmpfiles \
	start-stop-daemon userdel flock make

U=outpost
T=$NETNS_TMP
P=$T/root
PREFIX=outpost/chaoyang/kiosk-0042
# The daemon drops to outpost, which must reach the spool inside $T.
chmod 755 "$T"

# --- a build configured into $P -----------------------------------------
build()
{
	make -s -C "$top_builddir" distdir distdir="$T/src" >/dev/null &&
	mkdir -p "$T/build" && cd "$T/build" &&
	"$T/src/configure" -q --prefix="$P" --sysconfdir="$P/etc" \
		--localstatedir="$P/var" --with-sysusersdir="$P/lib/sysusers.d" \
		--with-tmpfilesdir="$P/lib/tmpfiles.d" &&
	make -s -j2 >/dev/null
}
run_ok "configure and build into a test prefix" build
cd "$T" || bail "no $T"
[ "$RUN_STATUS" = 0 ] || bail "cannot build the test prefix"

# --- make install DESTDIR=... ---------------------------------------------
D=$T/dest
run_ok "make install DESTDIR=..." make -s -C "$T/build" install DESTDIR="$D"
like "$RUN_OUTPUT" "DESTDIR install" "a DESTDIR install leaves the user to the package"
sysusers=$D$P/lib/sysusers.d/outpost.conf
tmpfiles=$D$P/lib/tmpfiles.d/outpost.conf
is "$(grep -v '^#' "$sysusers")" "u $U - \"Outpost daemons\" /nonexistent /usr/sbin/nologin" \
	"sysusers.d/outpost.conf declares the outpost user and group"
is "$(grep -v '^#' "$tmpfiles" | tr -s ' ')" "d $P/var/spool/outpost 2770 $U $U -
d $P/var/spool/outpost/tmp 2770 $U $U -
d $P/var/spool/outpost/new 2770 $U $U -
d $P/var/lib/outpost 0750 $U $U -" \
	"tmpfiles.d/outpost.conf: spool, tmp/, new/ 2770 and lib 0750, in localstatedir"
unit=$D$P/lib/systemd/system/outpost-pubd.service
init=$D$P/etc/init.d/outpost-pubd
is "$(grep -l '@[a-z]*@' "$unit" "$init" "$D$P/etc/outpost/outpost.conf.example")" "" \
	"unit, SysV script and example have every @path@ filled in"
is "$(grep '^ReadWritePaths=' "$unit")" "ReadWritePaths=-$P/var/spool/outpost" \
	"the unit may write the configured spool"
is "$(grep '^spool = ' "$D$P/etc/outpost/outpost.conf")" "spool = $P/var/spool/outpost" \
	"the installed config names the configured spool"
ok "$([ -x "$init" ]; echo $?)" "the SysV script is installed executable"
# outpost-routed: its program, page, unit and SysV script (owner: rtd).
runit=$D$P/lib/systemd/system/outpost-routed.service
rinit=$D$P/etc/init.d/outpost-routed
ok "$([ -x "$D$P/sbin/outpost-routed" ]; echo $?)" "outpost-routed is installed in sbin"
ok "$([ -f "$D$P/share/man/man8/outpost-routed.8" ]; echo $?)" "outpost-routed(8) is installed"
is "$(grep -l '@[a-z]*@' "$runit" "$rinit")" "" \
	"outpost-routed's unit and SysV script have every @path@ filled in"
is "$(grep '^ExecStart=' "$runit")" "ExecStart=$P/sbin/outpost-routed -d -f $P/etc/outpost/outpost.conf" \
	"the unit starts the installed outpost-routed on the installed config"
is "$(grep '^DAEMON=' "$rinit")" "DAEMON=$P/sbin/outpost-routed" "so does the SysV script"
ok "$([ -x "$rinit" ]; echo $?)" "outpost-routed's SysV script is installed executable"
# outpost-shape: its program, page, oneshot unit and SysV script (owner: shtool).
sunit=$D$P/lib/systemd/system/outpost-shape.service
sinit=$D$P/etc/init.d/outpost-shape
ok "$([ -x "$D$P/sbin/outpost-shape" ]; echo $?)" "outpost-shape is installed in sbin"
ok "$([ -f "$D$P/share/man/man8/outpost-shape.8" ]; echo $?)" "outpost-shape(8) is installed"
is "$(grep -l '@[a-z]*@' "$sunit" "$sinit")" "" \
	"outpost-shape's unit and SysV script have every @path@ filled in"
is "$(grep -E '^(Type|RemainAfterExit|ExecStart|ExecReload|ExecStop)=' "$sunit")" "Type=oneshot
RemainAfterExit=yes
ExecStart=$P/sbin/outpost-shape -f $P/etc/outpost/outpost.conf apply
ExecReload=$P/sbin/outpost-shape -f $P/etc/outpost/outpost.conf apply
ExecStop=$P/sbin/outpost-shape clear" \
	"the oneshot unit applies the installed config on start and reload, clears on stop"
is "$(grep '^TOOL=' "$sinit")" "TOOL=$P/sbin/outpost-shape" "so does the SysV script"
ok "$([ -x "$sinit" ]; echo $?)" "outpost-shape's SysV script is installed executable"
# outpost-p2p: a user tool in bin, its page in section 1 (owner: tool).
ok "$([ -x "$D$P/bin/outpost-p2p" ]; echo $?)" "outpost-p2p is installed in bin"
ok "$([ -f "$D$P/share/man/man1/outpost-p2p.1" ]; echo $?)" "outpost-p2p(1) is installed"

# The files do what they say, in a scratch root (no change to this system).
S=$T/scratch
mkdir -p "$S/etc" "$S/usr/lib/sysusers.d" "$S/usr/lib/tmpfiles.d"
cp "$sysusers" "$S/usr/lib/sysusers.d/"
cp "$tmpfiles" "$S/usr/lib/tmpfiles.d/"
run_ok "systemd-sysusers --root: accepted" systemd-sysusers --root="$S"
suid=$(awk -F: -v u=$U '$1 == u { print $3 ":" $4 ":" $6 ":" $7 }' "$S/etc/passwd")
like "$suid" '^[0-9]+:[0-9]+:/nonexistent:/usr/sbin/nologin$' \
	"scratch root: the outpost user (home /nonexistent, no shell)"
like "$(grep "^$U:" "$S/etc/group")" "^$U:x:${suid%%:*}:" "scratch root: its own group"
run_ok "systemd-tmpfiles --root --create: accepted" systemd-tmpfiles --root="$S" --create
sid=${suid%%:*}
is "$(cd "$S$P/var" && stat -c '%n %a %u %g' spool/outpost spool/outpost/tmp spool/outpost/new lib/outpost)" \
	"spool/outpost 2770 $sid $sid
spool/outpost/tmp 2770 $sid $sid
spool/outpost/new 2770 $sid $sid
lib/outpost 750 $sid $sid" "scratch root: folders with outpost-pubd's modes, owned by outpost"

# --- make install, for real, into $P ----------------------------------------
exec 9>/run/lock/outpost-install-test.lock
flock -w 300 9 || bail "another install test holds the outpost user"
created=0
if getent passwd "$U" >/dev/null; then
	diag "user $U exists already: it is left as it is"
else
	created=1
fi
# Remove what this test made, also when it fails halfway: first the
# daemons it started (by pid), then the user if this test created it.
daemons=()
kill_daemons()
{
	local p i
	for p in ${daemons[@]+"${daemons[@]}"}; do
		kill -KILL "$p" 2>/dev/null
		for i in $(seq 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
	done
	daemons=()
}
cleanup_user()
{
	kill_daemons
	[ "$created" = 1 ] || return 0
	userdel "$U" 2>/dev/null
	getent group "$U" >/dev/null && groupdel "$U" 2>/dev/null
	return 0
}
on_exit cleanup_user

run_ok "make install into the prefix" make -s -C "$T/build" install
conf=$P/etc/outpost/outpost.conf
broker_start b
sed -i "s|^url = .*|url = mqtt://127.0.0.1:$(broker_port b)|" "$conf"
is "$(diff "$P/etc/outpost/outpost.conf.example" "$conf" | grep -c '^[<>]')" 2 \
	"outpost.conf is the example with one line changed"
like "$(grep '^url' "$conf")" '^url = mqtt://127\.0\.0\.1:[0-9]+$' "... the [mqtt] url"

retained()
{
	mosquitto_sub -p "$(broker_port b)" -t "$PREFIX/status" --retained-only \
		-C 1 -W 2 2>/dev/null
}
is_retained() { [ "$(retained)" = "$1" ]; }
# gone PID: the process has exited (the container's PID 1 may be slow to
# reap what start-stop-daemon's detached daemon left: a zombie is gone).
gone()
{
	[ -n "$1" ] || return 1
	kill -0 "$1" 2>/dev/null || return 0
	[ "$(awk '$1 == "State:" { print $2 }' "/proc/$1/status" 2>/dev/null)" = Z ]
}
# uid_of PID: the four uids (real, effective, saved, fs) of a process.
uid_of() { awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "/proc/$1/status" 2>/dev/null; }

# The SysV script with the user absent.
if [ "$created" = 1 ]; then
	run_ok "SysV start with no outpost user: exits 0" "$P/etc/init.d/outpost-pubd" start
	uid=$(id -u "$U" 2>/dev/null)
	like "$uid" '^[0-9]+$' "SysV start created the outpost user"
	is "$(id -gn "$U" 2>/dev/null)" "$U" "... with its own group"
	is "$(stat -c '%a %U %G' "$P/var/spool/outpost" "$P/var/lib/outpost" 2>&1)" \
		"2770 $U $U
750 $U $U" "SysV start made the spool (2770) and lib (0750) folders for outpost"
	pid=$(cat "$P/var/run/outpost-pubd.pid" 2>/dev/null)
	[ -n "$pid" ] && daemons+=("$pid")
	wait_until 10 is_retained online
	is "$(retained)" online "the broker holds the retained 'online' of the SysV-started daemon"
	is "$(uid_of "${pid:-0}")" "$uid $uid $uid $uid" "the SysV-started daemon runs as outpost"
	run_ok "SysV stop: exits 0" "$P/etc/init.d/outpost-pubd" stop
	wait_until 10 is_retained offline
	is "$(retained)" offline "stopped: the broker holds a retained 'offline'"
	wait_until 5 gone "${pid:-}"
	ok "$(gone "${pid:-}"; echo $?)" "the daemon has exited"
	# A daemon that cannot start makes the script fail: its [node] spool
	# lies under a regular file (the script's own folders are fine).
	cp "$conf" "$T/conf.saved"
	: >"$T/notadir"
	sed -i "s|^spool = .*|spool = $T/notadir/spool|" "$conf"
	run_fails "SysV start of a daemon that cannot start: exits non-zero" \
		"$P/etc/init.d/outpost-pubd" start
	cp "$T/conf.saved" "$conf"
	# Start again from nothing for the systemd path below.
	kill_daemons
	cleanup_user
	rm -rf "$P/var/spool/outpost" "$P/var/lib/outpost"
else
	skip "user $U existed before the test: SysV user creation not tried" 10
fi

# What a package's postinst (and every boot) runs, then the unit's lines.
run_ok "systemd-sysusers on the installed file" \
	systemd-sysusers "$P/lib/sysusers.d/outpost.conf"
run_ok "systemd-tmpfiles --create on the installed file" \
	systemd-tmpfiles --create "$P/lib/tmpfiles.d/outpost.conf"
uid=$(id -u "$U" 2>/dev/null)
is "$(stat -c '%a %U %G' "$P/var/spool/outpost" "$P/var/spool/outpost/new" "$P/var/lib/outpost" 2>&1)" \
	"2770 $U $U
2770 $U $U
750 $U $U" "the outpost user and its folders exist"

unitfile=$P/lib/systemd/system/outpost-pubd.service
pre=$(sed -n 's/^ExecStartPre=+\{0,1\}//p' "$unitfile")
start=$(sed -n 's/^ExecStart=//p' "$unitfile")
prestart()
{
	local line
	while IFS= read -r line; do
		# shellcheck disable=SC2086
		$line || return 1
	done <<<"$pre"
}
run_ok "the unit's ExecStartPre lines succeed" prestart
mosquitto_sub -p "$(broker_port b)" -q 1 -t "$PREFIX/heartbeat" -C 1 -W 90 \
	>"$T/hb.out" 2>&1 &
hb=$!
on_exit "kill $hb 2>/dev/null"
# shellcheck disable=SC2086
$start >"$T/pubd.log" 2>&1 &
pubd=$!
daemons+=("$pubd")
wait_until 15 is_retained online
is "$(retained)" online "ExecStart: the broker holds the retained 'online'"
is "$(uid_of "$pubd")" "$uid $uid $uid $uid" "ExecStart: the daemon runs as outpost"
# The example's heartbeat is 60 s: the first one comes after a minute.
wait "$hb"
like "$(cat "$T/hb.out")" '"kind":"heartbeat"' "the broker received a heartbeat event"
kill -TERM "$pubd"
rc=0
wait "$pubd" || rc=$?
is "$rc" 0 "SIGTERM: the daemon exits 0"
[ "$TAP_FAILED" = 0 ] || diag "$(cat "$T/pubd.log")"
done_testing
