#!/bin/bash
# p2p-net.sh: the net part's clients against each other and real servers
# inside namespaces. LSD (BEP 14): two hosts on a bridge announce
# different hashes over IPv4 and IPv6 multicast; each must learn the
# other's hash at the other's address and announced port, and never
# report its own announce (looped back, recognised by the cookie).
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
CHECK=$top_builddir/tests/tools/p2p-net-check
PATH=$PATH:/usr/sbin

require_root
T=$NETNS_TMP
HA=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
HB=0123456789abcdef0123456789abcdef01234567

plan 6

ns_add a && ns_add b && ns_add s || bail "cannot make namespaces"
veth_add a eth0 s pa && veth_add b eth0 s pb && bridge_add s br0 pa pb ||
	bail "cannot make the bridge"
addr_add a eth0 10.11.0.1/24 && addr_add a eth0 2001:db8:11::1/64 &&
	addr_add b eth0 10.11.0.2/24 && addr_add b eth0 2001:db8:11::2/64 ||
	bail "cannot add addresses"

bg_run a "$CHECK" lsd eth0 7001 "$HA" 4 >"$T/a.out" 2>"$T/a.err"
PA=$BG_PID
bg_run b "$CHECK" lsd eth0 7002 "$HB" 4 >"$T/b.out" 2>"$T/b.err"
PB=$BG_PID
wait "$PA" "$PB"
diag "a: $(sort -u "$T/a.out" | tr '\n' ' ') $(cat "$T/a.err")"
diag "b: $(sort -u "$T/b.out" | tr '\n' ' ') $(cat "$T/b.err")"

run_ok "a heard b over IPv4" grep -qx "peer $HB 10.11.0.2:7002" "$T/a.out"
run_ok "b heard a over IPv4" grep -qx "peer $HA 10.11.0.1:7001" "$T/b.out"
run_ok "a heard b over IPv6" grep -qE "^peer $HB \[fe80::[0-9a-f:]+\]:7002$|^peer $HB \[2001:db8:11::2\]:7002$" "$T/a.out"
run_ok "b heard a over IPv6" grep -qE "^peer $HA \[fe80::[0-9a-f:]+\]:7001$|^peer $HA \[2001:db8:11::1\]:7001$" "$T/b.out"
run_fails "a ignored its own announces" grep -q "$HA" "$T/a.out"
run_fails "b ignored its own announces" grep -q "$HB" "$T/b.out"
done_testing
