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
