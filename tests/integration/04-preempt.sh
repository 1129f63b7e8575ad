#!/bin/bash
# 04-preempt.sh - Preempt_Mode (RFC 5798 6.4.2): a restarted higher-priority
# router takes the VIP back; with preempt = false it stays backup behind a
# lower-priority master; preempt_delay holds the preemption back.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
vipd_need
lab_up i04 10.99.14 2

VIP=10.99.14.200
{ conf_header r1; conf_vip 200 200 150 "$VIP/24" preempt=true; } >"$TOPO_DIR/r1.conf"
{ conf_header r1; conf_vip 200 200 150 "$VIP/24" preempt=false; } >"$TOPO_DIR/r1-nopreempt.conf"
{ conf_header r1; conf_vip 200 200 150 "$VIP/24" preempt=true preempt_delay=6; } >"$TOPO_DIR/r1-delay.conf"
{ conf_header r2; conf_vip 200 200 100 "$VIP/24"; } >"$TOPO_DIR/r2.conf"
ok "r1: vipd starts" vipd_start r1
ok "r2: vipd starts" vipd_start r2
ok_st "r1 (150) is master" wait_until 10 eval 'only_master r1 200 && is_state r2 200 backup'

# Preempt back.
vipd_term_check r1
ok_st "r2 is master while r1 is away" wait_until 5 only_master r2 200
ok "the VIP is on r2" wait_until 3 only_holder r2 $VIP
ok "r1: vipd restarts (preempt = true)" vipd_start r1
ok_st "restarted r1 takes the master role back" wait_until 10 eval 'only_master r1 200 && is_state r2 200 backup'
ok_st "the VIP is back on r1 only" wait_until 3 only_holder r1 $VIP
ok "client reaches the VIP" wait_until 5 client_ping $VIP
ok "client sends the VIP's traffic to r1" wait_until 3 client_neigh_is $VIP "$(mac_of r1)"
if one_master_window 3 200 $VIP; then
	tap_ok "one master, one holder over 3 s after preempting"
else
	tap_fail "one master, one holder over 3 s after preempting: $ONE_MASTER_WHY"
fi

# No preemption.
vipd_term_check r1
ok_st "r2 is master while r1 is away" wait_until 5 only_master r2 200
ok "r1: vipd restarts (preempt = false)" vipd_start r1 "$TOPO_DIR/r1-nopreempt.conf"
ok_st "r1 (preempt = false) comes up as backup" wait_until 8 is_state r1 200 backup
ok "r1 names r2 as master" wait_until 3 eval '[ "$(vfield r1 200 .master)" = 10.99.14.12 ]'
ok_st "r1 stays backup and r2 keeps the VIP for 8 s (> 2 x Master_Down_Interval)" \
	steady_window 8 eval 'is_state r1 200 backup && only_master r2 200 && only_holder r2 $VIP'
ok "client reaches the VIP" client_ping $VIP
# Without preemption r1 still takes over when r2 leaves.
vipd_term_check r2
ok_st "r1 becomes master when r2 leaves" wait_until 5 is_state r1 200 master
ok "the VIP is on r1" wait_until 3 only_holder r1 $VIP

# preempt_delay: r1 tolerates the lower master for 6 s after it starts.
ok "r2: vipd starts" vipd_start r2
vipd_term_check r1
ok_st "r2 is master while r1 is away" wait_until 8 only_master r2 200
t0=$(date +%s%N)
ok "r1: vipd restarts (preempt_delay = 6)" vipd_start r1 "$TOPO_DIR/r1-delay.conf"
ok_st "r1 preempts in the end" wait_until 15 is_state r1 200 master
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "$ms -ge 5500" "r1 waited for preempt_delay before preempting (${ms} ms)"
ok_st "the VIP is on r1 only" wait_until 3 only_holder r1 $VIP
lab_finish
