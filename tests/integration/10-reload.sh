#!/bin/bash
# 10-reload.sh - reload (SIGHUP or vipctl reload) applies a changed,
# added or removed instance and leaves an unchanged one alone: same state,
# same since, same transitions, and its VIP never leaves the interface. A
# bad file on reload changes nothing and the daemon keeps running.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
vipd_need
lab_up i10 10.99.20 2

V=10.99.20
r1_conf() { # priority of 201, then the instances to include beyond 200
	local p201=$1; shift
	conf_header r1
	conf_vip 200 200 150 "$V.200/24"
	conf_vip 201 201 "$p201" "$V.201/24"
	local n
	for n in "$@"; do conf_vip $n $n 150 "$V.$n/24"; done
}
r1_conf 150 202 >"$TOPO_DIR/r1.conf"
{ conf_header r2; for n in 200 201 202 203; do conf_vip $n $n 100 "$V.$n/24"; done; } >"$TOPO_DIR/r2.conf"
ok "r1: vipd starts" vipd_start r1
ok "r2: vipd starts" vipd_start r2
ok_st "r1 is master of 200, 201, 202" wait_until 10 eval \
	'only_master r1 200 && only_master r1 201 && only_master r1 202'
ok_st "r2 is master of 203 (r1 has no such instance)" wait_until 3 only_master r2 203
ok "the VIPs sit where their masters are" wait_until 3 eval \
	'only_holder r1 $V.200 && only_holder r1 $V.201 && only_holder r1 $V.202 && only_holder r2 $V.203'

# Watch r1's addresses from here on: the unchanged VIP must never move.
topo_spawn "$(ns_of r1)" "$TOPO_DIR/addr-monitor.log" ip monitor address dev eth0
sleep 0.3
pid=${VIPD_PID[r1]}
s200=$(vfield r1 200 .since); t200=$(vfield r1 200 .counters.transitions)
t200b=$(vfield r2 200 .counters.transitions)
unchanged_200() {
	eq "$1: 200 is still master on r1" "$(vstate r1 200)" master
	eq "$1: 200's since is unchanged" "$(vfield r1 200 .since)" "$s200"
	eq "$1: 200's transitions are unchanged" "$(vfield r1 200 .counters.transitions)" "$t200"
	eq "$1: r2's 200 did not move either" \
		"$(vstate r2 200) $(vfield r2 200 .counters.transitions)" "backup $t200b"
	ok "$1: the VIP of 200 is on r1 only" only_holder r1 $V.200
	check "${VIPD_PID[r1]} -eq $pid" "$1: same vipd process"
}

# SIGHUP: 201 changed (priority 50: r2 takes it), 202 removed, 203 added.
r1_conf 50 203 >"$TOPO_DIR/r1.conf"
vipd_signal r1 HUP
ok_st "SIGHUP: changed 201 (priority 50) now backup, r2 master" \
	wait_until 8 eval 'is_state r1 201 backup && only_master r2 201'
ok_st "SIGHUP: the VIP of 201 moved to r2" wait_until 3 only_holder r2 $V.201
ok_st "SIGHUP: removed 202 released its VIP" wait_until 5 lacks_addr r1 $V.202
eq "SIGHUP: removed 202 is gone from status" "$(vfield r1 202 .name)" ""
ok_st "SIGHUP: r2 took over 202" wait_until 6 eval 'only_master r2 202 && only_holder r2 $V.202'
ok_st "SIGHUP: added 203 started and preempted r2" wait_until 10 eval 'only_master r1 203 && is_state r2 203 backup'
ok "SIGHUP: the VIP of 203 is on r1 only" wait_until 3 only_holder r1 $V.203
unchanged_200 "SIGHUP"

# vipctl reload: 201 back to 150.
r1_conf 150 203 >"$TOPO_DIR/r1.conf"
ok "vipctl reload exits 0" vctl r1 reload
ok_st "vipctl reload: 201 back to 150, r1 preempts" wait_until 10 eval 'only_master r1 201 && only_holder r1 $V.201'
ok "vipctl reload: 203 untouched" eval 'only_master r1 203 && only_holder r1 $V.203'
unchanged_200 "vipctl reload"

# A bad file changes nothing.
s201=$(vfield r1 201 .since); s203=$(vfield r1 203 .since)
cp "$TOPO_DIR/r1.conf" "$TOPO_DIR/r1.good"
{ r1_conf 150 203; echo 'vip 204 { vrid = 300 }'; } >"$TOPO_DIR/r1.conf"
vipd_signal r1 HUP
sleep 2
ok "bad file on SIGHUP: vipd keeps running" vipd_alive r1
eq "bad file on SIGHUP: 201 and 203 untouched" \
	"$(vstate r1 201) $(vfield r1 201 .since) $(vstate r1 203) $(vfield r1 203 .since)" \
	"master $s201 master $s203"
eq "bad file on SIGHUP: no instance 204" "$(vfield r1 204 .name)" ""
unchanged_200 "bad file on SIGHUP"
out=$(vctl r1 reload 2>&1); rc=$?
check "$rc -ne 0" "vipctl reload of a bad file fails (exit $rc: $(head -n1 <<<"$out"))"
ok "bad file on vipctl reload: vipd keeps running" vipd_alive r1
cp "$TOPO_DIR/r1.good" "$TOPO_DIR/r1.conf"

ok "the address monitor saw the removed 202's VIP leave (it works)" \
	eval 'grep -F "$V.202/" "$TOPO_DIR/addr-monitor.log" | grep -q Deleted'
lines=$(grep -F "$V.200/" "$TOPO_DIR/addr-monitor.log")
eq "no address event for the unchanged VIP during all reloads" "$lines" ""
lab_finish
