# tap.sh - Test Anything Protocol output for shell tests; tests/run counts it.
#   ok DESC CMD...            passes when CMD succeeds
#   is GOT WANT DESC          passes when the two strings are equal
#   like GOT GLOB DESC        passes when GOT matches the shell pattern GLOB
#   has TEXT NEEDLE DESC      passes when TEXT contains the fixed string NEEDLE
#   hasnt TEXT NEEDLE DESC    passes when it does not
#   check COND DESC           for computed conditions: check "$x -eq 3" "three"
#   skip DESC REASON
#   diag MSG...               MSG as TAP comments ("# " before every line)
#   bail_out DESC             a setup step failed and nothing after it can
#                             mean anything: "not ok", "Bail out!", exit 1
# A failed check is followed by comments that say what was got and what was
# wanted. Everything goes to stdout, the stream the runner keeps. Each
# check returns its outcome, so "is ... || diag ..." can add more.
TAP_N=0
TAP_FAILED=0

tap_ok()   { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
tap_fail() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $*"; }

diag() {
	local m l
	for m in "$@"; do
		while IFS= read -r l; do echo "# $l"; done <<<"$m"
	done
}

# _tap_show LABEL VALUE [MAX]: "#   LABEL: 'VALUE'", further lines of VALUE
# lined up under its first, cut after MAX characters (default 1000).
_tap_show() {
	local label=$1 v=$2 max=${3:-1000} more='' pad
	if [ "${#v}" -gt "$max" ]; then
		more=" ... (${#v} characters in all)"
		v=${v:0:max}
	fi
	printf -v pad '%*s' $((${#label} + 5)) ''
	diag "  $label: '${v//$'\n'/$'\n'"$pad"}'$more"
}

# _tap_text TEXT: TEXT shortened, after a failed has or hasnt.
_tap_text() {
	case $1 in
	*$'\n'*) ;;
	*) _tap_show in "$1" 300; return ;;
	esac
	diag "  in (${#1} characters):"
	awk 'NR <= 10 { print "#     " (length($0) > 160 ? substr($0, 1, 160) "..." : $0) }
	     END { if (NR > 10) print "#     ... (" NR - 10 " more lines)" }' <<<"$1"
}

ok() {
	local desc=$1; shift
	if "$@"; then tap_ok "$desc"; return 0; fi
	tap_fail "$desc"
	_tap_show failed "$*" 300
	return 1
}

is() {
	if [ "$1" = "$2" ]; then tap_ok "$3"; return 0; fi
	tap_fail "$3"
	_tap_show got "$1"
	_tap_show want "$2"
	return 1
}

like() {
	# shellcheck disable=SC2053 # $2 is the pattern
	if [[ $1 == $2 ]]; then tap_ok "$3"; return 0; fi
	tap_fail "$3"
	_tap_show got "$1"
	_tap_show "want (glob)" "$2"
	return 1
}

has() {
	if grep -qF -- "$2" <<<"$1"; then tap_ok "$3"; return 0; fi
	tap_fail "$3"
	_tap_show missing "$2"
	_tap_text "$1"
	return 1
}

hasnt() {
	if ! grep -qF -- "$2" <<<"$1"; then tap_ok "$3"; return 0; fi
	tap_fail "$3"
	_tap_show found "$2"
	if [[ $1 == *"$2"* ]]; then   # where: 80 characters either side
		local before=${1%%"$2"*} after
		after=${1:${#before}+${#2}}
		[ "${#before}" -le 80 ] || before="...${before: -80}"
		[ "${#after}" -le 80 ] || after="${after:0:80}..."
		_tap_show in "$before$2$after"
	else
		_tap_text "$1"
	fi
	return 1
}

check() {
	if eval "[ $1 ]"; then tap_ok "$2"; return 0; fi
	tap_fail "$2 ($1)"
	return 1
}

skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }

# default_suite_only [WHY]: for a script whose subject is not the build
# tests/run hands it (packages and machines built from the tree itself,
# third-party daemons' configuration): it runs in the default suite, and
# the others (VIPD_SUITE=sanitize) skip it, saying WHY.
default_suite_only() {
	case ${VIPD_SUITE:-default} in
	default) ;;
	*) echo "1..0 # SKIP ${1:-builds its own packages from the tree}: runs in the default suite only"; exit 0 ;;
	esac
}

# second_suite_only [WHY]: for a script that needs to run once, not once per
# build, yet exercises the build too (a lab running the programs): tests/run
# gives it to the sanitize suite when it builds one (the programs under the
# sanitizers, and the two suites' run times even), else to the default
# suite; the other suite skips it, saying WHY. Run by hand, it runs.
second_suite_only() {
	case ${VIPD_SUITE:-default}:${VIPD_SUITES:-default} in
	sanitize:*|default:default) ;;
	*) echo "1..0 # SKIP ${1:-runs once}: runs in the sanitize suite only"; exit 0 ;;
	esac
}

bail_out() {
	tap_fail "$1"
	echo "Bail out! $1"
	exit 1
}

tap_done() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}
