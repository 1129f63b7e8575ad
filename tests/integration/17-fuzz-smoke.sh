#!/bin/bash
# 17-fuzz-smoke.sh - every libFuzzer target of tests/fuzz/ builds (clang,
# ASan, UBSan) and fuzzes for 10 seconds from its committed seed corpus,
# regression inputs included, without a crash, a leak, a timeout or a
# failed oracle: one test per tests/fuzz/fuzz_*.c, through
# "tests/fuzz/run 10". Crash inputs and logs land in tests/out/fuzz/.
# Skips without clang and libFuzzer, and in the sanitizer pass of
# tests/run (TEST_NS_TAG=s).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tree=$(cd "$here/../.." && pwd)
. "$here/../lib/tap.sh"

skip_all() { echo "1..0 # SKIP $*"; exit 0; }
if [ "${TEST_NS_TAG:-}" = s ]; then
	skip_all "the fuzzers always build with ASan and UBSan themselves: one run per test command is enough (the plain pass runs them)"
fi
CC=${CC:-clang}
command -v "$CC" >/dev/null || skip_all "$CC is not installed (provisioning/deps.sh test: clang libclang-rt-14-dev)"

dir=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-smoke.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$dir/probe.c"
"$CC" -fsanitize=fuzzer,address,undefined -o "$dir/probe" "$dir/probe.c" >"$dir/probe.log" 2>&1 ||
	skip_all "$CC cannot link -fsanitize=fuzzer (libFuzzer missing: apt-get install libclang-rt-14-dev)"

targets=()
for f in "$tree"/tests/fuzz/fuzz_*.c; do
	[ -e "$f" ] && targets+=("$(basename "$f" .c)")
done
[ ${#targets[@]} -gt 0 ] || skip_all "no tests/fuzz/fuzz_*.c"

"$tree/tests/fuzz/run" 10 >"$dir/run.out" 2>&1
rc=$?
sed 's/^/# /' "$dir/run.out"
for t in "${targets[@]}"; do
	line=$(grep -m1 "^$t: " "$dir/run.out")
	if [[ $line =~ ^$t:\ [0-9]+\ runs\ in\ [0-9]+\ s,\ 0\ crashes$ ]]; then
		tap_ok "$t: ${line#"$t: "}"
	else
		tap_fail "$t: ${line:+${line#"$t: "}}${line:-no result (tests/fuzz/run exited $rc)}"
	fi
done
tap_done
