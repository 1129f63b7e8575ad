#!/bin/bash
# 03-graceful-shutdown.sh - SIGTERM: the master advertises priority 0 so
# the backup takes over after Skew_Time rather than Master_Down_Interval
# (RFC 5798 6.4.3, 6.4.2), removes its VIP and exits 0. A backup leaves
# without disturbing the master; a lone master still releases and exits.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
vipd_need
lab_up i03 10.99.13 2

VIP=10.99.13.200
{ conf_header r1; conf_vip 200 200 150 "$VIP/24"; } >"$TOPO_DIR/r1.conf"
{ conf_header r2; conf_vip 200 200 100 "$VIP/24"; } >"$TOPO_DIR/r2.conf"
ok "r1: vipd starts" vipd_start r1
ok "r2: vipd starts" vipd_start r2
ok_st "r1 is master, r2 backup" wait_until 10 eval 'only_master r1 200 && is_state r2 200 backup'
ok_st "the VIP is on r1 only" wait_until 3 only_holder r1 $VIP

# A backup leaving changes nothing on the master.
since=$(vfield r1 200 .since)
vipd_term_check r2
ok "r1 still master with the VIP after the backup left" eval 'is_state r1 200 master && has_addr r1 $VIP'
eq "r1's since unchanged by the backup leaving" "$(vfield r1 200 .since)" "$since"
ok "r2: vipd starts again" vipd_start r2
ok_st "r2 is backup again" wait_until 8 is_state r2 200 backup

# The master leaving: priority 0, quick takeover, clean exit.
ok "client reaches the VIP" wait_until 5 client_ping $VIP
t0=$(date +%s%N)
vipd_signal r1 TERM
ok_st "r2 becomes master after SIGTERM to r1" wait_until 5 is_state r2 200 master
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "$ms -lt 2500" "takeover faster than Master_Down_Interval 3.6 s: priority 0 was sent (${ms} ms)"
if vipd_wait r1 6; then tap_ok "r1: vipd exits within 6 s of SIGTERM"; else tap_fail "r1: vipd exits within 6 s of SIGTERM"; fi
eq "r1: exit status after SIGTERM" "${VIPD_RC[r1]}" 0
ok "the VIP is no longer on r1's eth0" lacks_addr r1 $VIP
ok "r1 keeps its own address" has_addr r1 10.99.13.11
ok "the VIP is on r2" wait_until 3 only_holder r2 $VIP
ok "client reaches the VIP" wait_until 5 client_ping $VIP
ok "client sends the VIP's traffic to r2" wait_until 3 client_neigh_is $VIP "$(mac_of r2)"

# The last one leaving: nobody takes over, it must still let go and exit.
t0=$(date +%s%N)
vipd_term_check r2
ok "the VIP is no longer on r2's eth0" lacks_addr r2 $VIP
ok "client no longer reaches the VIP" eval '! client_ping $VIP'
lab_finish
