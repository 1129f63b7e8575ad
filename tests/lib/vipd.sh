# vipd.sh - run vipd daemons in a netns topology and look at them.
#
# Sourced after tap.sh and netns.sh by the integration scripts:
#
#   . tests/lib/vipd.sh
#   vipd_need                      # skip the whole script if it cannot run here
#   lab_up it1 10.99.11 2          # topology it1sw, it1r1, it1r2, it1c
#   { conf_header r1; conf_vip 200 200 150 10.99.11.200/24; } >"$TOPO_DIR/r1.conf"
#   vipd_start r1                  # vipd -n -f $TOPO_DIR/r1.conf in it1r1
#   wait_state 5 r1 200 master
#   lab_finish                     # every daemon must exit 0 on SIGTERM; TAP plan
#
# Nodes are named r1..rN (routers) and c (the client). Binaries come from
# $VIPD_BUILD (default: this tree).

VIPD_TREE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VIPD_BUILD=${VIPD_BUILD:-$VIPD_TREE}
VIPD=$VIPD_BUILD/vrrpd/vipd
VIPCTL=$VIPD_BUILD/vrrpd/vipctl
INJECT=$VIPD_BUILD/tests/tools/vrrp-inject

LAB_P=
LAB_NET=
LAB_N=0
declare -A VIPD_PID=()   # node -> PID of its running vipd
declare -A VIPD_RC=()    # node -> exit status of its last vipd

# Print "1..0 # SKIP why" and leave: the script cannot run here.
skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

# vipd_need [inject]: root, the tools, the daemon (and the injector,
# built from source if the build tree has none).
vipd_need() {
	local t
	[ "$(id -u)" -eq 0 ] || skip_all "needs root for network namespaces"
	for t in ip jq ping timeout; do
		command -v "$t" >/dev/null || skip_all "$t is not installed"
	done
	[ -x "$VIPD" ] || skip_all "no vipd at $VIPD (build it, or set VIPD_BUILD)"
	[ -x "$VIPCTL" ] || skip_all "no vipctl at $VIPCTL"
	if [ "${1:-}" = inject ]; then
		inject_build || skip_all "cannot build vrrp-inject"
	fi
}

# The injector is a check program (make check builds it); build it by hand
# into tests/out when the build tree has none, so a plain make suffices.
inject_build() {
	[ -x "$INJECT" ] && return 0
	local out=$VIPD_TREE/tests/out
	mkdir -p "$out" || return 1
	command -v gcc >/dev/null || return 1
	gcc -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$VIPD_TREE/vrrpd" \
		-o "$out/vrrp-inject" "$VIPD_TREE/tests/tools/vrrp-inject.c" \
		"$VIPD_TREE/vrrpd/addr.c" "$VIPD_TREE/vrrpd/proto.c" -lcrypto >&2 || return 1
	INJECT=$out/vrrp-inject
}

# lab_up PREFIX SUBNET N: the netns.sh topology, with a bridge that
# forwards frames as they are (no br_netfilter sanity checks, which would
# eat the deliberately broken packets before they reach a router).
# Two runs of one script on one machine (two developers, or a developer and
# tests/run) would share namespace names, and topo_create deletes what it
# finds: the second run waits for the first instead (the lock is released
# when the script and the daemons it started are gone).
lab_up() {
	# TEST_NS_TAG keeps two suites (plain and sanitized builds) that run
	# the same script at once in namespaces of their own.
	LAB_P=$1${TEST_NS_TAG:-} LAB_NET=$2 LAB_N=$3
	exec {LAB_LOCK_FD}>"${TMPDIR:-/tmp}/vipd-lab-$LAB_P.lock"
	if ! flock -w 300 "$LAB_LOCK_FD"; then
		echo "# lab $1 still in use by another run after 300 s; going ahead"
	fi
	topo_create "$LAB_P" "$2" "$3"
	# vipd drops root once its sockets are open (vipd -u): as that user it
	# still reads its configuration (reload) and writes its state_dir, both
	# in here.
	chmod 0711 "$TOPO_DIR"
	_topo_sysctl "${LAB_P}sw" net.bridge.bridge-nf-call-iptables 0
	_topo_sysctl "${LAB_P}sw" net.bridge.bridge-nf-call-ip6tables 0
	_topo_sysctl "${LAB_P}sw" net.bridge.bridge-nf-call-arptables 0
}

ns_of() { echo "$LAB_P$1"; }                          # node -> namespace
ip_of() { echo "$LAB_NET.$((10 + ${1#r}))"; }          # r3 -> SUBNET.13
ip6_of() { echo "$TOPO_V6:$((10 + ${1#r}))"; }         # r3 -> fd00:..::13
routers() { seq -f 'r%g' 1 "$LAB_N"; }

# conf_header NODE: the daemon-wide keys of NODE's config.
conf_header() {
	cat <<-EOF
	socket = "$TOPO_DIR/$1.sock"
	state_dir = "$TOPO_DIR/$1-state"
	EOF
}

# conf_vip NAME VRID PRIO ADDRS [KEY=VALUE...]: one instance. ADDRS is a
# comma-separated list of prefixes; extra keys are written as given
# (interface=eth1, preempt=false, 'unicast_peers={ "10.99.1.12" }').
conf_vip() {
	local name=$1 vrid=$2 prio=$3 addrs=$4 kv ifname=eth0 ival=${LAB_INTERVAL:-1.0}
	shift 4
	local extra=()
	for kv in "$@"; do
		case $kv in
		interface=*) ifname=${kv#*=} ;;
		advert_interval=*) ival=${kv#*=} ;;
		*) extra+=("$kv") ;;
		esac
	done
	local list=\"${addrs//,/\", \"}\"
	echo "vip $name {"
	echo "    interface = \"$ifname\""
	echo "    vrid = $vrid"
	echo "    priority = $prio"
	echo "    advert_interval = $ival"
	for kv in "${extra[@]}"; do
		echo "    ${kv%%=*} = ${kv#*=}"
	done
	echo "    address = { $list }"
	echo "}"
}

# vipd_start NODE [CONF [ARGS...]]: start vipd in NODE's namespace
# (foreground, logging to $TOPO_DIR/NODE.log, with ARGS such as -u root)
# and wait until its control socket answers.
vipd_start() {
	local node=$1 conf=${2:-$TOPO_DIR/$1.conf}
	shift $(($# < 2 ? $# : 2))
	echo "--- vipd start $(date +%T.%N) $conf $*" >>"$TOPO_DIR/$node.log"
	chmod a+r "$conf" 2>/dev/null
	topo_spawn "$(ns_of "$node")" "$TOPO_DIR/$node.log" "$VIPD" -n -f "$conf" "$@"
	VIPD_PID[$node]=$TOPO_LAST_PID
	wait_until 5 vctl "$node" status
}

vctl() { # NODE ARGS...: vipctl against NODE's daemon
	local node=$1; shift
	"$VIPCTL" -s "$TOPO_DIR/$node.sock" "$@"
}

vjson() { vctl "$1" status --json 2>/dev/null; }

# vfield NODE NAME JQ: a field of one instance's status ("" if none).
vfield() {
	vjson "$1" | jq -r --arg n "$2" ".instances[] | select(.name == \$n) | $3" 2>/dev/null
}

vstate() { vfield "$1" "$2" .state; }
is_state() { [ "$(vstate "$1" "$2")" = "$3" ]; }    # NODE NAME STATE
wait_state() { wait_until "$1" is_state "$2" "$3" "$4"; }  # T NODE NAME STATE

# drops NODE REASON: that drop counter summed over NODE's instances.
drops() {
	vjson "$1" | jq -r --arg r "$2" '[.instances[].counters.drops[$r] // 0] | add // 0' 2>/dev/null
}
drops_total() {
	vjson "$1" | jq -r '[.instances[].counters.drops // {} | to_entries[].value] | add // 0' 2>/dev/null
}

# has_addr NODE ADDR [IF]: ADDR (no prefix length) is on NODE's interface.
has_addr() {
	ip -n "$(ns_of "$1")" -br addr show dev "${3:-eth0}" 2>/dev/null |
		tr -s ' ' '\n' | sed 's#/.*##' | grep -qxF "$2"
}
lacks_addr() { ! has_addr "$@"; }

# holders ADDR: the routers that have ADDR on eth0, space-separated.
holders() {
	local r out=
	for r in $(routers); do
		has_addr "$r" "$1" && out="$out $r"
	done
	echo "${out# }"
}

# masters NAME: the routers whose instance NAME reports master.
masters() {
	local r out=
	for r in $(routers); do
		[ -n "${VIPD_PID[$r]:-}" ] && is_state "$r" "$1" master && out="$out $r"
	done
	echo "${out# }"
}

only_holder() { [ "$(holders "$2")" = "$1" ]; }    # NODE ADDR
only_master() { [ "$(masters "$2")" = "$1" ]; }    # NODE NAME

# one_master_window SECONDS NAME ADDR: sample every ~100 ms that at most one
# router says master for NAME and at most one holds ADDR; the first
# violation is left in ONE_MASTER_WHY.
one_master_window() {
	local end=$(( $(date +%s%N) + $1 * 1000000000 )) m h
	ONE_MASTER_WHY=
	while [ "$(date +%s%N)" -lt "$end" ]; do
		m=$(masters "$2"); h=$(holders "$3")
		if [ "$(echo "$m" | wc -w)" -gt 1 ] || [ "$(echo "$h" | wc -w)" -gt 1 ]; then
			ONE_MASTER_WHY="at $(date +%T.%N): masters [$m], holding $3 [$h]"
			return 1
		fi
		sleep 0.1
	done
}

# steady_window SECONDS CMD...: CMD holds at every ~100 ms sample.
steady_window() {
	local end=$(( $(date +%s%N) + $1 * 1000000000 )); shift
	while [ "$(date +%s%N)" -lt "$end" ]; do
		"$@" >/dev/null 2>&1 || return 1
		sleep 0.1
	done
}

client_ping() { # ADDR: one echo from the client, 1 s timeout
	case $1 in
	*:*) ip netns exec "${LAB_P}c" ping -6 -n -q -c1 -W1 "$1" >/dev/null 2>&1 ;;
	*) ip netns exec "${LAB_P}c" ping -n -q -c1 -W1 "$1" >/dev/null 2>&1 ;;
	esac
}

mac_of() { # NODE [IF]
	ip -n "$(ns_of "$1")" -j link show dev "${2:-eth0}" 2>/dev/null | jq -r '.[0].address'
}

# The client's neighbour entry for ADDR: which MAC it sends the VIP's
# traffic to ("" if none).
client_neigh() {
	ip -n "${LAB_P}c" -j neigh show "$1" 2>/dev/null | jq -r '.[0].lladdr // empty' 2>/dev/null
}
client_neigh_is() { [ "$(client_neigh "$1")" = "$2" ]; }   # ADDR MAC

pid_alive() { # PID: running (a zombie does not count)
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
vipd_alive() { [ -n "${VIPD_PID[$1]:-}" ] && pid_alive "${VIPD_PID[$1]}"; }

vipd_signal() { # NODE SIGNAL
	echo "--- vipd SIG$2 $(date +%T.%N)" >>"$TOPO_DIR/$1.log"
	kill "-$2" "${VIPD_PID[$1]}" 2>/dev/null
}

# vipd_wait NODE [TIMEOUT]: wait for NODE's vipd to exit; its status goes to
# VIPD_RC[NODE]. Fails if it outlives TIMEOUT seconds (it is then killed).
vipd_wait() {
	local node=$1 t=${2:-5} pid=${VIPD_PID[$1]:-} rc=0
	[ -n "$pid" ] || return 1
	wait_until "$t" _pid_gone "$pid" || rc=1
	if [ $rc -ne 0 ]; then
		kill -KILL "$pid" 2>/dev/null
		echo "--- vipd still running after ${t}s: SIGKILL" >>"$TOPO_DIR/$node.log"
	fi
	wait "$pid" 2>/dev/null
	VIPD_RC[$node]=$?
	VIPD_PID[$node]=
	return $rc
}

# vipd_stop NODE [SIGNAL] [TIMEOUT]: signal, then vipd_wait.
vipd_stop() {
	[ -n "${VIPD_PID[$1]:-}" ] || return 1
	vipd_signal "$1" "${2:-TERM}"
	vipd_wait "$1" "${3:-5}"
}
_pid_gone() { ! pid_alive "$1"; }

# vipd_term_check NODE: the graceful-shutdown contract as TAP lines.
vipd_term_check() {
	local t0=$(date +%s%N)
	if vipd_stop "$1" TERM 6; then
		tap_ok "$1: vipd exits on SIGTERM within 6 s ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"
	else
		tap_fail "$1: vipd exits on SIGTERM within 6 s"
	fi
	check "${VIPD_RC[$1]} -eq 0" "$1: vipd exit status after SIGTERM is 0"
}

# lab_stop_all: stop every daemon still running; each must exit 0 on
# SIGTERM within 6 s (a lone master waits up to Master_Down_Interval).
lab_stop_all() {
	local r
	for r in "${!VIPD_PID[@]}"; do
		[ -n "${VIPD_PID[$r]}" ] && vipd_term_check "$r"
	done
	return 0
}

# lab_finish: lab_stop_all, the logs if anything failed, the TAP plan.
lab_finish() {
	lab_stop_all
	[ "$TAP_FAILED" -eq 0 ] || lab_dump_logs
	tap_done
}

lab_dump_logs() {
	local f
	for f in "$TOPO_DIR"/*.log; do
		[ -f "$f" ] || continue
		echo "# ---- ${f##*/} (last 40 lines)"
		tail -n 40 "$f" | sed 's/^/#   /'
	done
}

# Diagnostics for a failed check: the status of every router.
lab_status() {
	local r
	for r in $(routers); do
		[ -n "${VIPD_PID[$r]:-}" ] || continue
		echo "# $r: $(vjson "$r" | jq -c '[.instances[] | {name, state, priority, master, since}]' 2>/dev/null)"
		echo "# $r eth0: $(ip -n "$(ns_of "$r")" -br addr show dev eth0 2>/dev/null)"
	done
}

# ok_or_status DESC CMD...: like ok, plus the routers' status on failure.
ok_st() {
	local desc=$1; shift
	if "$@"; then tap_ok "$desc"; else tap_fail "$desc"; lab_status; fi
}

inject() { # NODE ARGS...: vrrp-inject on NODE's eth0
	local node=$1; shift
	ip netns exec "$(ns_of "$node")" "$INJECT" -i eth0 "$@"
}

# eq DESC GOT WANT: is GOT WANT DESC (tap.sh), the description first.
eq() { is "$2" "$3" "$1"; }
