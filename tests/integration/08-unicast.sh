#!/bin/bash
# 08-unicast.sh - unicast_peers on a segment that carries no multicast:
# the bridge stops flooding multicast (mcast_flood off on every port), which
# splits multicast-mode routers into two masters, while unicast-mode routers
# elect one master and fail over as usual.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
vipd_need inject
lab_up i08 10.99.18 2

VIP=10.99.18.200
for p in v-r1 v-r2 v-c; do
	bridge -n "$(ns_of sw)" link set dev $p mcast_flood off
done

# The block itself, seen on the wire (needs tcpdump).
captured() { # NODE INJECT-ARGS...: how many VRRP packets NODE sees of 3 sent
	local node=$1 f=$TOPO_DIR/cap.$RANDOM; shift
	ip netns exec "$(ns_of "$node")" timeout 4 tcpdump -l -n -i eth0 -c 3 'ip proto 112' \
		>"$f" 2>"$f.err" &
	local td=$!
	wait_until 3 grep -q listening "$f.err"
	inject c "$@" --count 3
	sleep 0.5
	kill "$td" 2>/dev/null; wait "$td" 2>/dev/null
	grep -c VRRP "$f"
}
ADV=(--src 10.99.18.100 --vrid 99 --prio 1 --interval 100 --addr 10.99.18.99)
if command -v tcpdump >/dev/null; then
	eq "multicast VRRP does not cross the bridge" "$(captured r1 "${ADV[@]}")" 0
	eq "unicast VRRP does cross it" "$(captured r1 "${ADV[@]}" --dst 10.99.18.11)" 3
else
	skip "multicast VRRP does not cross the bridge" "no tcpdump"
	skip "unicast VRRP does cross it" "no tcpdump"
fi

# Multicast mode cannot work here: both routers end up master.
{ conf_header r1; conf_vip 200 200 150 "$VIP/24"; } >"$TOPO_DIR/r1-mcast.conf"
{ conf_header r2; conf_vip 200 200 100 "$VIP/24"; } >"$TOPO_DIR/r2-mcast.conf"
ok "r1: vipd starts (multicast)" vipd_start r1 "$TOPO_DIR/r1-mcast.conf"
ok "r2: vipd starts (multicast)" vipd_start r2 "$TOPO_DIR/r2-mcast.conf"
ok_st "with multicast blocked, multicast-mode routers both become master" \
	wait_until 10 eval '[ "$(masters 200)" = "r1 r2" ]'
vipd_term_check r1
vipd_term_check r2

# Unicast mode.
{ conf_header r1; conf_vip 200 200 150 "$VIP/24" 'unicast_peers={ "10.99.18.12" }'; } >"$TOPO_DIR/r1.conf"
{ conf_header r2; conf_vip 200 200 100 "$VIP/24" 'unicast_peers={ "10.99.18.11" }'; } >"$TOPO_DIR/r2.conf"
ok "r1: vipd starts (unicast)" vipd_start r1
ok "r2: vipd starts (unicast)" vipd_start r2
r1_holds() { only_master r1 200 && is_state r2 200 backup && only_holder r1 $VIP; }
ok_st "r1 is the only master, r2 backup" wait_until 10 r1_holds
eq "r2 names r1 as master" "$(vfield r2 200 .master)" 10.99.18.11
eq "r2 receives r1's unicast adverts" "$(vfield r2 200 '.counters.adverts_received | numbers | . > 0')" true
if one_master_window 4 200 $VIP; then
	tap_ok "one master, one holder over 4 s"
else
	tap_fail "one master, one holder over 4 s: $ONE_MASTER_WHY"
fi
ok "client reaches the VIP" wait_until 5 client_ping $VIP

t0=$(date +%s%N)
vipd_signal r1 TERM
ok_st "r2 becomes master when r1 leaves" wait_until 5 is_state r2 200 master
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "$ms -lt 2500" "the priority-0 advert reached r2 by unicast (takeover in ${ms} ms)"
if vipd_wait r1 6; then tap_ok "r1: vipd exits within 6 s of SIGTERM"; else tap_fail "r1: vipd exits within 6 s of SIGTERM"; fi
eq "r1: exit status after SIGTERM" "${VIPD_RC[r1]}" 0
ok "the VIP is on r2 only" wait_until 3 only_holder r2 $VIP
ok "client reaches the VIP through r2" wait_until 5 client_ping $VIP
ok "client sends the VIP's traffic to r2" wait_until 3 client_neigh_is $VIP "$(mac_of r2)"

ok "r1: vipd restarts" vipd_start r1
ok_st "r1 preempts back" wait_until 10 r1_holds
if one_master_window 4 200 $VIP; then
	tap_ok "one master, one holder over 4 s after preempting"
else
	tap_fail "one master, one holder over 4 s after preempting: $ONE_MASTER_WHY"
fi
ok "client reaches the VIP" wait_until 5 client_ping $VIP
lab_finish
