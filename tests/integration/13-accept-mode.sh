#!/bin/bash
# 13-accept-mode.sh - Accept_Mode (RFC 5798 6.1): with accept_mode = false a
# master that is not the address owner answers ARP for its VIP but accepts
# no traffic addressed to it; with the default (true) it does. A reload that
# flips the key takes effect without moving the VIP, and the daemon removes
# its filter table when it exits.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
vipd_need
command -v nft >/dev/null || skip_all "nft is not installed"
lab_up i13 10.99.23 1

VIP=10.99.23.200
LAB_INTERVAL=0.1
{ conf_header r1; conf_vip 200 200 150 "$VIP/24" accept_mode=false; } >"$TOPO_DIR/r1.conf"
ok "r1: vipd starts with accept_mode = false" vipd_start r1
ok_st "r1 is master" wait_state 5 r1 200 master
ok "the VIP is on r1" wait_until 3 has_addr r1 $VIP
ok "vipd installed its filter table" eval "ip netns exec "$(ns_of r1)" nft list table inet vipd >/dev/null"
if client_ping $VIP; then tap_fail "the VIP does not answer ping"; else tap_ok "the VIP does not answer ping"; fi
ok "the client still resolved the VIP to r1 (ARP answered)" client_neigh_is $VIP "$(mac_of r1)"
ok "r1's own address still answers" client_ping "$(ip_of r1)"

{ conf_header r1; conf_vip 200 200 150 "$VIP/24"; } >"$TOPO_DIR/r1.conf"
vipd_signal r1 HUP
ok "after a reload to accept_mode = true the VIP answers" wait_until 3 client_ping $VIP
# accept_mode is a filter setting: the reload restarts the instance (its
# definition changed), but the VIP is on r1 again at once.
ok "r1 is master again after the reload" wait_state 5 r1 200 master
ok "vipd removed its filter table when no instance needs it" \
	wait_until 3 eval '! ip netns exec "$(ns_of r1)" nft list table inet vipd'

{ conf_header r1; conf_vip 200 200 150 "$VIP/24" accept_mode=false; } >"$TOPO_DIR/r1.conf"
vipd_signal r1 HUP
ok "the filter table is back after a reload to accept_mode = false" \
	wait_until 3 ip netns exec "$(ns_of r1)" nft list table inet vipd
vipd_term_check r1
ok "the filter table is gone after vipd exits" eval '! ip netns exec "$(ns_of r1)" nft list table inet vipd 2>/dev/null'
tap_done
