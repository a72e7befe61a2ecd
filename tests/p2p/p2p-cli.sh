#!/bin/bash
# p2p-cli.sh: outpost-p2p's command line on local files (no network):
#  - --help prints the synopsis, --version the version, bad options and
#    arguments exit 2 naming what is wrong;
#  - create then info: the info-hashes match what libtorrent computes for
#    the same file, and info --json lists the files with their sizes;
#  - create refuses to overwrite an existing torrent (exit 2, the file
#    untouched) unless -f;
#  - verify: exit 0 on the content, 1 after one flipped byte (naming the
#    file), 1 with the file missing; --json says the same;
#  - info on a torrent made by mktorrent (another tool's v1) works;
#  - a torrent with a ".." path component is refused with exit 2 and the
#    reason names the file and the component, by info, verify and get
#    (which writes nothing); a --peer without a port is refused by get.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib/tap.sh"
require_cmd python3 mktorrent

P2P=$top_builddir/modules/p2p/outpost-p2p
[ -x "$P2P" ] || bail "$P2P is not built"
LT_PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/p2p-cli.XXXXXX") || bail "no temporary folder"
trap 'rm -rf "$T"' EXIT
cd "$T" || bail "cd $T"

# jq-free JSON field access: json_get FILE EXPR (python expression on d).
json_get()
{
	python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print(eval(sys.argv[2]))' "$1" "$2"
}

# ---- usage ----
run_ok "--help exits 0" "$P2P" --help
like "$RUN_OUTPUT" '^usage: outpost-p2p create PATH' "--help prints the synopsis"
like "$RUN_OUTPUT" 'outpost-p2p verify TORRENT DIR \[--json\]' "the synopsis has every command"
run_ok "--version exits 0" "$P2P" --version
like "$RUN_OUTPUT" '^outpost-p2p [0-9]' "--version prints the version"

usage_case()
{
	local want=$1
	shift
	"$P2P" "$@" >out 2>err
	is "$?" 2 "exit 2: $*"
	like "$(head -1 err)" "$want" "says why: $*"
}
usage_case 'a command is needed'
usage_case "unknown command 'fetch'" fetch x
usage_case "unknown option '--bogus'" info x.torrent --bogus
usage_case 'get: -o DIR needed' get x.torrent
usage_case "--max-rate: '20' is not a rate" get x.torrent -o d --max-rate 20
usage_case "--port: '70000' is not a number" get x.torrent -o d --port 70000
usage_case '--seed-after is not an option of seed' seed x.torrent d --seed-after 1m
usage_case "--piece-size: '3KiB'" create x --piece-size 3KiB
usage_case 'verify: TORRENT and DIR needed' verify x.torrent
usage_case "x.torrent" info x.torrent

# ---- create and info ----
mkdir -p src/pkg/sub
head -c 300000 /dev/urandom >src/pkg/a.bin
head -c 70000 /dev/urandom >src/pkg/sub/b.bin
printf 'hello\n' >src/pkg/c.txt
run_ok "create a folder" "$P2P" create src/pkg -o pkg.torrent --piece-size 32KiB \
	--webseed http://192.0.2.10/ --comment demo
like "$RUN_OUTPUT" 'created pkg.torrent' "create names the file"
ok "$([ -s pkg.torrent ]; echo $?)" "the torrent is written"
run_ok "info --json" sh -c "'$P2P' info pkg.torrent --json >info.json"
is "$(json_get info.json 'd["type"], d["name"], d["size"], d["piece_size"], d["version"]')" \
	"('info', 'pkg', 370006, 32768, 'hybrid')" "info: name, size, piece size, version"
is "$(json_get info.json 'sorted((f["path"], f["size"]) for f in d["files"])')" \
	"[('pkg/a.bin', 300000), ('pkg/c.txt', 6), ('pkg/sub/b.bin', 70000)]" \
	"info: the files and sizes, pad files left out"
is "$(json_get info.json 'd["webseeds"]')" "['http://192.0.2.10/']" "info: the web seed"
if "$LT_PY" -c 'import libtorrent' 2>/dev/null; then
	lt=$("$LT_PY" -c '
import libtorrent as lt, sys
ti = lt.torrent_info(sys.argv[1])
h = ti.info_hashes()
print(str(h.v1), str(h.v2))' pkg.torrent 2>&1)
	is "$lt" "$(json_get info.json 'd["info_hash"] + " " + (d["info_hash_v2"] or "0" * 64)')" \
		"libtorrent computes the same v1 and v2 info-hashes"
else
	skip "no libtorrent for /usr/bin/python3"
fi

run_ok "create a single file, v1, JSON" sh -c "'$P2P' create src/pkg/a.bin --v1 --json >c.json"
is "$(json_get c.json 'd["type"], d["file"], d["name"], d["version"], d["info_hash_v2"]')" \
	"('created', 'a.bin.torrent', 'a.bin', 'v1', None)" "create --json: default file, v1 only"
ok "$([ -s a.bin.torrent ]; echo $?)" "./a.bin.torrent written"

# ---- create refuses to overwrite ----
sum=$(cksum <pkg.torrent)
"$P2P" create src/pkg -o pkg.torrent >out 2>err
is "$?" 2 "create over an existing file exits 2"
like "$(cat err)" 'pkg.torrent exists' "and says the file exists"
is "$(cksum <pkg.torrent)" "$sum" "the existing torrent is untouched"
run_ok "create -f replaces it" "$P2P" create src/pkg -o pkg.torrent -f --piece-size 64KiB
is "$("$P2P" info pkg.torrent --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["piece_size"])')" \
	65536 "the new torrent is in place"
ls ./*.tmp >/dev/null 2>&1
ok "$((! $?))" "no temporary left behind"

# ---- verify ----
run_ok "verify the content" "$P2P" verify pkg.torrent src
like "$RUN_OUTPUT" 'all [0-9]+ pieces match' "verify says all pieces match"
python3 - src/pkg/sub/b.bin <<'EOF'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(40000); b = f.read(1); f.seek(40000); f.write(bytes([b[0] ^ 1]))
EOF
"$P2P" verify pkg.torrent src >out 2>&1
is "$?" 1 "verify after one flipped byte exits 1"
like "$(cat out)" '1 of [0-9]+ pieces do not match' "verify counts the bad piece"
like "$(cat out)" 'bad: pkg/sub/b.bin' "verify names the file"
"$P2P" verify pkg.torrent src --json >v.json
is "$?" 1 "verify --json exits 1 too"
is "$(json_get v.json 'd["type"], d["ok"], d["bad"], d["files_bad"]')" \
	"('verify', False, 1, ['pkg/sub/b.bin'])" "verify --json: ok false, the bad file"
rm src/pkg/c.txt
"$P2P" verify pkg.torrent src --json >v.json
is "$?" 1 "verify with a missing file exits 1"
like "$(json_get v.json 'd["files_bad"]')" 'pkg/c.txt' "the missing file is named"
ls -A src >list
is "$(cat list)" "pkg" "verify wrote nothing into DIR"

# ---- another tool's torrent ----
mktorrent -l 15 -o mk.torrent src/pkg/a.bin >/dev/null 2>&1
run_ok "info reads mktorrent's torrent" "$P2P" info mk.torrent
like "$RUN_OUTPUT" 'info hash: +[0-9a-f]{40}' "and prints its info-hash"
run_ok "verify against mktorrent's torrent" "$P2P" verify mk.torrent src/pkg

# ---- a refused torrent ----
python3 - evil.torrent <<'EOF'
import hashlib, sys
def b(x):
    if isinstance(x, int): return b"i%de" % x
    if isinstance(x, str): x = x.encode()
    if isinstance(x, bytes): return b"%d:%s" % (len(x), x)
    if isinstance(x, list): return b"l" + b"".join(b(i) for i in x) + b"e"
    return b"d" + b"".join(b(k) + b(v) for k, v in sorted(x.items())) + b"e"
data = b"x" * 100
info = {"name": "evil", "piece length": 16384, "pieces": hashlib.sha1(data).digest(),
        "files": [{"length": 100, "path": ["..", "etc", "passwd"]}]}
open(sys.argv[1], "wb").write(b({"announce": "http://192.0.2.1/announce", "info": info}))
EOF
"$P2P" info evil.torrent >out 2>err
is "$?" 2 "info on a torrent with a '..' component exits 2"
like "$(cat err)" 'evil.torrent' "the refusal names the file"
like "$(cat err)" '\.\.' "and the component"
"$P2P" verify evil.torrent src >out 2>err
is "$?" 2 "verify refuses it the same way"
# get refuses it before any socket: no port, no LSD, nothing to reach.
"$P2P" get evil.torrent -o out --port 0 --no-lsd --no-trackers --no-webseeds --quiet >o 2>err
is "$?" 2 "get refuses it with exit 2"
like "$(cat err)" 'evil.torrent' "get names the file"
is "$(find out -mindepth 1 2>/dev/null | head -3)" "" "get wrote nothing"
"$P2P" get pkg.torrent -o out --peer 10.0.0.2 --port 0 >o 2>err
is "$?" 2 "get with a --peer without a port exits 2"
like "$(cat err)" "--peer: '10.0.0.2' is not ADDR:PORT" "and names the peer"

done_testing
