#!/bin/bash
# 09-ipv6.sh - an IPv6 VIP (RFC 5798 with ff02::12, link-local sources,
# unsolicited neighbour advertisements): election, ping -6 from the client,
# graceful failover, preemption back, and a hop limit other than 255 dropped.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
vipd_need inject
lab_up i09 10.99.19 2

VIP=fd00:99:19::200
{ conf_header r1; conf_vip 200 200 150 "$VIP/64"; } >"$TOPO_DIR/r1.conf"
{ conf_header r2; conf_vip 200 200 100 "$VIP/64"; } >"$TOPO_DIR/r2.conf"
lladdr() {
	ip -n "$(ns_of "$1")" -j -6 addr show dev eth0 |
		jq -r '[.[0].addr_info[] | select(.scope == "link") | .local][0] // empty'
}
# The routers need their link-local addresses before anything else.
wait_until 5 eval '[ -n "$(lladdr r1)" ] && [ -n "$(lladdr r2)" ]'

ok "r1: vipd starts" vipd_start r1
ok "r2: vipd starts" vipd_start r2
r1_holds() { only_master r1 200 && is_state r2 200 backup && only_holder r1 $VIP; }
ok_st "r1 is master with the IPv6 VIP, r2 backup" wait_until 10 r1_holds
eq "r2 names r1's link-local address as master" "$(vfield r2 200 .master)" "$(lladdr r1)"
eq "status lists the IPv6 VIP" "$(vfield r1 200 '.addresses | join(",")')" "$VIP/64"
ok "client reaches the VIP with ping -6" wait_until 5 client_ping $VIP
ok "client sends the VIP's traffic to r1" client_neigh_is $VIP "$(mac_of r1)"

# A hop limit of 254 (the packet crossed a router): dropped and counted.
before=$(drops r1 bad_ttl); since=$(vfield r1 200 .since)
inject c -6 --src fe80::99 --vrid 200 --prio 254 --interval 100 --addr $VIP --ttl 254 --count 3
ok "r1 counts 3 bad_ttl drops for hop limit 254" wait_until 3 eval '[ "$(drops r1 bad_ttl)" = $((before + 3)) ]'
ok "...and stays master" eval 'r1_holds && [ "$(vfield r1 200 .since)" = "$since" ]'

t0=$(date +%s%N)
vipd_signal r1 TERM
ok_st "r2 becomes master when r1 leaves" wait_until 5 is_state r2 200 master
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "$ms -lt 2500" "takeover faster than Master_Down_Interval: priority 0 was sent (${ms} ms)"
if vipd_wait r1 6; then tap_ok "r1: vipd exits within 6 s of SIGTERM"; else tap_fail "r1: vipd exits within 6 s of SIGTERM"; fi
eq "r1: exit status after SIGTERM" "${VIPD_RC[r1]}" 0
ok "the VIP is removed from r1" lacks_addr r1 $VIP
ok "the VIP is on r2 only" wait_until 3 only_holder r2 $VIP
ok "unsolicited NA: client sends the VIP's traffic to r2" wait_until 3 client_neigh_is $VIP "$(mac_of r2)"
ok "client reaches the VIP through r2" wait_until 5 client_ping $VIP

ok "r1: vipd restarts" vipd_start r1
ok_st "r1 preempts back" wait_until 10 r1_holds
ok "client sends the VIP's traffic to r1 again" wait_until 3 client_neigh_is $VIP "$(mac_of r1)"
ok "client reaches the VIP" wait_until 5 client_ping $VIP
if one_master_window 3 200 $VIP; then
	tap_ok "one master, one holder over 3 s"
else
	tap_fail "one master, one holder over 3 s: $ONE_MASTER_WHY"
fi
lab_finish
