# tap.sh - Test Anything Protocol output for shell tests; tests/run counts it.
#   ok "description" CMD...   passes when CMD succeeds
#   check COND "description"  for computed conditions: check "$x -eq 3" "three"
#   skip "description" "reason"
TAP_N=0
TAP_FAILED=0

tap_ok()   { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
tap_fail() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $*"; }

ok() {
	local desc=$1; shift
	if "$@"; then tap_ok "$desc"; else tap_fail "$desc"; fi
}

check() {
	if eval "[ $1 ]"; then tap_ok "$2"; else tap_fail "$2 ($1)"; fi
}

skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }

tap_done() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}
