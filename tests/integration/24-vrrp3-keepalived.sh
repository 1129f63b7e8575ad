#!/bin/bash
# 24-vrrp3-keepalived.sh - VRRPv3 groups mixing vipd and keepalived
# (Debian's): IPv4 multicast, IPv4 unicast and IPv6 multicast. In each, one
# master is elected without a single dropped advert, the VIP goes both
# ways (keepalived leaves: vipd takes over; keepalived returns and preempts
# vipd) and it is only ever on the master.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
vipd_need
command -v keepalived >/dev/null || skip_all "keepalived is not installed (apt-get install keepalived)"
lab_up i24 10.99.29 2
V6NET=fd00:99:29

KA_PID=
ka_start() { # MODE VIP
	local peers= vips=$2
	[ "$1" = v4-unicast ] && peers="unicast_src_ip $(ip_of r2)
    unicast_peer { $(ip_of r1) }"
	cat >"$TOPO_DIR/ka.conf" <<CONF
global_defs {
    script_user root
    enable_script_security
}
vrrp_instance v29 {
    state BACKUP
    interface eth0
    virtual_router_id 29
    priority 150
    advert_int 1
    version 3
    $peers
    virtual_ipaddress {
        $vips
    }
}
CONF
	: >"$TOPO_DIR/keepalived.log"
	topo_spawn "${LAB_P}r2" "$TOPO_DIR/keepalived.log" keepalived -n -l -D -f "$TOPO_DIR/ka.conf" \
		-p "$TOPO_DIR/ka.pid" -r "$TOPO_DIR/ka-vrrp.pid"
	KA_PID=$TOPO_LAST_PID
}
ka_stop() { [ -n "$KA_PID" ] && topo_kill "$KA_PID"; KA_PID=; }

for mode in v4-multicast v4-unicast v6-multicast; do
	case $mode in
	v6-*)
		VIP=$V6NET::200 PLEN=64
		for r in r1 r2; do
			ip -n "${LAB_P}$r" addr add "$V6NET::$((10 + ${r#r}))/64" dev eth0 nodad 2>/dev/null
		done
		;;
	*) VIP=10.99.29.200 PLEN=24 ;;
	esac
	extra=()
	[ "$mode" = v4-unicast ] && extra=("unicast_peers=\"$(ip_of r2)\"")
	{ conf_header r1; conf_vip 29 29 100 "$VIP/$PLEN" "${extra[@]}"; } >"$TOPO_DIR/r1-$mode.conf"

	ka_start "$mode" "$VIP/$PLEN"
	ok "$mode: keepalived alone takes the VIP" wait_until 8 only_holder r2 "$VIP"
	ok "$mode: r1: vipd starts (priority 100)" vipd_start r1 "$TOPO_DIR/r1-$mode.conf"
	ok_st "$mode: vipd is backup behind keepalived (150), no drops" \
		wait_until 6 eval 'is_state r1 29 backup && only_holder r2 $VIP && [ "$(drops_total r1)" = 0 ]'
	ka_stop
	ok_st "$mode: keepalived leaves, vipd takes over" wait_until 6 eval 'is_state r1 29 master && only_holder r1 $VIP'
	ka_start "$mode" "$VIP/$PLEN"
	ok_st "$mode: keepalived returns and preempts" wait_until 10 eval 'is_state r1 29 backup && only_holder r2 $VIP'
	if one_master_window 3 29 "$VIP"; then tap_ok "$mode: one holder over 3 s"; else tap_fail "$mode: one holder over 3 s: $ONE_MASTER_WHY"; fi
	vipd_term_check r1
	ka_stop
	sleep 0.5
done
lab_finish
