#!/bin/bash
# p2pd-region-wide.sh: a region of 8 devices where no daemon may hold
# more than 3 connections ([p2p] max-peers = max-connections = 3), so
# none sees the whole region through its peers; the members must come
# from LSD. One package (P2PD_TEST_MIB, default 16 MiB) added on every
# device at once:
#  - every device finishes with the right SHA-256;
#  - the origin (nginx's log) sent the region at most 1.05 times the
#    package: every device ranked each piece over the same member set,
#    so each piece crossed the line once although nobody saw everyone;
#  - every daemon kept to its connection cap (the kernel's sockets).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/p2p/p2pd-region-test.sh"
N=8 CAP=${P2PD_TEST_CAP:-3}
p2pd_region_begin "${P2PD_TEST_MIB:-16}" a:$N
for d in $(region_devs a); do
	p2pd_conf "$d" a "max-peers = $CAP" "max-connections = $CAP"
done
# shellcheck disable=SC2046
p2pd_start_all $(region_devs a)

# conns: each daemon's TCP connections to peers (port 6881, either way)
# now, one count a line into $T/conns (sampled while they work)
conns()
{
	local d
	for d in $(region_devs a); do
		ns_exec "$d" ss -Htn state established '( sport = :6881 or dport = :6881 )' |
			wc -l >>"$T/conns"
	done
}
# shellcheck disable=SC2046
p2pd_add_all "$REGION_WEB/pkg.torrent" $(region_devs a)
# all_done: sample the connections, then whether every device is done
# shellcheck disable=SC2046
all_done() { conns; p2pd_all_seeding $(region_devs a); }
run_ok "all $N devices finish" wait_until 120 all_done
# shellcheck disable=SC2046
is "$(p2pd_bad_copies pkg "$PKG_SHA" $(region_devs a))" 0 "every device has the right SHA-256"
most=$(sort -n "$T/conns" | tail -1)
diag "the most connections a daemon held: $most"
ok "$([ "$most" -le "$CAP" ]; echo $?)" "no daemon held more than $CAP connections ($most)"

origin=$(($(region_origin_bytes a) - N * PKG_TORRENT))
ratio=$(p2pd_ratio "$origin")
diag "origin sent $origin bytes for a $PKG_SIZE-byte package: x$ratio"
ok "$(p2pd_le "$ratio" 1.05)" "origin bytes within 1.05 x the package (x$ratio)"
for d in $(region_devs a); do
	diag "$d: $(p2pd_cli "$d" list | tail -n +2)"
done
p2p_diag_logs a1/log
done_testing
