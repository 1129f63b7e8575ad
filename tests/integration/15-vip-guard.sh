#!/bin/bash
# 15-vip-guard.sh - the VIP guard and announcements: when something else
# deletes a VIP from the master, vipd puts it back and announces it within
# one advertisement interval, without a state change; a new master sends
# exactly garp_count gratuitous ARPs, garp_delay apart. With 200 VIPs in a
# subnet of their own (one instance holding the first, the subnet's
# primary address, another the other 199, installed in batches), vipd
# sets promote_secondaries, so that giving up the first leaves the others
# in place rather than the kernel removing them with it.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
vipd_need
command -v tcpdump >/dev/null || skip_all "tcpdump is not installed"
lab_up i15 10.99.25 2

VIP=10.99.25.200
SUB=10.98.25                    # no other address of the routers is in it
rest=$(seq -s, -f "$SUB.%g/24" 2 200)
{ conf_header r1; conf_vip 200 200 150 "$VIP/24"; conf_vip 201 201 150 "$SUB.1/24"
  conf_vip 202 202 150 "$rest"; } >"$TOPO_DIR/r1.conf"
{ conf_header r2; conf_vip 200 200 100 "$VIP/24" garp_count=4 garp_delay=0.05
  conf_vip 201 201 100 "$SUB.1/24"; conf_vip 202 202 100 "$rest"; } >"$TOPO_DIR/r2.conf"
# The kernel's default: removing a primary address removes its secondaries.
for r in r1 r2; do
	ip netns exec "$(ns_of $r)" sysctl -qw net.ipv4.conf.all.promote_secondaries=0 \
		net.ipv4.conf.eth0.promote_secondaries=0
done
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

sub_count() { ip -n "$(ns_of "$1")" -4 -o addr show dev eth0 | grep -c " ${SUB//./\\.}\\." ; }
ok_st "r1 holds the 200 VIPs of $SUB.0/24" wait_until 10 eval '[ "$(sub_count r1)" -eq 200 ] && only_master r1 202'
ok "$SUB.1 is the primary address of its subnet on r1" \
	eval 'ip -n "$(ns_of r1)" -4 -o addr show dev eth0 | grep " $SUB.1/24 " | grep -qv secondary'
eq "vipd set promote_secondaries on r1's eth0" \
	"$(ip netns exec "$(ns_of r1)" sysctl -n net.ipv4.conf.eth0.promote_secondaries)" 1
eq "and said so once" "$(grep -c 'eth0: set promote_secondaries to 1' "$TOPO_DIR/r1.log")" 1
vctl r1 giveup 201 >/dev/null
ok_st "r2 takes 201 over after giveup" wait_until 5 eval 'only_master r2 201 && lacks_addr r1 $SUB.1'
sleep 0.5
eq "r1 keeps the other 199 VIPs of the subnet" "$(sub_count r1)" 199
eq "none of them had to be restored" "$(vfield r1 202 .counters.vip_restores)" 0
ok "no 'removed by someone else' for them in r1's log" eval '! grep -q "$SUB\.[0-9]*/24 was removed" "$TOPO_DIR/r1.log"'
ok_st "r1 is still master of 202" only_master r1 202
lab_finish
