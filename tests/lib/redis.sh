# redis.sh - redis-server instances in a netns.sh topology, for the cluster
# tests. Expects P (namespace prefix), NET (subnet, hosts at NET.1H) and
# CLUSTERCTL; sourced after tap.sh and netns.sh.
#
#   redis_start H PORT [ARGS...]   one cluster-enabled instance on host H
#   rcli H PORT CMD...             redis-cli from the client namespace
#   cctl ARGS...                   clusterctl from the client namespace

declare -A PID=()     # "H:PORT" -> PID of its redis-server

redis_start() {
	local h=$1 port=$2; shift 2
	local dir=$TOPO_DIR/r$h-$port
	mkdir -p "$dir"
	topo_spawn "${P}r$h" "$dir.log" redis-server --bind "$NET.1$h" --port "$port" \
		--cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
		--appendonly yes --save '' --dir "$dir" --repl-diskless-sync-delay 0 --protected-mode no "$@"
	PID[$h:$port]=$TOPO_LAST_PID
}

rcli() {
	local h=$1 port=$2; shift 2
	topo_exec "${P}c" redis-cli --no-auth-warning -h "$NET.1$h" -p "$port" "$@"
}

cctl() { topo_exec "${P}c" "$CLUSTERCTL" "$@"; }

pong() { [ "$(rcli "$@" ping 2>/dev/null)" = PONG ]; }   # H PORT [-a PASSWORD]

state_ok() { rcli "$1" "$2" cluster info | grep -q '^cluster_state:ok'; }   # H PORT

# The build whose binaries the cluster tests use.
CLUSTER_TREE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${VIPD_BUILD:-$CLUSTER_TREE}
CLUSTERCTL=${CLUSTERCTL:-$BUILD/cluster/clusterctl}

skip_all() { # print "1..0 # SKIP why" and leave: the script cannot run here
	echo "1..0 # SKIP $*"
	exit 0
}

# cluster_test_begin NAME NET HOSTS: skip unless root and the tools are
# here, then build the topology NAME (+ TEST_NS_TAG) of HOSTS hosts on NET,
# holding a lock so a second run of the same script waits its turn.
cluster_test_begin() {
	local t
	P=$1${TEST_NS_TAG:-} NET=$2
	[ "$(id -u)" -eq 0 ] || skip_all "needs root for network namespaces"
	for t in ip jq redis-server redis-cli flock awk; do
		command -v "$t" >/dev/null || skip_all "$t is not installed"
	done
	exec {CLUSTER_LOCK_FD}>"${TMPDIR:-/tmp}/vipd-lab-$P.lock"
	flock -w 300 "$CLUSTER_LOCK_FD" || echo "# lab $P still in use after 300 s; going ahead"
	topo_create "$P" "$NET" "$3"
}
