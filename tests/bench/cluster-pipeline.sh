#!/bin/bash
# cluster-pipeline.sh - what per-node pipelining buys the cluster client:
# N SETs one per round trip (cluster_command) against the same N SETs as one
# batch (cluster_batch_run: split by node, pipelined to each), on loopback.
#
#   tests/bench/cluster-pipeline.sh [N]        (default 10000 SETs)
#
# Environment: REPS (default 5; the median run is reported), REPLICAS
# (default 1: 3 masters + 3 replicas, as in production; 0: 3 masters),
# BENCH_PORT (default 7121; nodes on BENCH_PORT..+5, bus on +10000),
# PROBE (a prebuilt tests/tools/cluster-probe; default: built -O2 here).
#
# Output: one line per repetition on stderr; on stdout
#   single_ms pipelined_ms single_ops pipelined_ops ratio   (the median run)
# Exit 1 when the ratio is below 5 (the target). The redis-server processes
# are stopped by PID and the temporary directory removed on any exit.
set -u
tree=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
N=${1:-10000}
REPS=${REPS:-5}
REPLICAS=${REPLICAS:-1}
BASE=${BENCH_PORT:-7121}
NODES=$((REPLICAS > 0 ? 6 : 3))
PIDS=()
T=$(mktemp -d "${TMPDIR:-/tmp}/cluster-bench.XXXXXX")

cleanup() {
	local pid i
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for i in $(seq 50); do
		local alive=0
		for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
die() { echo "cluster-pipeline: $*" >&2; exit 2; }

for t in redis-server redis-cli gcc; do
	command -v $t >/dev/null || die "$t is not installed (apt-get install redis-server redis-tools)"
done
PROBE=${PROBE:-}
if [ -z "$PROBE" ]; then
	PROBE=$T/cluster-probe
	gcc -std=gnu11 -O2 -D_GNU_SOURCE -I"$tree/cluster" -o "$PROBE" \
		"$tree"/cluster/{crc16,slot,client_batch,client}.c "$tree/tests/tools/cluster-probe.c" \
		-lhiredis || die "cannot build cluster-probe (libhiredis-dev?)"
fi

ports=$(seq "$BASE" $((BASE + NODES - 1)))
for p in $ports; do
	for q in $p $((p + 10000)); do
		ss -Htln "sport = :$q" 2>/dev/null | grep -q . && die "port $q is in use (set BENCH_PORT)"
	done
done
for p in $ports; do
	mkdir -p "$T/n$p"
	redis-server --port "$p" --bind 127.0.0.1 --dir "$T/n$p" --daemonize no \
		--cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 \
		--appendonly yes --save '' >"$T/n$p/log" 2>&1 &
	PIDS+=($!)
done
for p in $ports; do
	for i in $(seq 100); do [ "$(redis-cli -p "$p" ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
done
timeout 60 redis-cli --cluster create $(for p in $ports; do printf '127.0.0.1:%s ' "$p"; done) \
	--cluster-replicas "$REPLICAS" --cluster-yes >"$T/create.log" 2>&1 || { cat "$T/create.log"; die "cluster create failed"; }
for i in $(seq 300); do
	up=1
	for p in $ports; do redis-cli -p "$p" cluster info | grep -q '^cluster_state:ok' || up=0; done
	[ $up = 1 ] && break
	sleep 0.1
done
[ $up = 1 ] || die "the cluster did not come up"

echo "cluster: $NODES nodes ($((NODES / (REPLICAS + 1))) masters), $N SETs, $REPS repetitions" >&2
runs=()
for r in $(seq "$REPS"); do
	line=$(timeout 300 "$PROBE" "127.0.0.1:$BASE" bench "$N") || die "probe failed: $line"
	echo "run $r: ${line#ok bench }" >&2
	runs+=("${line#ok bench }")
done
# The median by ratio.
median=$(printf '%s\n' "${runs[@]}" | awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "ratio") print kv[2], $0 } }' |
	sort -n | awk -v m=$(((REPS + 1) / 2)) 'NR == m { $1 = ""; sub(/^ /, ""); print }')
field() { echo "$median" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
printf '%-14s %-14s %-12s %-14s %s\n' single_ms pipelined_ms single_ops pipelined_ops ratio
printf '%-14s %-14s %-12s %-14s %s\n' "$(field single_ms)" "$(field pipelined_ms)" \
	"$(field single_ops)" "$(field pipelined_ops)" "$(field ratio)"
awk -v r="$(field ratio)" 'BEGIN { exit !(r >= 5) }' || { echo "ratio below the target of 5" >&2; exit 1; }
