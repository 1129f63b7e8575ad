# netns.sh - build and tear down test networks out of network namespaces.
#
# A topology is a "switch" namespace holding a bridge, router namespaces
# r1..rN and a client namespace, each joined to the bridge by a veth pair
# whose inside end is eth0. Everything is named after a short prefix so
# several topologies (and a leftover from a killed run) never collide.
# Processes started with topo_spawn are recorded and killed by PID.
#
#   . tests/lib/netns.sh
#   topo_create vt1 10.99.1 3     # vt1sw, vt1r1..vt1r3, vt1c; 10.99.1.11-13, client .100
#   topo_exec vt1r1 ip -br addr
#   topo_spawn vt1r1 "$TOPO_DIR/r1.log" vipd -n -f r1.conf
#   topo_destroy                  # also runs from the EXIT trap topo_create sets

TOPO_PREFIX=
TOPO_DIR=
TOPO_V6=

_topo_sysctl() { # ns key value
	ip netns exec "$1" sysctl -qw "$2=$3" >/dev/null 2>&1 || true
}

# topo_add_host PREFIX NAME ADDR4 [ADDR6]: one namespace on the bridge.
topo_add_host() {
	local p=$1 name=$2 a4=$3 a6=${4:-}
	local ns=$p$name
	ip netns add "$ns"
	ip link add "v-$name" netns "${p}sw" type veth peer name eth0 netns "$ns"
	ip -n "${p}sw" link set "v-$name" master br0 up
	_topo_sysctl "$ns" net.ipv6.conf.all.accept_dad 0
	_topo_sysctl "$ns" net.ipv6.conf.default.accept_dad 0
	_topo_sysctl "$ns" net.ipv6.conf.eth0.accept_dad 0
	_topo_sysctl "$ns" net.ipv4.conf.all.arp_ignore 0
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$a4/24" dev eth0
	[ -n "$a6" ] && ip -n "$ns" addr add "$a6/64" dev eth0 nodad
	ip -n "$ns" link set eth0 up
}

# topo_create PREFIX SUBNET N: switch, N routers (SUBNET.11..), a client
# (SUBNET.100). IPv6: fd00:SUBNET's last two octets::(11..), client ::100.
topo_create() {
	local p=$1 net=$2 n=$3 i
	TOPO_PREFIX=$p
	TOPO_DIR=$(mktemp -d "${TMPDIR:-/tmp}/topo-$p.XXXXXX")
	local o2=${net#*.}; o2=${o2//./:}
	TOPO_V6="fd00:$o2:"
	topo_destroy_namespaces "$p"
	ip netns add "${p}sw"
	ip -n "${p}sw" link add br0 type bridge
	# No STP, no forwarding delay: ports forward as soon as they are up.
	ip -n "${p}sw" link set br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
	ip -n "${p}sw" link set br0 up
	ip -n "${p}sw" link set lo up
	for i in $(seq 1 "$n"); do
		topo_add_host "$p" "r$i" "$net.$((10 + i))" "$TOPO_V6:$((10 + i))"
	done
	topo_add_host "$p" c "$net.100" "$TOPO_V6:100"
	trap topo_destroy EXIT
}

topo_exec() { # NS CMD...
	local ns=$1; shift
	ip netns exec "$ns" "$@"
}

# topo_spawn NS LOG CMD...: start CMD in NS in the background, record its PID.
topo_spawn() {
	local ns=$1 log=$2; shift 2
	ip netns exec "$ns" "$@" >>"$log" 2>&1 &
	echo $! >>"$TOPO_DIR/pids"
	TOPO_LAST_PID=$!
}

# topo_kill PID [SIGNAL]: signal one process we started and reap it.
topo_kill() {
	local pid=$1 sig=${2:-TERM}
	kill "-$sig" "$pid" 2>/dev/null || return 0
	wait "$pid" 2>/dev/null || true
}

# Link state of a host's eth0, seen from the switch side or inside.
topo_link() { # NS up|down
	ip -n "$1" link set eth0 "$2"
}

# Only this topology's names (PREFIX sw, c, rN): another run's prefix may
# start with this one (i26 and the suite's i26d, i26s).
topo_destroy_namespaces() { # PREFIX
	local ns
	for ns in $(ip netns list | awk '{print $1}' | grep -E "^$1(sw|c|r[0-9]+)\$" || true); do
		ip netns delete "$ns" 2>/dev/null || true
	done
}

topo_destroy() {
	local pid
	[ -n "$TOPO_DIR" ] || return 0
	if [ -f "$TOPO_DIR/pids" ]; then
		for pid in $(cat "$TOPO_DIR/pids"); do
			kill -TERM "$pid" 2>/dev/null || true
		done
		sleep 0.2
		for pid in $(cat "$TOPO_DIR/pids"); do
			kill -KILL "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		done
	fi
	topo_destroy_namespaces "$TOPO_PREFIX"
	[ -n "${KEEP_LOGS:-}" ] || rm -rf "$TOPO_DIR"
	TOPO_DIR=
}

# wait_until TIMEOUT_S CMD...: poll CMD every 50 ms until it succeeds.
wait_until() {
	local deadline=$(( $(date +%s%N) + ${1%.*} * 1000000000 )); shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}
