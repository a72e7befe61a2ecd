#!/bin/bash
# p2pd-churn.sh: a region of devices behind a 20 Mbit/s line; 7 start
# the package together, one of them is killed (SIGKILL) halfway, and an
# eighth joins late. The devices still running all finish with the right
# SHA-256, and the origin's bytes to the region stay within 1.15 x the
# package: the pieces the dead one owned pass to the others, the late
# one takes few.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/p2p/p2pd-region-test.sh"
p2pd_region_begin "${P2PD_TEST_MIB:-16}" a:8
first="a1 a2 a3 a4 a5 a6 a7"
# shellcheck disable=SC2086
p2pd_start_all $first
p2pd_add_all "$P2P_WEB/pkg.torrent" $first
half() { local b; b=$(p2pd_jlist a1 bytes); [ "${b:-0}" -ge $((PKG_SIZE / 2)) ] 2>/dev/null; }
wait_until 60 half || diag "a1 not halfway after 60 s"
kill -9 "${P2PD_PID[a3]}"
diag "a3 killed at $(p2pd_jlist a1 bytes) bytes of a1's"
p2pd_start a8 || bail "a8: the daemon did not start"
run_ok "a late device adds the package" p2pd_cli a8 add "$P2P_WEB/pkg.torrent"
live="a1 a2 a4 a5 a6 a7 a8"
# shellcheck disable=SC2086
run_ok "every device still running finishes" wait_until 120 p2pd_all_seeding $live
# shellcheck disable=SC2086
is "$(p2pd_bad_copies pkg "$PKG_SHA" $live)" 0 "... each with the right SHA-256"
o=$(($(region_origin_bytes a) - 8 * PKG_TORRENT))
ok "$(p2pd_le "$(p2pd_ratio "$o")" 1.15)" "origin bytes x$(p2pd_ratio "$o") of the package (<= 1.15)"
p2p_diag_logs a1/log a8/log
done_testing
