#!/bin/bash
# 23-cluster-layouts.sh - uneven layouts: 4 hosts x 2 instances with one
# replica each, and 3 hosts x 3 instances with two replicas each. clusterctl
# create gives one master per host and every replica a host other than its
# master's; check agrees (exit 0), and so does redis-cli read independently.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/redis.sh"

cluster_test_begin c23 10.99.33 4
[ -x "$CLUSTERCTL" ] || skip_all "no clusterctl at $CLUSTERCTL (build it, or set VIPD_BUILD)"

# Per host (last octet): masters with slots, and replicas whose master sits
# on the same host, as redis-cli sees them from host 1.
layout() { # PORT-OF-SEED
	rcli 1 "$1" cluster nodes | awk '
		{ split($2, a, "[:@]"); host[$1] = a[1]; role[$1] = $3; master[$1] = $4; slots[$1] = NF > 8 }
		END {
			for (id in host) if (role[id] ~ /master/ && slots[id]) m[host[id]]++
			for (id in host) if (role[id] ~ /slave/ && host[master[id]] == host[id]) bad++
			for (h in m) print h, m[h]
			print "colocated", bad + 0
		}' | sort
}

# run_layout HOSTS PORTS REPLICAS: start, create, check, verify, stop.
run_layout() {
	local hosts=$1 ports=$2 r=$3 h port nodes=() expect=
	for h in $(seq 1 "$hosts"); do
		for port in $ports; do
			redis_start "$h" "$port"
			nodes+=("$NET.1$h:$port")
		done
	done
	for h in $(seq 1 "$hosts"); do
		for port in $ports; do wait_until 10 pong "$h" "$port" || tap_fail "redis $NET.1$h:$port answers"; done
	done
	local name="$hosts hosts x $(wc -w <<<"$ports"), $r replica(s)"
	ok "$name: clusterctl create" eval 'cctl create --replicas "$r" "${nodes[@]}" >"$TOPO_DIR/create.log" 2>&1'
	ok "$name: check says healthy (exit 0)" eval 'cctl check "${nodes[0]}" >/dev/null'
	for h in $(seq 1 "$hosts"); do expect="$expect$NET.1$h 1"$'\n'; done
	expect="${expect}colocated 0"
	local seen
	seen=$(layout "${ports%% *}")
	check "'$(echo "$seen" | sort)' = '$(echo "$expect" | sort)'" "$name: one master per host, no replica on its master's host"
	# Stop them and drop their data: the next layout starts from empty nodes.
	for h in $(seq 1 "$hosts"); do
		for port in $ports; do
			topo_kill "${PID[$h:$port]}"
			rm -rf "$TOPO_DIR/r$h-$port"
		done
	done
}

run_layout 4 "6379 6380" 1
run_layout 3 "6379 6380 6381" 2
tap_done
