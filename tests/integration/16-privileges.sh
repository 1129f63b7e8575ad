#!/bin/bash
# 16-privileges.sh - least privilege: once its sockets are open vipd runs as
# an unprivileged user (vipd if that user exists, else nobody:nogroup) with
# exactly cap_net_admin and cap_net_raw and no_new_privs set; and everything
# still works that way: failover and back (VIPs added and removed, gratuitous
# ARP), vipctl as root on the root-owned socket, giveup state written to
# state_dir (the user's), a capture reopened after a link flap and one opened
# for an interface that appears later, SIGHUP with an added VIP and an
# nftables table, a clear refusal of a file the user cannot read. -u root
# keeps root; the bounding set and no_new_privs of vipd.service are enough;
# a bad -u and a state_dir that is not vipd's are refused.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
vipd_need
lab_up i16 10.99.26 2

V=10.99.26
VIP=$V.200
LATE=10.99.126      # eth1 of r1, a link of its own that appears later
LAB_INTERVAL=0.5
R1=$(ns_of r1)

if getent passwd vipd >/dev/null; then
	RUN_USER=vipd RUN_GID=$(id -g vipd)
else
	RUN_USER=nobody RUN_GID=$(getent group nogroup | cut -d: -f3)
	RUN_GID=${RUN_GID:-$(id -g nobody)}
fi
RUN_UID=$(id -u "$RUN_USER")

r1_conf() { # [EXTRA INSTANCES...]: 200 on eth0, 210 on the late eth1, then the extras
	conf_header r1
	conf_vip 200 200 150 "$VIP/24"
	conf_vip 210 210 150 "$LATE.210/24" interface=eth1 advert_interval=0.2
	local n
	for n in "$@"; do
		case $n in
		202) conf_vip 202 202 150 "$V.202/24" accept_mode=false ;;
		*) conf_vip "$n" "$n" 150 "$V.$n/24" ;;
		esac
	done
}
r1_conf >"$TOPO_DIR/r1.conf"
{ conf_header r2; conf_vip 200 200 100 "$VIP/24"; } >"$TOPO_DIR/r2.conf"

# pstat PID KEY: a /proc/PID/status field, tabs squeezed to spaces.
pstat() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ +/, ""); print; exit }' "/proc/$1/status"; }

# 1. Who the daemons are.
ok "r1: vipd starts" vipd_start r1
ok "r2: vipd starts" vipd_start r2
for r in r1 r2; do
	pid=${VIPD_PID[$r]}
	eq "$r: Uid is $RUN_USER's, all four" "$(pstat "$pid" Uid)" "$RUN_UID $RUN_UID $RUN_UID $RUN_UID"
	eq "$r: Gid is $RUN_GID, all four" "$(pstat "$pid" Gid)" "$RUN_GID $RUN_GID $RUN_GID $RUN_GID"
	eq "$r: no supplementary groups" "$(pstat "$pid" Groups)" ""
	eq "$r: CapEff is cap_net_admin+cap_net_raw" "$(pstat "$pid" CapEff)" 0000000000003000
	eq "$r: CapPrm is cap_net_admin+cap_net_raw" "$(pstat "$pid" CapPrm)" 0000000000003000
	eq "$r: CapInh and CapAmb are empty" "$(pstat "$pid" CapInh) $(pstat "$pid" CapAmb)" \
		"0000000000000000 0000000000000000"
	eq "$r: NoNewPrivs is 1" "$(pstat "$pid" NoNewPrivs)" 1
	ok "$r: the log says so in one line" grep -qF \
		"running as $RUN_USER (uid $RUN_UID), capabilities cap_net_admin,cap_net_raw" "$TOPO_DIR/$r.log"
done
eq "the control socket stays root's, mode 0600" "$(stat -c '%U %a' "$TOPO_DIR/r1.sock")" "root 600"
ok "vipctl status works as root" eval 'vctl r1 status >/dev/null'

# 2. Failover and back, by giveup and resume: VIPs added and removed,
# announced, and the giveup remembered in state_dir.
r1_holds() { only_master r1 200 && only_holder r1 $VIP; }
r2_holds() { only_master r2 200 && only_holder r2 $VIP; }
r1_hears_r2() { is_state r1 200 backup && [ "$(vfield r1 200 .master)" = "$(ip_of r2)" ]; }
ok_st "r1 (150) is master and holds the VIP" wait_until 10 eval 'r1_holds && is_state r2 200 backup'
ok "the client reaches the VIP at r1" wait_until 5 eval 'client_ping $VIP && client_neigh_is $VIP "$(mac_of r1)"'
ok "vipctl giveup 200 exits 0" vctl r1 giveup 200
ok_st "r2 takes the VIP" wait_until 5 r2_holds
ok "r2's gratuitous ARP moved the client to r2" wait_until 3 client_neigh_is $VIP "$(mac_of r2)"
ok "the client reaches the VIP at r2" wait_until 5 client_ping $VIP
ok_st "r1 stays backup and hears r2 (3 s)" steady_window 3 eval 'r1_hears_r2 && r2_holds'
STATE=$TOPO_DIR/r1-state
eq "state_dir belongs to $RUN_USER" "$(stat -c %u "$STATE" 2>&1)" "$RUN_UID"
eq "the giveup state file belongs to $RUN_USER" "$(stat -c %u "$STATE/giveup" 2>&1)" "$RUN_UID"
ok "the giveup state file names 200" grep -q '^200 ' "$STATE/giveup"
ok "vipctl resume 200 exits 0" vctl r1 resume 200
ok_st "r1 takes the VIP back" wait_until 8 r1_holds
ok "r1's gratuitous ARP moved the client back" wait_until 3 client_neigh_is $VIP "$(mac_of r1)"
ok "the resume is written too" eval '! grep -q "^200 " "$STATE/giveup"'

# 3. A link flap: the capture is reopened as the user, and hears again.
caps_eth0=$(grep -c 'capturing VRRP on eth0' "$TOPO_DIR/r1.log")
ip -n "$R1" link set eth0 down
ok_st "r1's link down: r2 takes the VIP" wait_until 5 r2_holds
ip -n "$R1" link set eth0 up
ok_st "r1's link up: r1 takes the VIP back" wait_until 10 r1_holds
check "$(grep -c 'capturing VRRP on eth0' "$TOPO_DIR/r1.log") -gt $caps_eth0" \
	"r1 reopened its capture on eth0 after the drop"
ok "vipctl giveup 200 exits 0" vctl r1 giveup 200
ok_st "the reopened capture hears r2's adverts (r1 backup of r2 for 3 s)" \
	eval 'wait_until 5 r2_holds && steady_window 3 eval "r1_hears_r2 && r2_holds"'
ok "vipctl resume 200 exits 0" vctl r1 resume 200
ok_st "r1 takes the VIP back" wait_until 8 r1_holds

# 4. An interface that appears after the drop.
ok "210 waits for eth1" eval '[ "$(vstate r1 210)" = init ] || [ "$(vstate r1 210)" = fault ]'
ip link add v-r1late netns "$(ns_of sw)" type veth peer name eth1 netns "$R1"
ip -n "$(ns_of sw)" link set v-r1late up
ip -n "$R1" addr add "$LATE.11/24" dev eth1
ip -n "$R1" link set eth1 up
ok_st "210 becomes master on the new eth1" wait_until 8 is_state r1 210 master
ok "the VIP of 210 is on r1's eth1" wait_until 3 has_addr r1 $LATE.210 eth1
ok "the eth1 capture was opened after the drop" eval \
	"sed -n '/running as /,\$p' '$TOPO_DIR/r1.log' | grep -q 'capturing VRRP on eth1'"

# 5. SIGHUP: an added VIP, and one with accept_mode = false (nftables).
r1_conf 201 202 >"$TOPO_DIR/r1.conf"
vipd_signal r1 HUP
ok_st "SIGHUP: added 201 becomes master" wait_until 8 is_state r1 201 master
ok "SIGHUP: the VIP of 201 is on r1" wait_until 3 has_addr r1 $V.201
ok_st "SIGHUP: added 202 becomes master" wait_until 8 is_state r1 202 master
if command -v nft >/dev/null; then
	ok "SIGHUP: vipd installed its nftables table as $RUN_USER" \
		wait_until 3 ip netns exec "$R1" nft list table inet vipd
else
	skip "SIGHUP: vipd installed its nftables table as $RUN_USER" "nft is not installed"
fi
ok "200 is untouched" r1_holds

# 6. A file the user cannot read: the reload is refused, clearly.
r1_conf 201 202 203 >"$TOPO_DIR/r1.conf"
chmod 0600 "$TOPO_DIR/r1.conf"
out=$(vctl r1 reload 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -qF "$TOPO_DIR/r1.conf" <<<"$out" && grep -qF "$RUN_USER" <<<"$out"; then
	tap_ok "vipctl reload of an unreadable file fails naming the file and the user (exit $rc: $(tail -n1 <<<"$out"))"
else
	tap_fail "vipctl reload of an unreadable file fails naming the file and the user (exit $rc: $(tr '\n' '|' <<<"$out"))"
fi
vipd_signal r1 HUP
sleep 1
ok "SIGHUP with an unreadable file: vipd keeps running" vipd_alive r1
ok "...and says why in its log" grep -qF "r1.conf: vipd runs as $RUN_USER, who cannot read it" "$TOPO_DIR/r1.log"
eq "...and nothing changed (no 203)" "$(vfield r1 203 .name)" ""
chmod 0644 "$TOPO_DIR/r1.conf"
ok "readable again: vipctl reload exits 0" vctl r1 reload
ok_st "203 is added" wait_until 8 is_state r1 203 master

# 7. -u root keeps root.
vipd_term_check r2
ok "r2: vipd starts with -u root" vipd_start r2 "$TOPO_DIR/r2.conf" -u root
eq "-u root: Uid stays 0" "$(pstat "${VIPD_PID[r2]}" Uid)" "0 0 0 0"
check "\"$(pstat "${VIPD_PID[r2]}" CapEff)\" != 0000000000003000" "-u root: the capabilities are kept"
ok "-u root: logged" grep -qF "running as root (-u root)" "$TOPO_DIR/r2.log"
ok_st "-u root: r2 is backup of r1" wait_until 5 is_state r2 200 backup

# 8. What vipd.service allows is enough: started with the unit's bounding
# set and no_new_privs, on a state_dir that is root's (systemd makes it so
# at each start) with root's leftovers in it.
vipd_term_check r2
if command -v setpriv >/dev/null; then
	S2=$TOPO_DIR/r2-state
	mkdir -p "$S2"
	: >"$S2/giveup"
	( umask 077; : >"$S2/giveup.tmp" )
	chown -R root:root "$S2"
	chmod 0755 "$S2"
	echo "--- vipd start $(date +%T.%N) under setpriv" >>"$TOPO_DIR/r2.log"
	topo_spawn "$(ns_of r2)" "$TOPO_DIR/r2.log" setpriv --no-new-privs \
		--bounding-set=-all,+net_raw,+net_admin,+setuid,+setgid,+chown "$VIPD" -n -f "$TOPO_DIR/r2.conf"
	VIPD_PID[r2]=$TOPO_LAST_PID
	ok "the unit's bounding set: vipd starts" wait_until 5 vctl r2 status
	eq "...as $RUN_USER with cap_net_admin+cap_net_raw" \
		"$(pstat "${VIPD_PID[r2]}" Uid) $(pstat "${VIPD_PID[r2]}" CapEff)" \
		"$RUN_UID $RUN_UID $RUN_UID $RUN_UID 0000000000003000"
	eq "...and the state_dir and root's files in it are $RUN_USER's" \
		"$(stat -c %u "$S2" "$S2/giveup" "$S2/giveup.tmp" | sort -u)" "$RUN_UID"
	ok_st "...r2 is backup of r1" wait_until 5 is_state r2 200 backup
	ok "...vipctl giveup 200 on r2 exits 0" vctl r2 giveup 200
	ok "...and is written" wait_until 3 grep -q '^200 ' "$S2/giveup"
	ok "...vipctl resume 200 on r2 exits 0" vctl r2 resume 200
else
	skip "the unit's bounding set: vipd starts" "setpriv is not installed"
fi

# 9. Refused: a bad -u, and a state_dir that is not vipd's.
out=$(ip netns exec "$(ns_of r2)" "$VIPD" -t -f "$TOPO_DIR/r2.conf" -u no-such-user-16 2>&1); rc=$?
check "$rc -eq 2" "-u with an unknown user exits 2 (exit $rc: $(head -n1 <<<"$out"))"
ok "...naming the user" grep -qF no-such-user-16 <<<"$out"
u_rc() { ip netns exec "$(ns_of r2)" "$VIPD" -t -f "$TOPO_DIR/r2.conf" -u "$1" >/dev/null 2>&1; echo $?; }
eq "-u nobody:nogroup is accepted" "$(u_rc nobody:nogroup)" 0
eq "-u with a number is accepted" "$(u_rc "$RUN_UID")" 0
eq "-u USER: (empty group) exits 2" "$(u_rc nobody:)" 2
eq "-u USER:GROUP with an unknown group exits 2" "$(u_rc nobody:no-such-group-16)" 2
eq "-u root:GROUP exits 2 (root keeps root)" "$(u_rc root:root)" 2

mkdir -p "$TOPO_DIR/busy"
touch "$TOPO_DIR/busy/someone-else"
{ echo "socket = \"$TOPO_DIR/busy.sock\""; echo "state_dir = \"$TOPO_DIR/busy\"";
  conf_vip 220 220 100 "$V.220/24"; } >"$TOPO_DIR/busy.conf"
out=$(timeout 10 ip netns exec "$(ns_of r2)" "$VIPD" -n -f "$TOPO_DIR/busy.conf" 2>&1); rc=$?
check "$rc -eq 1" "a state_dir holding other files: vipd refuses to start (exit $rc: $(grep -m1 -o 'cannot prep.*' <<<"$out"))"
ok "...naming the directory and the file" eval 'grep -F "$TOPO_DIR/busy" <<<"$out" | grep -q someone-else'
eq "...and the directory is not given away" "$(stat -c %U "$TOPO_DIR/busy")" root
lab_finish
