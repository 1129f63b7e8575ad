#!/bin/bash
# 06-late-interface.sh - vipd configured for an interface that does not
# exist yet, or is down, keeps running, says why it is idle (init/fault
# with a reason) and joins once the link is up. The interface vanishing
# and coming back while vipd runs works the same way.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
vipd_need
lab_up i06 10.99.16 2

VIP=10.99.16.200
R1="$(ns_of r1)"
# r1 speaks on eth1 only, which it does not have yet.
ip -n $R1 link del eth0
{ conf_header r1; conf_vip 200 200 100 "$VIP/24" interface=eth1; } >"$TOPO_DIR/r1.conf"
{ conf_header r2; conf_vip 200 200 150 "$VIP/24"; } >"$TOPO_DIR/r2.conf"

eth1_add() { # a veth into the bridge, named eth1 inside r1, left down
	ip link add v-r1b netns "$(ns_of sw)" type veth peer name eth1 netns $R1 &&
	ip -n "$(ns_of sw)" link set v-r1b master br0 up &&
	ip -n $R1 addr add 10.99.16.11/24 dev eth1
}
idle_with_reason() { # DESC: r1 is alive, in init or fault, with a reason
	local st reason
	st=$(vstate r1 200); reason=$(vfield r1 200 '.reason // empty')
	if vipd_alive r1 && { [ "$st" = init ] || [ "$st" = fault ]; } && [ -n "$reason" ]; then
		tap_ok "$1 (state $st, reason: $reason)"
	else
		tap_fail "$1 (alive: $(vipd_alive r1 && echo yes || echo no), state '$st', reason '$reason')"
	fi
}
joins_as_backup() {
	is_state r1 200 backup && [ "$(vfield r1 200 .master)" = 10.99.16.12 ]
}

ok "r2: vipd starts" vipd_start r2
ok_st "r2 is master" wait_until 10 is_state r2 200 master

# 1. No such interface.
ok "r1: vipd starts although eth1 does not exist" vipd_start r1
sleep 2
idle_with_reason "r1 keeps running, idle, and says why (no eth1)"
ok "r1 has not taken the VIP anywhere" eval '! ip -n $R1 -br addr | grep -qF "$VIP/"'
ok "eth1 appears (down)" eth1_add
sleep 1
idle_with_reason "r1 still idle while eth1 is down"
ok "eth1 goes up" ip -n $R1 link set eth1 up
ok_st "r1 joins as backup of r2 once eth1 is up" wait_until 8 joins_as_backup
ok "r2 keeps the VIP" only_holder r2 $VIP

# 2. Started while the interface is down.
vipd_term_check r1
ip -n $R1 link set eth1 down
ok "r1: vipd starts with eth1 down" vipd_start r1
sleep 2
idle_with_reason "r1 keeps running, idle, and says why (eth1 down)"
ok "r1 has not taken the VIP" lacks_addr r1 $VIP eth1
ip -n $R1 link set eth1 up
ok_st "r1 joins as backup once eth1 is up" wait_until 8 joins_as_backup

# 3. It really takes part: r2 leaves, r1 takes the VIP on eth1.
vipd_term_check r2
ok_st "r1 becomes master on eth1" wait_until 5 is_state r1 200 master
ok "the VIP is on r1's eth1" wait_until 3 has_addr r1 $VIP eth1
ok "client reaches the VIP" wait_until 5 client_ping $VIP

# 4. The interface vanishes under the running daemon, and comes back.
ip -n $R1 link del eth1
sleep 2
idle_with_reason "r1 survives eth1 being deleted and says why it is idle"
# An idle daemon leaves at once and cleanly; started again it waits.
vipd_term_check r1
ok "r1: vipd starts again, still without eth1" vipd_start r1
sleep 1
idle_with_reason "r1 idle again without eth1"
ok "eth1 comes back" eth1_add
ip -n $R1 link set eth1 up
ok_st "r1 is master again on the new eth1" wait_until 10 is_state r1 200 master
ok "the VIP is on r1's new eth1" wait_until 3 has_addr r1 $VIP eth1
ok "client reaches the VIP" wait_until 5 client_ping $VIP
lab_finish
