#!/bin/bash
# 19-vrrp2-keepalived.sh - protocol = "vrrp2": vipd and keepalived (Debian's,
# vrrp_version 2) in one group with simple text authentication. One master,
# failover both ways, preemption, and a wrong password refused by vipd
# (counted as bad_auth) without the VIP moving. Then the same group with
# IPsec AH (vipd's auth_type = "ah", keepalived's auth_type AH): election,
# failover both ways, and a wrong key refused by both sides.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
vipd_need
command -v keepalived >/dev/null || skip_all "keepalived is not installed (apt-get install keepalived)"
lab_up i19 10.99.28 2

VIP=10.99.28.200
v2_conf() { # NODE PRIORITY [PASSWORD]
	conf_header "$1"
	cat <<CONF
vip 28 {
    interface       = "eth0"
    protocol        = "vrrp2"
    vrid            = 28
    priority        = $2
    advert_interval = 1
    password        = "${3:-s3cret}"
    address         = { "$VIP/24" }
}
CONF
}
KA_PID=
KA_AUTH=PASS
ka_start() { # PRIORITY [PASSWORD]
	cat >"$TOPO_DIR/ka.conf" <<CONF
global_defs {
    vrrp_version 2
    script_user root
    enable_script_security
}
vrrp_instance v28 {
    state BACKUP
    interface eth0
    virtual_router_id 28
    priority $1
    advert_int 1
    authentication {
        auth_type $KA_AUTH
        auth_pass ${2:-s3cret}
    }
    virtual_ipaddress {
        $VIP/24
    }
}
CONF
	: >"$TOPO_DIR/keepalived.log"
	topo_spawn "${LAB_P}r2" "$TOPO_DIR/keepalived.log" keepalived -n -l -D -f "$TOPO_DIR/ka.conf" \
		-p "$TOPO_DIR/ka.pid" -r "$TOPO_DIR/ka-vrrp.pid"
	KA_PID=$TOPO_LAST_PID
}
ka_stop() { [ -n "$KA_PID" ] && topo_kill "$KA_PID" "${1:-TERM}"; KA_PID=; }

v2_conf r1 100 >"$TOPO_DIR/r1.conf"
v2_conf r1 200 >"$TOPO_DIR/r1-high.conf"
v2_conf r1 200 wrongpw >"$TOPO_DIR/r1-wrong.conf"

# keepalived (150) first, vipd (100) behind it.
ka_start 150
ok "keepalived alone takes the VIP" wait_until 8 only_holder r2 $VIP
ok "r1: vipd starts (vrrp2, priority 100)" vipd_start r1
ok_st "vipd is backup behind keepalived" wait_until 6 eval 'is_state r1 28 backup && only_holder r2 $VIP'
ok "vipd names keepalived's node as master, with no drop" \
	wait_until 3 eval '[ "$(vfield r1 28 .master)" = "$(ip_of r2)" ] && [ "$(drops r1 bad_auth)" = 0 ]'
ok "client reaches the VIP" wait_until 5 client_ping $VIP
# keepalived leaves: vipd takes over.
ka_stop
ok_st "vipd takes over when keepalived leaves" wait_until 6 eval 'is_state r1 28 master && only_holder r1 $VIP'
# keepalived comes back and preempts.
ka_start 150
ok_st "keepalived preempts: vipd goes back to backup and lets the VIP go" \
	wait_until 10 eval 'is_state r1 28 backup && only_holder r2 $VIP'
if one_master_window 3 28 $VIP; then tap_ok "one holder over 3 s"; else tap_fail "one holder over 3 s: $ONE_MASTER_WHY"; fi
# The other way: vipd (200) preempts keepalived, and keepalived takes over
# when vipd crashes.
vipd_term_check r1
ok "r1: vipd starts (vrrp2, priority 200)" vipd_start r1 "$TOPO_DIR/r1-high.conf"
ok_st "vipd preempts keepalived" wait_until 8 eval 'is_state r1 28 master && only_holder r1 $VIP'
ok "keepalived sees vipd as master" wait_until 3 eval 'grep -q "Entering BACKUP STATE" "$TOPO_DIR/keepalived.log"'
vipd_signal r1 KILL
ip -n "${LAB_P}r1" addr del "$VIP/24" dev eth0 2>/dev/null
ok "vipd crashes: keepalived takes the VIP" wait_until 6 only_holder r2 $VIP
vipd_wait r1 >/dev/null 2>&1
# A wrong password: refused, the VIP stays with keepalived.
backups=$(grep -c "Entering BACKUP STATE" "$TOPO_DIR/keepalived.log")
ok "r1: vipd starts with a wrong password (priority 200: it would win)" vipd_start r1 "$TOPO_DIR/r1-wrong.conf"
ok "vipd drops keepalived's adverts as bad_auth" wait_until 5 eval '[ "$(drops r1 bad_auth)" -ge 2 ]'
ok "keepalived keeps the VIP and never steps back for the stranger" \
	eval 'has_addr r2 $VIP && [ "$(grep -c "Entering BACKUP STATE" "$TOPO_DIR/keepalived.log")" = "$backups" ]'
vipd_term_check r1
ka_stop

# ---- IPsec AH: HMAC-MD5-96 over the IP header, AH and the advert ---------
ah_conf() { v2_conf "$@" | sed 's/^    password .*/&\n    auth_type       = "ah"/'; }
ah_conf r1 100 >"$TOPO_DIR/r1-ah.conf"
ah_conf r1 200 >"$TOPO_DIR/r1-ah-high.conf"
ah_conf r1 200 wrongpw >"$TOPO_DIR/r1-ah-wrong.conf"
KA_AUTH=AH
ip -n "${LAB_P}r1" addr del "$VIP/24" dev eth0 2>/dev/null
ka_start 150
ok "AH: keepalived alone takes the VIP" wait_until 8 only_holder r2 $VIP
ok "AH: r1: vipd starts (auth_type = \"ah\", priority 100)" vipd_start r1 "$TOPO_DIR/r1-ah.conf"
ok "AH: vipd is backup behind keepalived, no advert refused" \
	wait_until 6 eval 'is_state r1 28 backup && only_holder r2 $VIP && [ "$(vfield r1 28 .master)" = "$(ip_of r2)" ] && [ "$(drops_total r1)" = 0 ]'
ka_stop
ok "AH: vipd takes over when keepalived leaves" wait_until 6 eval 'is_state r1 28 master && only_holder r1 $VIP'
# A restarted keepalived counts from 0: it learns vipd's sequence numbers,
# then preempts with higher ones, which vipd accepts.
ka_start 150
ok "AH: a restarted keepalived preempts vipd" wait_until 10 eval 'is_state r1 28 backup && only_holder r2 $VIP'
ok "AH: keepalived never refused vipd's adverts" \
	eval '! grep -qE "IPSEC|already processed" "$TOPO_DIR/keepalived.log"'
vipd_term_check r1
ok "AH: r1: vipd restarts with priority 200" vipd_start r1 "$TOPO_DIR/r1-ah-high.conf"
ok "AH: vipd preempts keepalived" wait_until 8 eval 'is_state r1 28 master && only_holder r1 $VIP'
ok "AH: keepalived accepted vipd's adverts (backup, no IPSEC complaint)" \
	eval '[ "$(grep -c "Entering BACKUP STATE" "$TOPO_DIR/keepalived.log")" -ge 1 ] && ! grep -qE "IPSEC|already processed" "$TOPO_DIR/keepalived.log"'
if one_master_window 3 28 $VIP; then tap_ok "AH: one holder over 3 s"; else tap_fail "AH: one holder over 3 s: $ONE_MASTER_WHY"; fi
vipd_signal r1 KILL
ip -n "${LAB_P}r1" addr del "$VIP/24" dev eth0 2>/dev/null
ok "AH: vipd crashes: keepalived takes the VIP" wait_until 6 only_holder r2 $VIP
vipd_wait r1 >/dev/null 2>&1
backups=$(grep -c "Entering BACKUP STATE" "$TOPO_DIR/keepalived.log")
ok "AH: r1: vipd starts with a wrong key (priority 200: it would win)" vipd_start r1 "$TOPO_DIR/r1-ah-wrong.conf"
ok "AH: vipd drops keepalived's adverts as bad_auth" wait_until 5 eval '[ "$(drops r1 bad_auth)" -ge 2 ]'
ok "AH: keepalived refuses vipd's (invalid IPSEC HMAC-MD5) and keeps the VIP" \
	wait_until 5 eval 'grep -q "invalid IPSEC HMAC-MD5" "$TOPO_DIR/keepalived.log" && has_addr r2 $VIP && [ "$(grep -c "Entering BACKUP STATE" "$TOPO_DIR/keepalived.log")" = "$backups" ]'
vipd_term_check r1
ka_stop
lab_finish
