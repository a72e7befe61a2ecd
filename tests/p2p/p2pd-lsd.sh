#!/bin/bash
# p2pd-lsd.sh: local service discovery between outpost-p2pd in region
# mode and libtorrent 2.0 (bt-lt.py --lsd); no tracker, no web seed, no
# --peer, so peers come from BEP 14 alone:
#  - p1's daemon gets the package from a libtorrent seed on the LAN;
#  - with that seed gone, a libtorrent leech on p2 hears p1's announces
#    (a region member's, with x-outpost- lines it must skip), dials p1
#    (it takes no connection in) and downloads the package with the
#    right SHA-256.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/p2p/p2p-lib.sh"
. "$top_srcdir/tests/p2p/p2pd-lib.sh"
[ -x "$P2PD" ] || bail "no $P2PD (build it first)"
p2p_begin 2 useradd userdel nft
"$LT_PY" -c 'import libtorrent' 2>/dev/null || bail "no python3-libtorrent in $LT_PY"
p2pd_user || bail "cannot create a user"
p2p_content "$T/src" pkg 4
want=$(p2p_sha "$T/src/pkg")
"$P2P" create "$T/src/pkg" -o "$T/pkg.torrent" --piece-size 256KiB >/dev/null || bail "create"

# libtorrent names no region: let it in
p2pd_conf p1 lab "other-regions = yes"
p2pd_start p1 || bail "p1's daemon did not start: $(tail -5 "$T/p1/log")"
run_ok "p1's daemon adds the package" p2pd_cli p1 add "$T/pkg.torrent"
p2p_lt seed --lsd --seed "$T/pkg.torrent" "$T/src"
s=$BG_PID
run_ok "p1 gets it from libtorrent's seed, found by LSD" wait_until 90 p2pd_seeding p1
hex=$(p2pd_jlist p1 info_hash)
is "$(p2p_sha "$T/p1/data/content/$hex/pkg")" "$want" "... with the right SHA-256"
bg_kill "$s"

# p1 heard p2's announce too: so that the only way is p2 dialling p1,
# p2 takes no connection in
ns_exec p2 nft -f - <<'NFT' || bail "nft"
table inet lsdtest {
	chain in {
		type filter hook input priority 0;
		tcp dport 6881 ct state new counter drop
	}
}
NFT
p2p_lt p2 --lsd --timeout 60 "$T/pkg.torrent" "$T/l2"
p2p_wait_exit "$BG_PID" 70
is "$P2P_RC" 0 "libtorrent on p2 finished downloading from p1's daemon"
is "$(p2p_sha "$T/l2/pkg")" "$want" "... with the right SHA-256"
# it took no connection in, so it dialled p1, known by LSD alone
diag "libtorrent: $(grep '"done"' "$T/lt-p2.log")"
diag "connections refused into p2: $(ns_exec p2 nft list ruleset | grep -o 'packets [0-9]*')"
[ "$P2P_RC" = 0 ] || p2p_diag_logs lt-p2.log lt-seed.log p1/log
done_testing
