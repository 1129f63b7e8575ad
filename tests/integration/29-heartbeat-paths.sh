#!/bin/bash
# 29-heartbeat-paths.sh - redundant heartbeat paths: two routers share a
# bridge (the clients' network) and have a direct link of their own, eth1,
# listed in heartbeat_paths. The master's port on the bridge stops carrying
# frames while both hosts stay up: the backup still hears the master on
# eth1, stays backup (no second master) and says that its own interface
# went silent. Cut eth1 as well and the backup takes over; restore both and
# one master remains. Without the paths (a reload takes them away) the
# same cut gives two masters, which is what the paths are for.
#
# The cut: the master's veth is taken off the bridge (nomaster) rather
# than set down, because a veth whose peer goes down loses its carrier,
# and a master without carrier goes to fault (07-link-flap.sh); here the
# link stays up on both hosts, as with a failed switch uplink.
#
# Timing: advert_interval 0.5 s, so Master_Down_Interval is 1.5 s + skew
# (r2, priority 100: 0.3 s) = 1.8 s; a path is silent after one
# Master_Down_Interval without adverts while the other path hears them.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
second_suite_only "one run is enough: under the sanitizers"
vipd_need
command -v curl >/dev/null || skip_all "curl is not installed (apt-get install curl)"
command -v tcpdump >/dev/null || skip_all "tcpdump is not installed (apt-get install tcpdump)"
LAB_INTERVAL=0.5
lab_up i29h 10.62.29 2

VIP=10.62.29.200
SW=$(ns_of sw) R1=$(ns_of r1) R2=$(ns_of r2)
MPORT=9729

# The direct link: eth1 in r1 and r2, with addresses of its own (the
# adverts on it still come from each router's eth0 address).
ip link add eth1 netns "$R1" type veth peer name eth1 netns "$R2" || bail_out "cannot create the direct link"
ip -n "$R1" addr add 10.62.129.11/24 dev eth1
ip -n "$R2" addr add 10.62.129.12/24 dev eth1
ip -n "$R1" link set eth1 up
ip -n "$R2" link set eth1 up
carrier() { ip -n "$1" link show "$2" | grep -q LOWER_UP; }   # NS IFNAME
wait_until 5 eval 'carrier "$R1" eth1 && carrier "$R2" eth1' || bail_out "the direct link has no carrier"

# An IPv4 instance and an IPv6 one (whose adverts on eth1 come from eth1's
# link-local address).
VIP6=${TOPO_V6}:200
conf_r() { # NODE PRIO [KEY=VALUE]: NODE's configuration
	conf_header "$1"
	[ "$1" = r2 ] && echo "metrics = \"127.0.0.1:$MPORT\""
	conf_vip 200 200 "$2" "$VIP/24" ${3:+"$3"}
	conf_vip v6 200 "$2" "$VIP6/64" ${3:+"$3"}
}
paths='heartbeat_paths={ "eth1" }'
conf_r r1 150 "$paths" >"$TOPO_DIR/r1.conf"
conf_r r2 100 "$paths" >"$TOPO_DIR/r2.conf"

# --- vipd -t ------------------------------------------------------------------
run_t() { # FILE: vipd -t in r1's namespace; output in $out, status in $rc
	out=$(timeout 10 ip netns exec "$R1" "$VIPD" -t -f "$1" 2>&1); rc=$?
}
run_t "$TOPO_DIR/r1.conf"
eq "vipd -t accepts heartbeat_paths = { \"eth1\" } ($out)" "$rc" 0
t_refuses() { # NAME PATHS WANT-TEXT
	local f=$TOPO_DIR/t-$1.conf
	{ conf_header r1; conf_vip 200 200 150 "$VIP/24" "heartbeat_paths=$2"; } >"$f"
	local line
	line=$(grep -n heartbeat_paths "$f" | cut -d: -f1)
	run_t "$f"
	if [ "$rc" -eq 2 ] && grep -qF "$f:$line: vip \"200\": $3" <<<"$out"; then
		tap_ok "vipd -t refuses $1: exit 2, $out"
	else
		tap_fail "vipd -t refuses $1: want exit 2 and '$f:$line: ... $3'; got exit $rc: $out"
	fi
}
t_refuses "an unknown interface" '{ "eth7" }' 'heartbeat_paths "eth7": no such interface on this host'
t_refuses "a path listed twice" '{ "eth1", "eth1" }' 'heartbeat_paths "eth1": already listed on line'
t_refuses "the main interface" '{ "eth0" }' 'heartbeat_paths "eth0": the instance'"'"'s own interface'

# --- both links work ---------------------------------------------------------
ok "r1: vipd starts" vipd_start r1
ok "r2: vipd starts" vipd_start r2
r1_holds() {
	only_master r1 200 && is_state r2 200 backup && only_holder r1 $VIP &&
		only_master r1 v6 && is_state r2 v6 backup && only_holder r1 "$VIP6"
}
ok_st "r1 (150) is master with the VIP, r2 (100) backup" wait_until 10 r1_holds
path() { # NODE IFNAME FIELD [INSTANCE]: a field of one path of instance 200 (or INSTANCE)
	vfield "$1" "${4:-200}" ".paths[] | select(.interface == \"$2\") | .$3"
}
adverts_on() { path "$1" "$2" adverts_received "${3:-200}"; }
grows() { # NODE IFNAME [INSTANCE]: that path's advert count goes up within 2 s
	local a0
	a0=$(adverts_on "$1" "$2" "${3:-200}")
	wait_until 2 eval '[ "$(adverts_on '"$1 $2 ${3:-200}"')" -gt "'"${a0:-0}"'" ]'
}
ok "r2 hears r1's adverts on eth0" grows r2 eth0
ok "r2 hears r1's adverts on eth1 too" grows r2 eth1
ok "r2 hears r1's IPv6 adverts on eth1" grows r2 eth1 v6
ll=$(ip -n "$R1" -j -6 addr show dev eth1 scope link | jq -r '.[0].addr_info[0].local')
ok "r1's IPv6 adverts on eth1 come from eth1's link-local address ($ll)" \
	eval 'ip netns exec "$R2" timeout 2 tcpdump -l -n -c1 -i eth1 "ip6 proto 112" 2>/dev/null | grep -qF "$ll >"'
eq "r2's status: eth0 is the main path" "$(path r2 eth0 main)" true
eq "r2's status: eth1 is a heartbeat path" "$(path r2 eth1 main)" false
eq "r2's eth0 path is up" "$(path r2 eth0 state)" up
eq "r2's eth1 path is up" "$(path r2 eth1 state)" up
ok "r2 logs eth1 as up" grep -q 'vip 200: heartbeat path eth1 is up' "$TOPO_DIR/r2.log"
txt=$(vctl r2 status)
like "$txt" "*path  eth1 * up * adverts [0-9]*, failures 0*" "vipctl status shows r2's path eth1 as text"
sent0=$(vfield r1 200 .counters.adverts_sent)

# --- the shared link stops carrying frames ----------------------------------
ip -n "$SW" link set v-r1 nomaster
ok "r1's eth0 keeps its carrier (the cut is in the switch)" \
	eval 'ip -n "$R1" link show eth0 | grep -q LOWER_UP'
if one_master_window 6 200 $VIP; then
	tap_ok "no second master over 6 s (3 Master_Down_Intervals) while eth1 lives"
else
	tap_fail "no second master over 6 s while eth1 lives: $ONE_MASTER_WHY"
	lab_status
fi
ok_st "r1 is still master, r2 still backup" r1_holds
eq "r2's eth0 path is silent" "$(path r2 eth0 state)" silent
eq "r2's eth0 path counts one failure" "$(path r2 eth0 failures)" 1
eq "r2's eth1 path is still up" "$(path r2 eth1 state)" up
ok "r2 still hears r1 on eth1" grows r2 eth1
ok_st "IPv6: r1 is still master, r2 still backup" eval 'only_master r1 v6 && is_state r2 v6 backup'
eq "IPv6: r2's eth0 path is silent" "$(path r2 eth0 state v6)" silent
eq "IPv6: r2's eth1 path is up" "$(path r2 eth1 state v6)" up
ok "r2 logs that its own interface went silent while eth1 hears the master" \
	grep -q 'vip 200: interface eth0 (its own) is silent: no advert on it for .* while eth1 still hears the master' \
	"$TOPO_DIR/r2.log"
eq "the silence is logged once" "$(grep -c 'vip 200: interface eth0 (its own) is silent' "$TOPO_DIR/r2.log")" 1
sent1=$(vfield r1 200 .counters.adverts_sent)
check "$sent1 -gt $sent0" "r1 kept advertising (adverts_sent $sent0 -> $sent1)"

# Metrics: per-path adverts and failures.
m=$(topo_exec "$R2" curl -sS --max-time 2 "http://127.0.0.1:$MPORT/metrics")
if command -v promtool >/dev/null; then
	pt=$(promtool check metrics <<<"$m" 2>&1)
	eq "promtool check metrics accepts the per-path metrics ($pt)" "$?" 0
else
	skip "promtool check metrics" "promtool is not installed"
fi
like "$(grep -E '^vipd_path_failures_total\{instance="200",interface="eth0",main="true"\}' <<<"$m")" '* 1' \
	"metrics: vipd_path_failures_total for eth0 is 1"
n=$(grep -E '^vipd_path_adverts_received_total\{instance="200",interface="eth1",main="false"\}' <<<"$m" | awk '{print $NF}')
check "${n:-0} -gt 0" "metrics: vipd_path_adverts_received_total for eth1 counts ($n)"
like "$(grep -E '^vipd_path_state\{instance="200",interface="eth0",main="true",state="silent"\}' <<<"$m")" '* 1' \
	"metrics: vipd_path_state says eth0 is silent"
like "$(grep -E '^vipd_path_state\{instance="200",interface="eth1",main="false",state="up"\}' <<<"$m")" '* 1' \
	"metrics: vipd_path_state says eth1 is up"

# --- the direct link fails too: the backup takes over ------------------------
t0=$(date +%s%N)
ip -n "$R1" link set eth1 down
ok_st "r2 becomes master once eth1 is gone too" wait_until 6 is_state r2 200 master
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "$ms -le 4500" "r2 took over within Master_Down_Interval and a margin (${ms} ms)"
ok "r2 holds the VIP" wait_until 3 has_addr r2 $VIP
ok_st "IPv6: r2 becomes master too" wait_until 3 is_state r2 v6 master
ok "the client reaches the VIP through r2" wait_until 5 client_ping $VIP
eq "r2's eth1 path is down" "$(path r2 eth1 state)" down
eq "r2's eth1 path counts one failure" "$(path r2 eth1 failures)" 1
ok "r2 logs eth1 down, naming the interface" grep -q 'vip 200: heartbeat path eth1 is down: interface eth1 has no carrier' "$TOPO_DIR/r2.log"
reason=$(path r2 eth1 reason)
has "$reason" "eth1" "r2's status says why eth1 is down ($reason)"

# --- both links back: one master ------------------------------------------------
ip -n "$SW" link set v-r1 master br0
ip -n "$R1" link set eth1 up
ok_st "one master again, r1, once both links are back" wait_until 10 r1_holds
if one_master_window 4 200 $VIP; then
	tap_ok "one master, one holder over 4 s after the repair"
else
	tap_fail "one master, one holder over 4 s after the repair: $ONE_MASTER_WHY"
fi
ok "r2 logs eth1 back" grep -q 'vip 200: heartbeat path eth1 is back: its link is usable again' "$TOPO_DIR/r2.log"
ok "r2's paths are both up again" \
	wait_until 4 eval '[ "$(path r2 eth0 state)" = up ] && [ "$(path r2 eth1 state)" = up ]'
ok "the client reaches the VIP" wait_until 5 client_ping $VIP

# --- without the paths, the same cut is a split brain ------------------------
# A reload takes the paths away under the running instances.
conf_r r1 150 >"$TOPO_DIR/r1.conf"
conf_r r2 100 >"$TOPO_DIR/r2.conf"
since=$(vfield r1 200 .since)
ok "r1 reloads" vctl r1 reload
ok "r2 reloads" vctl r2 reload
eq "r2's status lists no paths after the reload" "$(vfield r2 200 '.paths | length')" 0
eq "the reload left r1's master state alone" "$(vfield r1 200 .since)" "$since"
ip -n "$SW" link set v-r1 nomaster
ok_st "without heartbeat paths, r2 becomes a second master after the same cut" wait_until 6 is_state r2 200 master
ok_st "...and r1 is master too" is_state r1 200 master
ip -n "$SW" link set v-r1 master br0
ok_st "one master again after the repair" wait_until 10 r1_holds
lab_finish
