#!/bin/bash
# shape-rate.sh: origin, P2P and business rates of one region, IPv4, in
# both directions (see shape-rate-lib.sh).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/shape/shape-lib.sh"
FAM=4
. "$top_srcdir/tests/shape/shape-rate-lib.sh"
