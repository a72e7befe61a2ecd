#!/bin/bash
# http-bad: outpost-probe http against tests/tools/bad-http.py, a server
# that answers wrongly on purpose: a bad status line, an endless header,
# a chunk size past 64 bits, truncated bodies, no HTTP at all. Each must
# be an error in the result with exit 1 and no crash (the ASan build
# aborts on any memory error); the good chunked (with extensions and
# trailers, written a few bytes at a time) and close-delimited bodies
# must hash to what the server sent.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/probes/web-lib.sh"
require_root
for t in python3 jq sha256sum; do
	command -v $t >/dev/null || skip_all "needs $t"
done
BAD=$top_srcdir/tests/tools/bad-http.py

web_world || bail "cannot build the namespaces"
bg_run s python3 "$BAD" 10.9.1.2 8080 2>"$NETNS_TMP/bad-http.log"
wait_until 10 ns_exec c bash -c '(exec 3<>/dev/tcp/10.9.1.2/8080) 2>/dev/null' ||
	bail "bad-http.py did not start"

no_crash()
{
	if [ "$PROBE_RC" -ge 128 ] || [[ $PROBE_ERR =~ (AddressSanitizer|runtime\ error|LeakSanitizer) ]]; then
		ok 1 "$1: no crash"
		diag "$PROBE_ERR"
	else
		ok 0 "$1: no crash"
	fi
}

# bad PATH ERROR-REGEX: exit 1, unreachable, state response, the error.
bad()
{
	local path=$1 want=$2
	probe http --json -W 5s "http://www.test:8080$path"
	no_crash "$path"
	is "$PROBE_RC $(jget .outcome) $(jget .state)" "1 unreachable response" "$path: exit 1, unreachable"
	like "$(jget .error)" "$want" "$path: the error says '$want'"
	printf '%s\n' "$PROBE_OUT" | jq -e . >/dev/null 2>&1
	ok $? "$path: the result is still one valid JSON object"
}

bad /bad-status 'bad status line'
start=$SECONDS
bad /endless-header 'larger than 64 KiB'
ok "$([ $((SECONDS - start)) -lt 4 ]; echo $?)" "/endless-header: given up at the cap, not at the timeout"
bad /chunk-overflow 'chunk size overflows'
bad /truncated 'body truncated: 100 of 1000 bytes'
is "$(jget .size) $(jget .status)" "100 200" "/truncated: what did arrive is counted"
bad /truncated-chunk 'closed inside the chunked body'
bad /not-http 'bad status line'

probe http --json http://www.test:8080/chunked
no_crash /chunked
is "$PROBE_RC $(jget .framing) $(jget .trailers)" "0 chunked 2" "/chunked: read, with its two trailers"
is "$(jget .sha256)" "$(python3 "$BAD" --body chunked | sha256sum | cut -d' ' -f1)" \
	"/chunked: SHA-256 of the decoded body"
is "$(jget .size)" "$(python3 "$BAD" --body chunked | wc -c)" "/chunked: size of the decoded body"
is "$(jget .chunks)" "$(python3 -c 'print(-(-40 * 30 // 97))')" "/chunked: every chunk counted"

probe http --json http://www.test:8080/close
no_crash /close
is "$PROBE_RC $(jget .framing)" "0 close" "/close: delimited by the close"
is "$(jget .sha256)" "$(python3 "$BAD" --body close | sha256sum | cut -d' ' -f1)" \
	"/close: SHA-256 of the body"

# Several bad answers at once in one process: each its own result.
probe http --json http://www.test:8080/bad-status http://www.test:8080/chunked \
	http://www.test:8080/truncated
no_crash "three at once"
is "$PROBE_RC" 1 "three at once: exit 1"
is "$(printf '%s\n' "$PROBE_OUT" | jq -r '.target + " " + .outcome' | sort | tr '\n' ' ')" \
	"http://www.test:8080/bad-status unreachable http://www.test:8080/chunked reached http://www.test:8080/truncated unreachable " \
	"three at once: one result per target, each right"
grep -q '/endless-header' "$NETNS_TMP/bad-http.log"
ok $? "the server did see the requests"

done_testing
