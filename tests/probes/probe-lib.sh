# probe-lib.sh: what the outpost-probe tests share (bash; source after
# tests/lib/tap.sh and tests/lib/netns.sh).
#
#	PROBE               the outpost-probe binary of this build
#	listener NS ADDR PORT LOG   a TCP listener in NS that accepts and
#	                    closes, writing each peer's address to LOG
#	netns_etc NS hosts|resolv.conf TEXT   a file that ip netns exec
#	                    bind-mounts over /etc/NAME inside NS
#	jget JSON PATH      one field of a JSON object: jget "$j" rtt.p50
#	json_fields JSON F...   0 when every dotted field F exists

PROBE=${top_builddir:-.}/probes/outpost-probe
[ -x "$PROBE" ] || bail "no $PROBE: build first"

listener()
{
	local ns=$1 addr=$2 port=$3 log=$4
	: >"$log"
	bg_run "$ns" python3 -c '
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1024)
log = open(sys.argv[3], "a", buffering=1)
print("ready", file=log)
while True:
    c, peer = s.accept()
    print(peer[0], file=log)
    c.close()
' "$addr" "$port" "$log"
	wait_until 5 grep -q '^ready' "$log" || bail "listener on $addr:$port did not start"
}

# Files under /etc/netns/FULLNAME/ replace /etc/FILE for ip netns exec;
# the folder goes at teardown.
netns_etc()
{
	local dir
	dir=/etc/netns/$(ns "$1")
	mkdir -p "$dir" && printf '%s\n' "$3" >"$dir/$2" || return 1
	on_exit "rm -rf '$dir'; rmdir /etc/netns 2>/dev/null"
}

jget()
{
	python3 -c '
import json, sys
v = json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    v = v[k] if isinstance(v, dict) and k in v else None
print("null" if v is None else (json.dumps(v) if isinstance(v, (dict, list, bool)) else v))
' "$1" "$2"
}

json_fields()
{
	python3 -c '
import json, sys
v = json.loads(sys.argv[1])
missing = []
for f in sys.argv[2:]:
    o = v
    for k in f.split("."):
        if not isinstance(o, dict) or k not in o:
            missing.append(f)
            break
        o = o[k]
if missing:
    print("missing: " + " ".join(missing))
    sys.exit(1)
' "$@"
}
