#!/bin/bash
# 18-carp-ucarp.sh - protocol = "carp": vipd and ucarp (Debian's) in one
# group. One master is elected, failover goes both ways, preemption is
# honoured, the address tie-break agrees with ucarp's, and a wrong password
# is refused on both sides (counted as bad_auth by vipd, "Bad digest" by
# ucarp) without moving the VIP.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
vipd_need
command -v ucarp >/dev/null || skip_all "ucarp is not installed (apt-get install ucarp)"
lab_up i18 10.99.27 2

VIP=10.99.27.200
# ucarp only runs scripts: these hold the VIP for it.
printf '#!/bin/sh\nip addr add %s/24 dev "$1"\n' "$VIP" >"$TOPO_DIR/up.sh"
printf '#!/bin/sh\nip addr del %s/24 dev "$1"\n' "$VIP" >"$TOPO_DIR/down.sh"
chmod +x "$TOPO_DIR/up.sh" "$TOPO_DIR/down.sh"

carp_conf() { # NODE ADVSKEW [PASSWORD]
	conf_header "$1"
	cat <<CONF
vip 27 {
    interface = "eth0"
    protocol  = "carp"
    vrid      = 27
    advbase   = 1
    advskew   = $2
    password  = "${3:-s3cret}"
    address   = { "$VIP/24" }
}
CONF
}

UCARP_PID=
ucarp_start() { # ADVSKEW [PASSWORD]: ucarp on r2, preempting
	: >"$TOPO_DIR/ucarp.log"
	topo_spawn "${LAB_P}r2" "$TOPO_DIR/ucarp.log" ucarp -i eth0 -s "$(ip_of r2)" -v 27 -p "${2:-s3cret}" \
		-a "$VIP" -b 1 -k "$1" -P -z -u "$TOPO_DIR/up.sh" -d "$TOPO_DIR/down.sh"
	UCARP_PID=$TOPO_LAST_PID
}
ucarp_stop() { # [SIGNAL]
	[ -n "$UCARP_PID" ] && topo_kill "$UCARP_PID" "${1:-TERM}"
	UCARP_PID=
	ip -n "${LAB_P}r2" addr del "$VIP/24" dev eth0 2>/dev/null || true
}

carp_conf r1 0 >"$TOPO_DIR/r1.conf"          # vipd preferred (advskew 0)
carp_conf r1 100 >"$TOPO_DIR/r1-backup.conf" # ucarp preferred
carp_conf r1 50 >"$TOPO_DIR/r1-tie.conf"     # equal: the address decides
carp_conf r1 0 wrong >"$TOPO_DIR/r1-wrong.conf"

# 1. vipd preferred, ucarp preempting behind it.
ucarp_start 50
ok "r1: vipd starts (carp, advskew 0)" vipd_start r1
ok_st "vipd is master, ucarp's node does not hold the VIP" wait_until 10 eval 'is_state r1 27 master && only_holder r1 $VIP'
ok "vipd hears ucarp's adverts, none dropped" wait_until 4 eval '[ "$(vfield r1 27 .counters.adverts_received)" -ge 1 ] && [ "$(drops r1 bad_auth)" = 0 ]'
ok "ucarp is backup" wait_until 5 grep -q "BACKUP" "$TOPO_DIR/ucarp.log"
ok "client reaches the VIP" wait_until 5 client_ping $VIP

# 2. vipd leaves: ucarp takes over.
vipd_term_check r1
ok_st "ucarp takes the VIP when vipd leaves" wait_until 6 only_holder r2 $VIP
ok "client reaches the VIP on ucarp's node" wait_until 5 client_ping $VIP

# 3. vipd comes back and preempts the slower ucarp.
ok "r1: vipd restarts" vipd_start r1
ok_st "vipd preempts: master, and ucarp lets the VIP go" wait_until 10 eval 'is_state r1 27 master && only_holder r1 $VIP'
if one_master_window 3 27 $VIP; then tap_ok "one holder over 3 s"; else tap_fail "one holder over 3 s: $ONE_MASTER_WHY"; fi

# 4. The other way: ucarp preferred and master, then it crashes.
vipd_term_check r1
ucarp_stop
ucarp_start 10
ok "ucarp alone takes the VIP" wait_until 8 only_holder r2 $VIP
ok "r1: vipd starts (carp, advskew 100)" vipd_start r1 "$TOPO_DIR/r1-backup.conf"
ok_st "vipd stays backup behind the faster ucarp" wait_until 8 eval 'is_state r1 27 backup && only_holder r2 $VIP'
ok "vipd names ucarp's node as master" wait_until 3 eval '[ "$(vfield r1 27 .master)" = "$(ip_of r2)" ]'
ok_st "...steadily" steady_window 4 eval 'is_state r1 27 backup && only_holder r2 $VIP'
ucarp_stop KILL
ok_st "ucarp crashes: vipd takes over within the master-down interval" wait_until 6 eval 'is_state r1 27 master && only_holder r1 $VIP'

# 5. Equal advskew: when both are master (a healed partition), ucarp's
# tie-break (the lower address, as its integer reads on this host) must be
# vipd's too, or both would keep the VIP.
vipd_term_check r1
ucarp_start 50
ok "r1: vipd starts (carp, advskew 50, as ucarp)" vipd_start r1 "$TOPO_DIR/r1-tie.conf"
partition() { ip netns exec "${LAB_P}sw" nft -f - <<NFT
table bridge vipd_test_cut {
    chain forward { type filter hook forward priority 0; ip protocol 112 drop; }
}
NFT
}
ok "the segment drops VRRP/CARP between the two" partition
ok_st "both become master" wait_until 8 eval 'is_state r1 27 master && has_addr r2 $VIP'
ok "the partition heals" ip netns exec "${LAB_P}sw" nft delete table bridge vipd_test_cut
ok_st "one master remains: r1 (.11 reads lower than .12), as ucarp agrees" \
	wait_until 6 eval 'is_state r1 27 master && only_holder r1 $VIP'
ok_st "and it stays so" steady_window 4 eval 'is_state r1 27 master && only_holder r1 $VIP'

# 6. A wrong password: refused on both sides, the VIP does not move to it.
vipd_term_check r1
ucarp_stop
ucarp_start 50
ok "ucarp alone holds the VIP" wait_until 8 only_holder r2 $VIP
ok "r1: vipd starts with a wrong password (advskew 0: it would win)" vipd_start r1 "$TOPO_DIR/r1-wrong.conf"
ok "vipd drops ucarp's adverts as bad_auth" wait_until 5 eval '[ "$(drops r1 bad_auth)" -ge 2 ]'
ok "ucarp drops vipd's as a bad digest" wait_until 5 grep -q "Bad digest" "$TOPO_DIR/ucarp.log"
ok "ucarp never gave the VIP up to the stranger" eval '! grep -q "Preferred master advertised" "$TOPO_DIR/ucarp.log"'
vipd_term_check r1
ucarp_stop
lab_finish
