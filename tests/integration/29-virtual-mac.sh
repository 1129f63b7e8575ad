#!/bin/bash
# 29-virtual-mac.sh - virtual_mac = true (RFC 5798 7.3): the VIPs answer
# from 00:00:5e:00:01:VRID (IPv4) and 00:00:5e:00:02:VRID (IPv6) through a
# macvlan vipd makes on eth0 (vrrp.VRID, vrrp6.VRID). The client's
# neighbour entries hold the virtual MACs before and after a failover
# (giveup, then a crash), and it keeps reaching the VIPs; only the virtual
# MAC ever answers ARP for the VIP (the backup's macvlan is down and
# holds nothing, the master's eth0 stays quiet); adverts leave from the
# virtual MAC, so the switch learns where it lives. A macvlan left by a
# killed vipd is taken over; vipd removes its macvlans when it stops. The
# daemons run as an unprivileged user (vipd's default), with CAP_NET_ADMIN.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
second_suite_only "one run is enough: under the sanitizers"
vipd_need
command -v tcpdump >/dev/null || skip_all "tcpdump is not installed (apt-get install tcpdump)"
LAB_INTERVAL=0.5
lab_up i29v 10.62.31 2

VRID=31
VIP=10.62.31.200
VIP6=${TOPO_V6}:200
VMAC=00:00:5e:00:01:1f
VMAC6=00:00:5e:00:02:1f
SW=$(ns_of sw) R1=$(ns_of r1) R2=$(ns_of r2) C=$(ns_of c)

for r in r1 r2; do
	prio=$([ $r = r1 ] && echo 150 || echo 100)
	{
		conf_header $r
		conf_vip 31 $VRID $prio "$VIP/24" virtual_mac=true
		conf_vip v6 $VRID $prio "$VIP6/64" virtual_mac=true
	} >"$TOPO_DIR/$r.conf"
done

link_json() { ip -n "$(ns_of "$1")" -j -d link show "$2" 2>/dev/null; }         # NODE IFNAME
link_up() { link_json "$1" "$2" | jq -e '.[0].flags | index("UP")' >/dev/null; }  # NODE IFNAME
link_gone() { ! ip -n "$(ns_of "$1")" link show "$2" >/dev/null 2>&1; }
nobody_has() { # ADDR: on no interface of either router
	! ip -n "$R1" -br addr | grep -qw "$1" && ! ip -n "$R2" -br addr | grep -qw "$1"
}
holds() { # NODE: master of both, the VIPs on its macvlans and nowhere else
	only_master "$1" 31 && only_master "$1" v6 && has_addr "$1" $VIP vrrp.31 && has_addr "$1" "$VIP6" vrrp6.31 &&
		lacks_addr "$1" $VIP eth0 && lacks_addr "$1" "$VIP6" eth0
}
quiet() { # NODE: its macvlans are down and hold no VIP
	! link_up "$1" vrrp.31 && ! link_up "$1" vrrp6.31 && lacks_addr "$1" $VIP vrrp.31 && lacks_addr "$1" "$VIP6" vrrp6.31
}
client_ping6() { ip netns exec "$C" ping -6 -n -q -c1 -W1 "$1" >/dev/null 2>&1; }
fdb_port() { # MAC: the bridge port the switch learned it on
	bridge -n "$SW" -j fdb show br br0 2>/dev/null | jq -r --arg m "$1" '[.[] | select(.mac == $m and .master == "br0") | .ifname][0] // empty'
}
# The MACs that answer the client's ARP request for the VIP: its entry is
# flushed, one ping resolves it again, tcpdump on the client sees the replies.
arp_answers() {
	local f=$TOPO_DIR/arp.$RANDOM
	ip -n "$C" neigh flush dev eth0 >/dev/null 2>&1
	ip netns exec "$C" timeout 3 tcpdump -l -n -e -i eth0 "arp[6:2] = 2" >"$f" 2>/dev/null &
	local tp=$!
	sleep 0.7
	client_ping $VIP
	sleep 1
	wait $tp 2>/dev/null
	grep -oE "is-at [0-9a-f:]{17}" "$f" | awk '{print $2}' | sort -u | tr '\n' ' ' | sed 's/ $//'
}
# The source MACs of the adverts the client hears for 2 s.
advert_macs() { # FILTER
	ip netns exec "$C" timeout 2 tcpdump -l -n -e -i eth0 "$1" 2>/dev/null |
		grep -oE '^[0-9:.]+ ([0-9a-f]{2}:){5}[0-9a-f]{2}' | awk '{print $2}' | sort -u | tr '\n' ' ' | sed 's/ $//'
}

ok "r1: vipd starts" vipd_start r1
ok "r2: vipd starts" vipd_start r2
ok_st "r1 is master of both instances, with the VIPs on its macvlans" wait_until 10 holds r1
ok_st "r2 is backup of both" eval 'is_state r2 31 backup && is_state r2 v6 backup'
ok "r1 runs unprivileged (the macvlans were made with CAP_NET_ADMIN only)" \
	grep -q 'running as .*capabilities cap_net_admin,cap_net_raw' "$TOPO_DIR/r1.log"
ok "r1 logged the macvlan it made after dropping root" \
	eval "sed -n '/running as/,\$p' '$TOPO_DIR/r1.log' | grep -q 'vrrp.31: macvlan created'"

j=$(link_json r1 vrrp.31)
eq "r1's vrrp.31 is a macvlan" "$(jq -r '.[0].linkinfo.info_kind' <<<"$j")" macvlan
eq "...on eth0" "$(jq -r '.[0].link' <<<"$j")" eth0
eq "...in bridge mode" "$(jq -r '.[0].linkinfo.info_data.mode' <<<"$j")" bridge
eq "...with the IPv4 virtual router MAC" "$(jq -r '.[0].address' <<<"$j")" $VMAC
eq "r1's vrrp6.31 has the IPv6 virtual router MAC" "$(link_json r1 vrrp6.31 | jq -r '.[0].address')" $VMAC6
ok "r1's macvlans are up" eval 'link_up r1 vrrp.31 && link_up r1 vrrp6.31'
ok "r1's macvlans have no IPv6 link-local address of their own (both routers' would be the same)" \
	eval '! ip -n "$R1" -6 addr show dev vrrp.31 | grep -q fe80 && ! ip -n "$R1" -6 addr show dev vrrp6.31 | grep -q fe80'
ok_st "r2's macvlans exist, are down and hold no VIP" eval 'link_json r2 vrrp.31 | grep -q macvlan && quiet r2'
eq "r1's eth0 answers ARP for its own addresses only (arp_ignore)" \
	"$(ip netns exec "$R1" sysctl -n net.ipv4.conf.eth0.arp_ignore)" 1
eq "r1's eth0 asks from its own address (arp_announce)" \
	"$(ip netns exec "$R1" sysctl -n net.ipv4.conf.eth0.arp_announce)" 2
eq "status shows the virtual MAC" "$(vfield r1 31 .virtual_mac.mac)/$(vfield r1 31 .virtual_mac.up)" "$VMAC/true"
eq "status shows r2's macvlan down" "$(vfield r2 31 .virtual_mac.interface)/$(vfield r2 31 .virtual_mac.up)" "vrrp.31/false"

ok "the client reaches the VIP" wait_until 5 client_ping $VIP
ok "the client's ARP entry for the VIP is the virtual MAC" client_neigh_is $VIP $VMAC
ok "the client reaches the IPv6 VIP" wait_until 5 client_ping6 "$VIP6"
ok "the client's neighbour entry for the IPv6 VIP is the IPv6 virtual MAC" client_neigh_is "$VIP6" $VMAC6
eq "only the virtual MAC answers ARP for the VIP (not r1's eth0, not r2)" "$(arp_answers)" $VMAC
eq "IPv4 adverts come from the virtual MAC" "$(advert_macs 'ip proto 112')" $VMAC
eq "IPv6 adverts come from the IPv6 virtual MAC" "$(advert_macs 'ip6 proto 112')" $VMAC6
eq "the switch learned the virtual MAC on r1's port" "$(fdb_port $VMAC)" v-r1

# --- failover by giveup ---------------------------------------------------------
ok "giveup 31 on r1" vctl r1 giveup 31
ok "giveup v6 on r1" vctl r1 giveup v6
ok_st "r2 takes both over, the VIPs on its macvlans" wait_until 8 holds r2
ok_st "r1's macvlans are down and hold no VIP" wait_until 5 quiet r1
ok "the client reaches the VIP through r2" wait_until 5 client_ping $VIP
ok "the client reaches the IPv6 VIP through r2" wait_until 5 client_ping6 "$VIP6"
ok "the client's entry for the VIP is still the virtual MAC" client_neigh_is $VIP $VMAC
ok "...and for the IPv6 VIP" client_neigh_is "$VIP6" $VMAC6
eq "the switch moved the virtual MAC to r2's port" "$(fdb_port $VMAC)" v-r2
eq "still only the virtual MAC answers ARP for the VIP" "$(arp_answers)" $VMAC
ok "resume 31 on r1" vctl r1 resume 31
ok "resume v6 on r1" vctl r1 resume v6
ok_st "r1 preempts back" wait_until 8 holds r1
ok_st "r2 is quiet again" wait_until 5 quiet r2
ok "the client reaches the VIP through r1" wait_until 5 client_ping $VIP
eq "the switch moved the virtual MAC back to r1's port" "$(fdb_port $VMAC)" v-r1

# --- a crash leaves the macvlan behind: taken over at the restart -------------
idx=$(link_json r1 vrrp.31 | jq -r '.[0].ifindex')
vipd_stop r1 KILL 2
ok_st "r2 takes over after r1's vipd is killed" wait_until 8 eval 'is_state r2 31 master && is_state r2 v6 master'
ok "the killed vipd left its macvlan" link_json r1 vrrp.31
ok "r1: vipd restarts" vipd_start r1
ok_st "r1 takes the VIPs back through its macvlans" wait_until 12 holds r1
ok_st "r2 is quiet" wait_until 5 quiet r2
ok "r1 says it reused the macvlan" grep -q 'vrrp.31: reusing the macvlan left on eth0' "$TOPO_DIR/r1.log"
eq "r1's vrrp.31 is the same link as before the crash (ifindex)" "$(link_json r1 vrrp.31 | jq -r '.[0].ifindex')" "$idx"
ok "the client reaches the VIP" wait_until 5 client_ping $VIP
ok "the client's entry for the VIP is the virtual MAC" client_neigh_is $VIP $VMAC
if one_master_window 3 31 $VIP; then
	tap_ok "one master over 3 s"
else
	tap_fail "one master over 3 s: $ONE_MASTER_WHY"
fi

# --- a reload that removes an instance removes its macvlan ----------------------
since=$(vfield r1 31 .since)
for r in r1 r2; do
	prio=$([ $r = r1 ] && echo 150 || echo 100)
	{ conf_header $r; conf_vip 31 $VRID $prio "$VIP/24" virtual_mac=true; } >"$TOPO_DIR/$r.conf"
	ok "$r reloads without instance v6" vctl $r reload
done
ok "the reload removed vrrp6.31 on both routers" wait_until 3 eval 'link_gone r1 vrrp6.31 && link_gone r2 vrrp6.31'
ok "no router holds the IPv6 VIP any more" nobody_has "$VIP6"
eq "instance 31 was left alone (same since)" "$(vfield r1 31 .since)" "$since"
ok "r1's vrrp.31 is still up with the VIP" eval 'link_up r1 vrrp.31 && has_addr r1 $VIP vrrp.31'
ok "the client reaches the VIP" wait_until 5 client_ping $VIP

# --- stop: the macvlans go ------------------------------------------------------
vipd_term_check r2
vipd_term_check r1
ok "r1's macvlans are gone after vipd stopped" eval 'link_gone r1 vrrp.31 && link_gone r1 vrrp6.31'
ok "r2's macvlans are gone after vipd stopped" eval 'link_gone r2 vrrp.31 && link_gone r2 vrrp6.31'
ok "no router holds the VIP any more" nobody_has $VIP
lab_finish
