# p2pd-lib.sh: outpost-p2pd in the worlds of p2p-lib.sh and
# region-lib.sh (bash). Each node has its folder $NETNS_TMP/NODE with
# its config, spool, data folder, socket and log.
#
#	p2pd_user                         (a system user the daemons drop to)
#	p2pd_conf NODE REGION [EXTRA...]  (the config; REGION "" for none)
#	p2pd_start NODE                   (in NODE's namespace; PID in P2PD_PID[NODE])
#	p2pd_cli NODE add|list|... ARGS   (outpost-p2p against NODE's daemon)
#	p2pd_jlist NODE KEY               (KEY of the first transfer, "none")
P2PD=${P2PD:-$top_builddir/modules/p2p/outpost-p2pd}
declare -A P2PD_PID=()
P2PD_USER=

p2pd_user()
{
	P2PD_USER=opp$$
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
		"$P2PD_USER" || return 1
	on_exit "userdel $P2PD_USER 2>/dev/null"
}

# p2pd_conf NODE REGION [LINE...]: extra lines go at the end ([p2p]'s,
# or whole sections); a region gets a [region] section with its LAN,
# the origin and the WAN cap as origin-rate.
p2pd_conf()
{
	local node=$1 region=$2 f
	shift 2
	mkdir -p "$NETNS_TMP/$node"
	# the daemon, as its user, reaches its data folder through these
	chmod 755 "$NETNS_TMP" "$NETNS_TMP/$node"
	f=$NETNS_TMP/$node/outpost.conf
	{
		printf '[node]\nid = %s\n' "$node"
		[ -n "$region" ] && printf 'region = %s\n' "$region"
		printf 'user = %s\nspool = %s/spool\n' "${P2PD_USER:-root}" "$NETNS_TMP/$node"
		if [ -n "$region" ] && declare -F region_lan >/dev/null; then
			printf '[region "%s"]\nlan = %s %s\nwan-interface = wan0\n' "$region" \
				"$(region_lan "$region")" "$(region_lan "$region" 6)"
			printf 'origin = 198.51.100.0/24\norigin-rate = %s\nline-rate = 1gbit\n' \
				"${REGION_WAN_RATE:-20mbit}"
		fi
		printf '[p2p]\ndata-dir = %s/data\ncontrol = %s/p2pd.sock\n' "$NETNS_TMP/$node" \
			"$NETNS_TMP/$node"
		printf '%s\n' "$@"
	} >"$f"
}

p2pd_start()
{
	bg_run "$1" "$P2PD" -d -f "$NETNS_TMP/$1/outpost.conf" >>"$NETNS_TMP/$1/log" 2>&1
	P2PD_PID[$1]=$BG_PID
	wait_until 10 test -S "$NETNS_TMP/$1/p2pd.sock"
}

p2pd_cli()
{
	ns_exec "$1" "$P2P" "${@:2}" --config "$NETNS_TMP/$1/outpost.conf"
}

p2pd_jlist()
{
	p2pd_cli "$1" list --json 2>/dev/null | python3 -c 'import json, sys
t = json.load(sys.stdin)["transfers"]
print(t[0].get(sys.argv[1]) if t else "none")' "$2" 2>/dev/null
}

p2pd_seeding() { [ "$(p2pd_jlist "$1" state)" = seeding ]; }

# p2pd_events NODE NAME: how many p2p/NAME events NODE's spool holds.
p2pd_events() { ls "$NETNS_TMP/$1/spool/new" 2>/dev/null | grep -c "\.p2p\.$2\$"; }

# p2pd_all_seeding NODE...: every one of them lists its transfer seeding.
p2pd_all_seeding()
{
	local d
	for d; do
		p2pd_seeding "$d" || return 1
	done
}

# p2pd_bad_copies FILE SHA NODE...: how many NODEs lack FILE (the
# transfer's content path under content/HEX/) with digest SHA.
p2pd_bad_copies()
{
	local file=$1 want=$2 d hex bad=0
	shift 2
	for d; do
		hex=$(p2pd_jlist "$d" info_hash)
		[ "$(p2p_sha "$NETNS_TMP/$d/data/content/$hex/$file")" = "$want" ] || bad=$((bad + 1))
	done
	echo "$bad"
}

# p2pd_package DIR MIB: DIR/pkg (one file) and DIR/pkg.torrent with the
# origin as web seed, 256 KiB pieces; sets PKG_SIZE, PKG_SHA, PKG_TORRENT
# (the .torrent's own size: every device fetches it once).
p2pd_package()
{
	p2p_content "$1" pkg "$2" 1 || return 1
	"$P2P" create "$1/pkg" -o "$1/pkg.torrent" --webseed "$P2P_WEB/" --piece-size 256KiB \
		>/dev/null || return 1
	PKG_SIZE=$(p2p_size "$1/pkg")
	PKG_SHA=$(p2p_sha "$1/pkg")
	PKG_TORRENT=$(p2p_size "$1/pkg.torrent")
}

# p2pd_ratio BYTES: BYTES / PKG_SIZE with 3 decimals.
p2pd_ratio() { printf '%.3f' "$(echo "$1 / $PKG_SIZE" | bc -l)"; }
# p2pd_le A B: A <= B (decimals); 0 or 1, for ok.
p2pd_le() { echo "$1 <= $2" | bc -l | grep -q 1; echo $?; }

# p2pd_add_all URL NODE...: add URL on every NODE at once (waiting for
# those clients only: a bare wait would wait for the daemons too).
p2pd_add_all()
{
	local url=$1 d pids=()
	shift
	for d; do
		p2pd_cli "$d" add "$url" >/dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"
}

# p2pd_region_begin MIB R:N...: what every region test starts with: root,
# the commands, the binaries, the region worlds (R with N devices), the
# user, a package of MIB MiB on the origin (PKG_*), the origin up, and
# each device's config (p2pd_conf DEV R). Runs alone (rates are measured).
p2pd_region_begin()
{
	local mib=$1 rn d
	shift
	require_root
	require_cmd nginx python3 useradd userdel bc
	[ -x "$P2P" ] || bail "no $P2P (build it first)"
	[ -x "$P2PD" ] || bail "no $P2PD (build it first)"
	netns_exclusive
	T=$NETNS_TMP
	for rn; do
		region_world "${rn%%:*}" "${rn#*:}" || bail "no region ${rn%%:*}"
	done
	p2pd_user || bail "cannot create a user"
	p2pd_package "$T/www" "$mib" || bail "no package"
	region_origin "$T/www" || bail "no origin"
	for rn; do
		for d in $(region_devs "${rn%%:*}"); do
			p2pd_conf "$d" "${rn%%:*}"
		done
	done
}

# p2pd_start_all NODE...: start the daemon on each, or bail.
p2pd_start_all()
{
	local d
	for d; do
		p2pd_start "$d" || bail "$d: the daemon did not start: $(tail -3 "$NETNS_TMP/$d/log")"
	done
}
