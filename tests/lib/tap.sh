# tap.sh: a small TAP producer for Outpost's shell tests (bash).
#
# Source it from a bash test script:
#	. "$top_srcdir/tests/lib/tap.sh"
#	plan 3            (or call done_testing at the end)
#	ok 0 "what held"  ok STATUS DESC: STATUS 0 passes, anything else fails
#	is "$got" "$want" "what matched"
#	like "$got" 'regex' "what matched"
#	run_ok "what ran" cmd args...      the command must exit 0
#	run_fails "what failed" cmd args... the command must exit non-zero
#	diag "note"; skip "why" [n]; skip_all "why"; bail "why"
#	done_testing
#
# Every helper returns 0 even when the assertion fails, so `set -e`
# scripts keep going; a failed assertion is reported, not fatal.  Use
# bail to stop the whole script.  The exit status of done_testing is 1
# when any test failed or the plan was not met, like tests/tap.h.

TAP_N=0
TAP_FAILED=0
TAP_PLANNED=-1

# Print diagnostics as TAP comments, one per line of input.
diag()
{
	local line
	printf '%s\n' "$*" | while IFS= read -r line; do
		printf '# %s\n' "$line"
	done
}

plan()
{
	TAP_PLANNED=$1
	printf '1..%d\n' "$1"
}

ok()
{
	local status=$1
	shift
	TAP_N=$((TAP_N + 1))
	if [ "$status" = 0 ]; then
		printf 'ok %d - %s\n' "$TAP_N" "$*"
	else
		TAP_FAILED=$((TAP_FAILED + 1))
		printf 'not ok %d - %s\n' "$TAP_N" "$*"
	fi
	return 0
}

is()
{
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "     got: '$1'"
		diag "expected: '$2'"
	fi
}

isnt()
{
	if [ "$1" != "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "got '$1', wanted anything else"
	fi
}

like()
{
	if [[ $1 =~ $2 ]]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "     got: '$1'"
		diag "expected to match: /$2/"
	fi
}

# Run "$@" in the current shell (not a subshell: helpers that keep state,
# like netns.sh's, must keep it) with its output in RUN_OUTPUT.
_tap_run()
{
	local f rc=0
	f=$(mktemp "${TMPDIR:-/tmp}/tap-run.XXXXXX") || return 1
	"$@" >"$f" 2>&1 || rc=$?
	RUN_OUTPUT=$(cat "$f")
	rm -f "$f"
	return "$rc"
}

# Run a command, pass when it exits 0; on failure its output and exit
# status go to the diagnostics.  RUN_OUTPUT and RUN_STATUS keep both.
run_ok()
{
	local desc=$1 out rc=0
	shift
	_tap_run "$@" || rc=$?
	out=$RUN_OUTPUT
	RUN_STATUS=$rc
	ok "$rc" "$desc"
	if [ "$rc" != 0 ]; then
		diag "command: $*"
		diag "exit status: $rc"
		[ -z "$out" ] || diag "$out"
	fi
}

# Like run_ok, but the command must fail (exit non-zero).
run_fails()
{
	local desc=$1 out rc=0
	shift
	_tap_run "$@" || rc=$?
	out=$RUN_OUTPUT
	RUN_STATUS=$rc
	if [ "$rc" != 0 ]; then
		ok 0 "$desc"
	else
		ok 1 "$desc"
		diag "command: $*"
		diag "succeeded but should have failed"
		[ -z "$out" ] || diag "$out"
	fi
}

# skip WHY [N]: report N (default 1) tests as skipped.
skip()
{
	local why=$1 n=${2:-1}
	while [ "$n" -gt 0 ]; do
		TAP_N=$((TAP_N + 1))
		printf 'ok %d # SKIP %s\n' "$TAP_N" "$why"
		n=$((n - 1))
	done
}

# Skip the whole script; only valid before any test ran.
skip_all()
{
	printf '1..0 # SKIP %s\n' "$*"
	exit 0
}

# Stop the whole run: the harness reports an error for this script.
bail()
{
	printf 'Bail out! %s\n' "$*"
	exit 1
}

done_testing()
{
	if [ "$TAP_PLANNED" -lt 0 ]; then
		printf '1..%d\n' "$TAP_N"
	elif [ "$TAP_PLANNED" != "$TAP_N" ]; then
		diag "planned $TAP_PLANNED tests but ran $TAP_N"
		exit 1
	fi
	[ "$TAP_FAILED" = 0 ] || exit 1
	exit 0
}

# Skip (or, when OUTPOST_REQUIRE_ROOT=1, bail out) unless every named
# command exists: CI must never silently lose a test to a missing tool.
require_cmd()
{
	local c
	for c; do
		command -v "$c" >/dev/null 2>&1 && continue
		if [ "${OUTPOST_REQUIRE_ROOT:-0}" = 1 ]; then
			bail "needs $c (run contrib/install-deps)"
		fi
		skip_all "needs $c (run contrib/install-deps)"
	done
}

# wait_until SECONDS CMD...: poll CMD every 0.2 s until it succeeds (0) or
# SECONDS pass (1).
wait_until()
{
	local deadline=$((SECONDS + $1))
	shift
	while ! "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}
