#!/bin/bash
# shape-rate6.sh: origin, P2P and business rates of one region, IPv6, in
# both directions (see shape-rate-lib.sh).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/shape/shape-lib.sh"
FAM=6
. "$top_srcdir/tests/shape/shape-rate-lib.sh"
