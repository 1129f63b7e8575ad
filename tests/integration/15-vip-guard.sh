#!/bin/bash
# 15-vip-guard.sh - the VIP guard and announcements: when something else
# deletes a VIP from the master, vipd puts it back and announces it within
# one advertisement interval, without a state change; a new master sends
# exactly garp_count gratuitous ARPs, garp_delay apart.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
vipd_need
command -v tcpdump >/dev/null || skip_all "tcpdump is not installed"
lab_up i15 10.99.25 2

VIP=10.99.25.200
{ conf_header r1; conf_vip 200 200 150 "$VIP/24"; } >"$TOPO_DIR/r1.conf"
{ conf_header r2; conf_vip 200 200 100 "$VIP/24" garp_count=4 garp_delay=0.05; } >"$TOPO_DIR/r2.conf"
ok "r1: vipd starts" vipd_start r1
ok "r2: vipd starts" vipd_start r2
ok_st "r1 is master" wait_until 10 eval 'only_master r1 200 && is_state r2 200 backup'
transitions=$(vfield r1 200 .counters.transitions)

ip -n "$(ns_of r1)" addr del "$VIP/24" dev eth0
t0=$(date +%s%N)
ok "the deleted VIP is back on r1 within one advert interval (1 s)" wait_until 1 has_addr r1 $VIP
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "$ms -le 1000" "restored in ${ms} ms"
check "$(vfield r1 200 .counters.vip_restores) -eq 1" "status counts one restore"
check "$(vfield r1 200 .counters.transitions) -eq $transitions" "no state change on r1"
ok "the log names the VIP and the interface" grep -q "10.99.25.200/24 was removed from eth0" "$TOPO_DIR/r1.log"
ok_st "r1 is still the only master and holder" eval 'only_master r1 200 && only_holder r1 $VIP'
ok "the client reaches the VIP" wait_until 3 client_ping $VIP

# Count r2's gratuitous ARPs (sender = target = VIP) when it takes over.
cap=$TOPO_DIR/arp.txt
ip netns exec "$(ns_of c)" timeout 3 tcpdump -l -t -n -i eth0 -e arp >"$cap" 2>/dev/null &
tcpdump_pid=$!
sleep 0.5
vctl r1 giveup 200 >/dev/null
ok_st "r2 takes over after giveup" wait_until 5 eval 'only_master r2 200'
wait "$tcpdump_pid" 2>/dev/null
r2mac=$(mac_of r2)
garps=$(grep -c "^$r2mac .*Request who-has $VIP tell $VIP" "$cap")
check "$garps -eq 4" "r2 sent garp_count = 4 gratuitous ARPs ($garps)"
lab_finish
