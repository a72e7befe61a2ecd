#!/bin/bash
# p2p-badmeta.sh: every malicious .torrent of bt-badmeta.py is refused.
# For each "refuse" case, info and get exit 2 and the message on stderr
# names the file; for "contain" cases get may succeed or fail (there is
# no peer: --stall 2s), but nothing may be written outside the target
# folder: the tree of $T (everything but the target) is listed with find
# before and after, and the canary name is looked for in /tmp and /. The
# control good.torrent is accepted by info (the cases differ from it only
# in their defect). No peer exists: --no-lsd --no-trackers --port 0, in
# a namespace.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/p2p/p2p-lib.sh"
p2p_begin 1
canary=outpost-evil-$$
python3 "$P2P_TOOLS/bt-badmeta.py" "$T/bad" "$canary" || bail "bt-badmeta.py failed"
mkdir -p "$T/w/out"
run_ok "the control torrent is accepted" "$P2P" info "$T/bad/good.torrent"

tree() { (cd "$T" && find . -path ./w/out -prune -o -print | LC_ALL=C sort); }
while IFS=$'\t' read -r name kind what; do
	f=$T/bad/$name.torrent
	before=$(tree)
	rc=0
	err=$("$P2P" info "$f" 2>&1 >/dev/null) || rc=$?
	if [ "$kind" = refuse ]; then
		is "$rc" 2 "$name ($what): info exits 2"
		like "$err" "$name\\.torrent" "$name: info's message names the file"
	fi
	rc=0
	err=$(cd "$T/w" && ns_exec p1 "$P2P" get "$f" -o "$T/w/out" --no-lsd --no-trackers \
		--no-webseeds --port 0 --stall 2s --quiet 2>&1 >/dev/null) || rc=$?
	if [ "$kind" = refuse ]; then
		is "$rc" 2 "$name: get exits 2"
		like "$err" "$name\\.torrent" "$name: get's message names the file"
		is "$(find "$T/w/out" -mindepth 1 | head -n 3)" "" "$name: get wrote nothing"
	else
		diag "$name ($what): get exit $rc"
	fi
	is "$(diff <(printf '%s\n' "$before") <(tree) | grep '^[<>]')" "" \
		"$name: nothing written outside the target folder"
	rm -rf "$T/w/out"/* "$T/w/out"/.[!.]* 2>/dev/null
done <"$T/bad/index"
is "$(find /tmp / -maxdepth 2 -name "$canary*" 2>/dev/null)" "" "no $canary anywhere near /"
done_testing
