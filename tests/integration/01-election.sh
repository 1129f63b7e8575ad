#!/bin/bash
# 01-election.sh - three routers elect the highest priority as master
# (RFC 5798 6.4); only the master holds the VIP and the client reaches it
# there. After a split (the bridge stops flooding multicast, every router
# becomes master) heals, the highest priority wins again and, between equal
# priorities, the higher primary address (6.4.3).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
vipd_need
lab_up i01 10.99.11 3

VIP=10.99.11.200    # instance 200: priorities 100, 150, 120 -> r2
TIE=10.99.11.201    # instance 201: all 100: any one; after a split, r3 (.13)
prio=(x 100 150 120)
for r in r1 r2 r3; do
	{ conf_header $r
	  conf_vip 200 200 "${prio[${r#r}]}" "$VIP/24"
	  conf_vip 201 201 100 "$TIE/24"
	} >"$TOPO_DIR/$r.conf"
done
for r in r1 r2 r3; do
	ok "$r: vipd starts and answers status" vipd_start $r
done

ok_st "r2 (priority 150) is the only master of 200" wait_until 10 only_master r2 200
ok_st "r1 and r3 are backups of 200" eval 'is_state r1 200 backup && is_state r3 200 backup'
ok_st "the VIP of 200 is on r2 only" wait_until 3 only_holder r2 $VIP
ok "r1 and r3 name r2 as master of 200" wait_until 3 eval \
	'[ "$(vfield r1 200 .master)" = 10.99.11.12 ] && [ "$(vfield r3 200 .master)" = 10.99.11.12 ]'
ok_st "201 (equal priorities) has exactly one master" wait_until 10 eval '[ "$(masters 201 | wc -w)" = 1 ]'
# At start the tie may still be settling (a master hands over on hearing
# its equal with the higher address): one master that holds the VIP alone,
# both at the same moment, is the settled state.
ok_st "the VIP of 201 is on its master only" wait_until 5 eval \
	'm=$(masters 201); [ "$(wc -w <<<"$m")" = 1 ] && only_holder "$m" $TIE'
m201=$(masters 201)

f200() { vfield r2 200 "$1"; }
eq "status --json: priority of r2's 200" "$(f200 .priority)" 150
eq "status --json: effective_priority of r2's 200" "$(f200 .effective_priority)" 150
eq "status --json: addresses of 200" "$(f200 '.addresses | join(",")')" "$VIP/24"
eq "status --json: since is a unix time" "$(f200 '.since | numbers | . > 1500000000')" true
eq "status --json: the master has sent adverts" "$(f200 '.counters.adverts_sent | numbers | . > 0')" true
eq "status --json: a backup has received adverts" \
	"$(vfield r1 200 '.counters.adverts_received | numbers | . > 0')" true
eq "status --json: counters.drops is an object" "$(vfield r1 200 '.counters.drops | type')" object
eq "status --json: transitions is a number" "$(f200 '.counters.transitions | type')" number

ok "client reaches the VIP of 200" wait_until 5 client_ping $VIP
ok "client sends the VIP's traffic to r2's MAC" client_neigh_is $VIP "$(mac_of r2)"
ok "client reaches the VIP of 201" wait_until 5 client_ping $TIE
ok "client sends 201's traffic to its master's MAC" client_neigh_is $TIE "$(mac_of "$m201")"

if one_master_window 3 200 $VIP && one_master_window 2 201 $TIE; then
	tap_ok "one master and one holder per instance over 5 s"
else
	tap_fail "one master and one holder per instance over 5 s: $ONE_MASTER_WHY"
fi

# Split the segment for VRRP, then heal it.
flood() { local p; for p in v-r1 v-r2 v-r3 v-c; do bridge -n "$(ns_of sw)" link set dev $p mcast_flood "$1"; done; }
flood off
ok_st "split: every router becomes master of 201" wait_until 10 eval '[ "$(masters 201)" = "r1 r2 r3" ]'
flood on
ok_st "healed: r2 (highest priority) is the only master of 200" wait_until 5 only_master r2 200
ok_st "healed: r3 (equal priority, highest address) is the only master of 201" wait_until 5 only_master r3 201
ok_st "healed: each VIP on its master only" wait_until 3 eval 'only_holder r2 $VIP && only_holder r3 $TIE'
if one_master_window 3 200 $VIP && one_master_window 2 201 $TIE; then
	tap_ok "healed: one master and one holder per instance over 5 s"
else
	tap_fail "healed: one master and one holder per instance over 5 s: $ONE_MASTER_WHY"
fi
# Neither winner changed state, so neither had to announce again: the client
# may need its own ARP re-resolution (about 5-10 s) to find them.
t0=$(date +%s%N)
ok "healed: client reaches both VIPs within 20 s" wait_until 20 eval 'client_ping $VIP && client_ping $TIE'
echo "# healed: client reached both VIPs after $(( ($(date +%s%N) - t0) / 1000000 )) ms"

lab_stop_all
ok "no VIP left on any router after SIGTERM" eval '[ -z "$(holders $VIP)$(holders $TIE)" ]'
lab_finish
