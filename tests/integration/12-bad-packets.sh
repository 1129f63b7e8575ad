#!/bin/bash
# 12-bad-packets.sh - crafted packets that RFC 5798 7.1 says to discard:
# each one bumps its own counters.drops.<reason> by exactly what was sent,
# no other counter, and changes no state, though every one of them claims
# priority 254 and would take the master role away if it were accepted
# (which the last check shows with a valid one). Each drop is also logged
# with its sender and offending value, and a flood is logged sparingly.
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

# A drop says why in the log, FRR style: the instance, the sender and the
# offending value. At most one line per instance and reason every
# RX_DROP_LOG_PERIOD (10 s, vrrpd/rx.h); the next line counts the rest.
LOG_PERIOD=10
log_msgs() { # NODE: the messages of NODE's log, without time and pid
	sed -n 's/^[0-9:.]* vipd\[[0-9]*\]: //p' "$TOPO_DIR/$1.log"
}
ttl_lines() { log_msgs "$1" | grep -c "^vip 200: dropped advert from 10\.99\.22\.100: TTL "; }
for r in r1 r2; do
	eq "$r: the 3 bad-TTL adverts gave exactly one line, naming sender and TTL" \
		"$(log_msgs $r | grep -c '^vip 200: dropped advert from 10\.99\.22\.100: TTL 254, should be 255$')" 1
done
ok "r1: the bad checksum line names both accepted sums" \
	eval 'log_msgs r1 | grep -qE "^vip 200: dropped advert from 10\.99\.22\.100: checksum 0x[0-9a-f]{4}, should be 0x[0-9a-f]{4} or 0x[0-9a-f]{4} \(RFC 9568\)$"'
ok "r1: the address mismatch line shows both lists" \
	eval 'log_msgs r1 | grep -qF "vip 200: dropped advert from 10.99.22.100: addresses {10.99.22.201}, should be {10.99.22.200}"'
ok "r1: another group's VRID is normal on a segment: counted, not logged without -d" \
	eval '! log_msgs r1 | grep -q "VRID 77"'

# A flood: 500 bad-TTL adverts in about a second are all counted, but
# logged at most once more per router.
b1=$(drops r1 bad_ttl) l1=$(ttl_lines r1) l2=$(ttl_lines r2)
t_flood=$(date +%s)
inject c "${FORGED[@]}" --prio 254 --addr $VIP --ttl 64 --count 500 --gap 2
ok "the flood is counted in full (drops.bad_ttl +500)" \
	wait_until 5 eval '[ "$(drops r1 bad_ttl)" -ge $((b1 + 500)) ]'
eq "...and not more" "$(( $(drops r1 bad_ttl) - b1 ))" 500
sleep 0.5
check "$(( $(ttl_lines r1) - l1 )) -le 1" "r1 logged $(( $(ttl_lines r1) - l1 )) line(s) for the 500 (at most 1)"
check "$(( $(ttl_lines r2) - l2 )) -le 1" "r2 logged $(( $(ttl_lines r2) - l2 )) line(s) for the 500 (at most 1)"
# One period later the next one is logged with the count of the held-back.
wait_s=$(( LOG_PERIOD + 1 - ($(date +%s) - t_flood) ))
[ "$wait_s" -gt 0 ] && sleep "$wait_s"
inject c "${FORGED[@]}" --prio 254 --addr $VIP --ttl 64
held_back() { log_msgs r1 | sed -n 's/^vip 200: dropped advert from 10\.99\.22\.100: TTL 64, should be 255 (+\([0-9]*\) more since the last line)$/\1/p' | tail -1; }
ok "after the period the next one is logged with the flood's count" wait_until 3 eval '[ -n "$(held_back)" ]'
check "$(held_back) -ge 499" "...(+$(held_back) more since the last line), at least the 499 held back"
eq "no state changed" "$(snapshot)" "$before"

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
