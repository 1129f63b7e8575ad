#!/bin/bash
# 07-link-flap.sh - the master loses its link: it goes to fault and drops
# the VIP, the backup takes over; the link comes back: it rejoins as backup,
# then preempts. Never two masters once it has settled, also after a flap
# shorter than Master_Down_Interval.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
vipd_need
lab_up i07 10.99.17 2

VIP=10.99.17.200
{ conf_header r1; conf_vip 200 200 150 "$VIP/24"; } >"$TOPO_DIR/r1.conf"
{ conf_header r2; conf_vip 200 200 100 "$VIP/24"; } >"$TOPO_DIR/r2.conf"
ok "r1: vipd starts" vipd_start r1
ok "r2: vipd starts" vipd_start r2
r1_holds() { only_master r1 200 && is_state r2 200 backup && only_holder r1 $VIP; }
ok_st "r1 is master with the VIP" wait_until 10 r1_holds
ok "client reaches the VIP" wait_until 5 client_ping $VIP

# Link down.
topo_link "$(ns_of r1)" down
ok_st "r1 goes to fault when eth0 goes down" wait_until 5 is_state r1 200 fault
reason=$(vfield r1 200 '.reason // empty')
check "-n \"$reason\"" "r1's status says why it is in fault ($reason)"
ok_st "the VIP leaves r1" wait_until 3 lacks_addr r1 $VIP
ok_st "r2 becomes master" wait_until 6 is_state r2 200 master
ok "the VIP is on r2 only" wait_until 3 only_holder r2 $VIP
ok "client reaches the VIP through r2" wait_until 5 client_ping $VIP
ok "client sends the VIP's traffic to r2" wait_until 3 client_neigh_is $VIP "$(mac_of r2)"
ok_st "r1 stays in fault while its link is down (3 s)" steady_window 3 is_state r1 200 fault

# Link up: back as backup first (6.4.1), then preemption.
topo_link "$(ns_of r1)" up
ok_st "r1 rejoins as backup when eth0 comes back" wait_until 5 is_state r1 200 backup
ok_st "r1 then preempts back" wait_until 8 is_state r1 200 master
ok_st "r1 is the only master and holder, r2 backup" wait_until 3 r1_holds
ok "client sends the VIP's traffic to r1 again" wait_until 3 client_neigh_is $VIP "$(mac_of r1)"
if one_master_window 5 200 $VIP; then
	tap_ok "never two masters or two holders over 5 s afterwards"
else
	tap_fail "never two masters or two holders over 5 s afterwards: $ONE_MASTER_WHY"
fi

# The backup's link flaps: the master does not notice.
since=$(vfield r1 200 .since)
topo_link "$(ns_of r2)" down
ok_st "r2 goes to fault when its eth0 goes down" wait_until 5 is_state r2 200 fault
topo_link "$(ns_of r2)" up
ok_st "r2 comes back as backup" wait_until 5 is_state r2 200 backup
ok_st "r2 stays backup behind r1 (5 s)" steady_window 5 r1_holds
eq "r1's since unchanged by the backup's flap" "$(vfield r1 200 .since)" "$since"

# A short flap, well under Master_Down_Interval.
topo_link "$(ns_of r1)" down
sleep 0.5
topo_link "$(ns_of r1)" up
ok_st "after a 0.5 s flap r1 ends up master again" wait_until 12 r1_holds
if one_master_window 5 200 $VIP; then
	tap_ok "never two masters or two holders over 5 s after the short flap"
else
	tap_fail "never two masters or two holders over 5 s after the short flap: $ONE_MASTER_WHY"
fi
ok "client reaches the VIP" wait_until 5 client_ping $VIP
lab_finish
