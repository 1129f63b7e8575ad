#!/bin/bash
# 12-bad-packets.sh - crafted packets that RFC 5798 7.1 says to discard:
# each one bumps its own counters.drops.<reason> by exactly what was sent,
# no other counter, and changes no state, though every one of them claims
# priority 254 and would take the master role away if it were accepted
# (which the last check shows with a valid one).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
vipd_need inject
lab_up i12 10.99.22 2

VIP=10.99.22.200
{ conf_header r1; conf_vip 200 200 150 "$VIP/24"; } >"$TOPO_DIR/r1.conf"
{ conf_header r2; conf_vip 200 200 100 "$VIP/24"; } >"$TOPO_DIR/r2.conf"
ok "r1: vipd starts" vipd_start r1
ok "r2: vipd starts" vipd_start r2
r1_holds() { only_master r1 200 && is_state r2 200 backup && only_holder r1 $VIP; }
ok_st "r1 is master, r2 backup" wait_until 10 r1_holds
ok "client reaches the VIP" wait_until 5 client_ping $VIP

FORGED=(--src 10.99.22.100 --vrid 200 --interval 100)
snapshot() { # the facts no bad packet may change
	local r
	for r in r1 r2; do
		vfield $r 200 '"\(.state) \(.since) \(.counters.transitions) \(.master)"'
	done
}
before=$(snapshot)

# Positive control: the same packet without damage (and a low priority,
# so it changes nothing) is accepted and counted as received.
rx=$(vfield r1 200 .counters.adverts_received); dt=$(drops_total r1)
inject c "${FORGED[@]}" --prio 1 --addr $VIP --count 3
ok "a valid injected advert is received by r1 (adverts_received +3)" \
	wait_until 3 eval '[ "$(vfield r1 200 .counters.adverts_received)" -ge $((rx + 3)) ]'
eq "a valid injected advert is not dropped" "$(drops_total r1)" "$dt"

# drop_case REASON INJECT-ARGS...: three priority-254 packets damaged one way.
drop_case() {
	local reason=$1 r got; shift
	declare -A b t
	for r in r1 r2; do b[$r]=$(drops $r "$reason"); t[$r]=$(drops_total $r); done
	inject c "${FORGED[@]}" --prio 254 "$@" --count 3
	wait_until 3 eval '[ "$(drops r1 "$reason")" -ge $((${b[r1]:-0} + 3)) ] && [ "$(drops r2 "$reason")" -ge $((${b[r2]:-0} + 3)) ]'
	sleep 0.3
	for r in r1 r2; do
		got="$(( $(drops $r "$reason") - ${b[$r]:-0} )) $(( $(drops_total $r) - ${t[$r]:-0} ))"
		eq "$reason ($*): $r counts 3 drops under drops.$reason and no other" "$got" "3 3"
	done
	eq "$reason: no state changed" "$(snapshot)" "$before"
}
drop_case bad_checksum  --addr $VIP --bad-checksum
drop_case bad_ttl       --addr $VIP --ttl 254
drop_case bad_version   --addr $VIP --version 2
drop_case bad_type      --addr $VIP --type 2
drop_case truncated     --addr $VIP --truncate 26
drop_case bad_length    --addr $VIP --naddrs 2
drop_case bad_interval  --addr $VIP --interval 0
drop_case bad_ip        --addr $VIP --mf
drop_case unknown_vrid  --addr $VIP --vrid 77
drop_case addr_mismatch --addr 10.99.22.201
drop_case addr_mismatch --addr $VIP --addr 10.99.22.201

ok "after all that, r1 is still master and the only holder" r1_holds
eq "...with the same state, since and transitions on both routers" "$(snapshot)" "$before"
ok "client reaches the VIP" client_ping $VIP
ok "client sends the VIP's traffic to r1" client_neigh_is $VIP "$(mac_of r1)"

# The same forged advert with its checksum intact does move r1: the packets
# above were dropped for their damage, not for being forged.
inject c "${FORGED[@]}" --prio 254 --addr $VIP
ok_st "a valid priority-254 advert makes r1 backup" wait_until 3 is_state r1 200 backup
ok_st "r1 recovers the master role once the forger is silent" wait_until 10 r1_holds
lab_finish
