# p2pd-region-test.sh: what a test of outpost-p2pd in region worlds
# sources (bash): the TAP and namespace libraries, the P2P worlds, the
# region worlds and the daemon's helpers. Needs top_srcdir.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/p2p/p2p-lib.sh"
. "$top_srcdir/tests/p2p/region-lib.sh"
. "$top_srcdir/tests/p2p/p2pd-lib.sh"
