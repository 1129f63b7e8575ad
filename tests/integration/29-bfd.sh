#!/bin/bash
# 29-bfd.sh - BFD (RFC 5880/5881) between the routers: a crashed master
# is detected in one detection time (3 x 10 ms) instead of
# Master_Down_Interval (3 s + skew at 1 s adverts), once for all of its
# VIPs, and the best backup takes over without a second transition. A
# session that flaps while the master lives does not move the VIP; a peer
# without BFD leaves the instances on the RFC timer; vipctl status shows
# the sessions; FRR's bfdd is a peer like any other.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
second_suite_only "one run is enough: under the sanitizers"
vipd_need
command -v nft >/dev/null || skip_all "nft is not installed"
lab_up i29 10.61.29 4       # r1..r3 run vipd; r4 runs FRR's bfdd at the end

VIP=10.61.29.200
MANY=10.61.129              # the 200-instance runs: 10.61.129.1 .. .200
declare -A PRIO=([r1]=150 [r2]=100 [r3]=50)

# conf NODE BFD N: NODE's file with N instances (N 1: the VIP above, VRID
# 200), the other two routers as its peers, bfd = BFD on every instance.
conf() {
	local node=$1 bfd=$2 n=$3 r peers= i
	for r in r1 r2 r3; do
		[ "$r" = "$node" ] || peers="$peers${peers:+, }\"$(ip_of "$r")\""
	done
	conf_header "$node"
	echo "peers = { $peers }"
	echo "bfd { interval = 0.01  multiplier = 3 }"
	if [ "$n" = 1 ]; then
		conf_vip 200 200 "${PRIO[$node]}" "$VIP/24" bfd="$bfd" garp_count=1
	else
		for i in $(seq 1 "$n"); do
			conf_vip "v$i" "$i" "${PRIO[$node]}" "$MANY.$i/24" bfd="$bfd" garp_count=1
		done
	fi
}

# bfd_field NODE PEER-NODE JQ: a field of NODE's session with PEER-NODE.
bfd_field() {
	vjson "$1" | jq -r --arg p "$(ip_of "$2")" ".bfd[] | select(.peer == \$p) | $3" 2>/dev/null
}
bfd_up() { [ "$(bfd_field "$1" "$2" .state)" = up ]; }
all_up() { # every pair among the routers given
	local a b
	for a in "$@"; do
		for b in "$@"; do
			[ "$a" = "$b" ] || bfd_up "$a" "$b" || return 1
		done
	done
}
transitions() { # NODE: state changes summed over its instances
	vjson "$1" | jq '[.instances[].counters.transitions] | add' 2>/dev/null
}
n_state() { # NODE STATE: how many of its instances are in STATE
	vjson "$1" | jq --arg s "$2" '[.instances[] | select(.state == $s)] | length' 2>/dev/null
}
all_master() { [ "$(n_state "$1" master)" = "$2" ]; }   # NODE N
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

start_all() { # BFD N [r1-BFD]
	local r
	conf r1 "${3:-$1}" "$2" >"$TOPO_DIR/r1.conf"
	conf r2 "$1" "$2" >"$TOPO_DIR/r2.conf"
	conf r3 "$1" "$2" >"$TOPO_DIR/r3.conf"
	for r in r1 r2 r3; do
		vipd_start "$r" || bail_out "$r: vipd starts"
	done
}
stop_all() {
	local r
	for r in r1 r2 r3; do
		[ -n "${VIPD_PID[$r]:-}" ] && vipd_stop "$r" TERM 6
	done
	# A crashed router left its addresses behind, a rebooted one would not.
	for r in r1 r2 r3; do
		ip -n "$(ns_of "$r")" addr flush dev eth0 scope global 2>/dev/null
		ip -n "$(ns_of "$r")" addr add "$(ip_of "$r")/24" dev eth0
		topo_link "$(ns_of "$r")" up
	done
	return 0
}

# crash NODE: what a dead host looks like to the others: its link goes
# down, then its daemon is SIGKILLed (nothing more leaves it).
crash() {
	topo_link "$(ns_of "$1")" down
	vipd_stop "$1" KILL 2
}

# ---- vipd -t ---------------------------------------------------------------
bad=$TOPO_DIR/bad.conf
printf 'peers = { "10.61.29.12" }\nbfd { interval = 0  multiplier = 3 }\n' >"$bad"
conf_vip 200 200 150 "$VIP/24" bfd=true >>"$bad"
out=$("$VIPD" -t -f "$bad" 2>&1); rc=$?
eq "vipd -t refuses bfd { interval = 0 }: exit 2" "$rc" 2
has "$out" "$bad:2: interval = 0: must be 0.001..10 seconds" "... with FILE:LINE and the rule"
{ echo 'bfd { interval = 0.01 }'; conf_vip 200 200 150 "$VIP/24" bfd=true; } >"$bad"
out=$("$VIPD" -t -f "$bad" 2>&1); rc=$?
eq "vipd -t refuses bfd = true without peers: exit 2" "$rc" 2
has "$out" "$bad:7: vip \"200\": bfd = true: no peer to run BFD sessions with" "... and says why"

# ---- the sessions and the status ------------------------------------------
start_all true 1
ok_st "r1 (150) is master, r2 and r3 backups" \
	wait_until 10 eval 'only_master r1 200 && is_state r2 200 backup && is_state r3 200 backup'
ok_st "the BFD sessions among r1, r2, r3 come up" wait_until 10 all_up r1 r2 r3
json=$(vjson r1)
eq "r1 runs one session per peer, whatever the VIPs" "$(jq '.bfd | length' <<<"$json")" 2
eq "r1's session with r2: on eth0" "$(bfd_field r1 r2 .interface)" eth0
eq "detect_ms is 3 x 10 ms" "$(bfd_field r1 r2 .detect_ms)" 30
eq "no flaps so far" "$(bfd_field r1 r2 .flaps)" 0
eq "not damped" "$(bfd_field r1 r2 .damped)" false
check "$(bfd_field r1 r2 .packets_in) -gt 10" "packets flow ($(bfd_field r1 r2 .packets_in) in)"
eq "the session's source is r1's own address" "$(bfd_field r1 r2 .source)" "$(ip_of r1)"
check "$(bfd_field r1 r2 .source_port) -ge 49152" "source port in 49152..65535 ($(bfd_field r1 r2 .source_port))"
eq "the instance says bfd" "$(vfield r1 200 .bfd)" true
has "$(vctl r1 status)" "bfd $(ip_of r2)" "plain vipctl status: a line per session"
like "$(grep -m1 "bfd $(ip_of r1) on eth0: .* -> up" "$TOPO_DIR/r2.log")" "*bfd $(ip_of r1) on eth0: * -> up (*" \
	"the log names the peer and interface"


# ---- a crash: one detection time, the best backup, no second transition ----
t3=$(transitions r3)
t0=$(now_ms)
crash r1
ok_st "r2 becomes master after r1 crashes" wait_until 5 is_state r2 200 master
ms=$(( $(now_ms) - t0 ))
# Detection (20..30 ms after the crash) plus r2's skew (156/256 x 30 ms),
# plus this script's polling; the RFC timer alone would take 2.6..3.6 s.
check "$ms -le 1000" "r2 took over within 1 s of the crash, not after Master_Down_Interval (${ms} ms)"
diag "takeover after the crash, as this script polls it: ${ms} ms"
has "$(grep 'backup -> master' "$TOPO_DIR/r2.log")" "bfd: master lost" "r2 says BFD lost the master"
has "$(cat "$TOPO_DIR/r2.log")" "bfd $(ip_of r1) on eth0: up -> down (detection time expired)" \
	"r2 logs the session going down and why"
if one_master_window 2 200 $VIP; then
	tap_ok "one master, one holder over 2 s after the takeover"
else
	tap_fail "one master, one holder over 2 s after the takeover: $ONE_MASTER_WHY"
fi
eq "r3 (50) never became master: no transition" "$(transitions r3)" "$t3"
eq "r3 follows r2" "$(vfield r3 200 .master)" "$(ip_of r2)"
eq "r2 changed state once (backup -> master)" "$(grep -c 'vip 200: backup -> master' "$TOPO_DIR/r2.log")" 1
ok "the client reaches the VIP" wait_until 5 client_ping $VIP
stop_all

# ---- the same with 200 VIPs -------------------------------------------------
start_all true 200
ok_st "r1 is master of all 200 instances" wait_until 60 all_master r1 200
ok_st "r2 and r3 are backups of all 200" wait_until 20 eval '[ "$(n_state r2 backup)" = 200 ] && [ "$(n_state r3 backup)" = 200 ]'
ok_st "the sessions come up" wait_until 10 all_up r1 r2 r3
eq "still one session per peer with 200 VIPs" "$(vjson r2 | jq '.bfd | length')" 2
t3=$(transitions r3)
t0=$(now_ms)
crash r1
ok_st "r2 becomes master of all 200 after r1 crashes" wait_until 8 all_master r2 200
ms=$(( $(now_ms) - t0 ))
check "$ms -le 2000" "r2 took all 200 over within 2 s of the crash (${ms} ms)"
diag "200 VIPs: takeover after the crash, as this script polls it: ${ms} ms"
ok "r2 holds the last VIP" has_addr r2 "$MANY.200"
sleep 1
eq "r3 never became master of any: no transition" "$(transitions r3)" "$t3"
eq "r2 changed state once per instance" "$(transitions r2)" 400
stop_all

# ---- a flapping session does not move the VIP ------------------------------
start_all true 1
ok_st "r1 is master again" wait_until 10 eval 'only_master r1 200 && is_state r2 200 backup && is_state r3 200 backup'
ok_st "the sessions come up" wait_until 10 all_up r1 r2 r3
t2=$(transitions r2) t3=$(transitions r3)
# BFD alone is cut on r1, both ways, for 200 ms, four times: the sessions
# go down while r1's adverts still flow.
for i in 1 2 3 4; do
	ip netns exec "$(ns_of r1)" nft -f - <<-EOF
	table inet bfdcut {
		chain in { type filter hook input priority 0; udp dport 3784 drop; }
		chain out { type filter hook output priority 0; udp dport 3784 drop; }
	}
	EOF
	sleep 0.2
	ip netns exec "$(ns_of r1)" nft delete table inet bfdcut
	wait_until 10 all_up r1 r2 || diag "flap $i: the sessions did not come back up"
done
check "$(bfd_field r2 r1 .flaps) -ge 3" "r2's session with r1 flapped ($(bfd_field r2 r1 .flaps) times)"
eq "r2 damps it" "$(bfd_field r2 r1 .damped)" true
has "$(cat "$TOPO_DIR/r2.log")" "flaps within" "r2 says once that it damps the session"
eq "r2 never left backup" "$(transitions r2)" "$t2"
eq "r3 never left backup" "$(transitions r3)" "$t3"
ok "r1 is still the only holder of the VIP" only_holder r1 $VIP
stop_all

# ---- a peer without BFD: the RFC timer ---------------------------------------
start_all true 1 false
ok_st "r1 (bfd = false) is master" wait_until 10 eval 'only_master r1 200 && is_state r2 200 backup'
ok_st "r2 and r3 bring their session up" wait_until 10 all_up r2 r3
sleep 2
eq "r2's session with r1 never comes up" "$(bfd_field r2 r1 .state)" down
t0=$(now_ms)
crash r1
ok_st "r2 becomes master after r1 crashes" wait_until 8 is_state r2 200 master
ms=$(( $(now_ms) - t0 ))
check "$ms -ge 2000" "r2 waited for Master_Down_Interval (${ms} ms)"
check "$ms -le 5000" "... and not much longer (${ms} ms)"
has "$(grep 'backup -> master' "$TOPO_DIR/r2.log" | tail -1)" "master down timer expired" \
	"r2 took over on its advert timer"
stop_all

# ---- FRR's bfdd as a peer ----------------------------------------------------
BFDD=/usr/lib/frr/bfdd
if [ ! -x "$BFDD" ]; then
	skip "a session with FRR's bfdd comes up" "frr is not installed"
else
	r4=$(ip_of r4)
	frr_conf() { # INTERVAL
		conf_header r1
		echo 'metrics = "127.0.0.1:9629"'
		echo "bfd { interval = $1  multiplier = 3 }"
		conf_vip 200 200 150 "$VIP/24" bfd=true "peers={ \"$r4\" }"
	}
	frr_conf 0.05 >"$TOPO_DIR/r1.conf"
	frr=$TOPO_DIR/frr
	mkdir -p "$frr"
	# bfdd alone (no zebra) knows no interfaces: the peer is tied to r4's
	# address instead, which on this one segment is the same single hop.
	cat >"$frr/bfdd.conf" <<-EOF
	bfd
	 peer $(ip_of r1) local-address $r4
	  receive-interval 50
	  transmit-interval 50
	 !
	!
	EOF
	chmod 0777 "$frr"
	chmod 0644 "$frr/bfdd.conf"
	topo_spawn "$(ns_of r4)" "$TOPO_DIR/bfdd.log" "$BFDD" -f "$frr/bfdd.conf" --vty_socket "$frr" \
		-i "$frr/bfdd.pid" -u frr -g frr --bfdctl "$frr/bfdd.sock" -A 127.0.0.1 -P 0 --log stdout
	vipd_start r1 || bail_out "r1: vipd starts"
	ok_st "a session with FRR's bfdd on r4 comes up on vipd's side" wait_until 15 bfd_up r1 r4
	if command -v vtysh >/dev/null; then
		ok "... and on bfdd's side" wait_until 5 eval \
			"vtysh --vty_socket '$frr' -c 'show bfd peers' 2>/dev/null | grep -A6 'peer $(ip_of r1)' | grep -q 'Status: up'"
	fi
	eq "detect_ms with bfdd: 3 x 50 ms" "$(bfd_field r1 r4 .detect_ms)" 150
	eq "no drops" "$(vjson r1 | jq '[.bfd[0].drops[]] | add')" 0
	metrics=$(ip netns exec "$(ns_of r1)" curl -s --max-time 5 http://127.0.0.1:9629/metrics)
	has "$metrics" "vipd_bfd_session_state{peer=\"$r4\",interface=\"eth0\",state=\"up\"} 1" \
		"metrics: the session's state"
	has "$metrics" "vipd_bfd_detection_time_seconds{peer=\"$r4\",interface=\"eth0\"} 0.150000" \
		"metrics: its detection time"
	like "$metrics" "*vipd_bfd_packets_total{peer=\"$r4\",interface=\"eth0\",direction=\"in\"} [1-9]*" \
		"metrics: packets in"
	# A slower interval on reload travels by a Poll Sequence that bfdd
	# answers: the session stays up and bfdd's detection time follows.
	frr_conf 0.1 >"$TOPO_DIR/r1.conf"
	ok "r1 reloads with bfd interval 0.1" vctl r1 reload
	ok "the new interval is in effect (detect_ms 3 x 100 ms)" \
		wait_until 5 eval '[ "$(bfd_field r1 r4 .detect_ms)" = 300 ] && [ "$(bfd_field r1 r4 .poll)" = false ]'
	eq "... without a flap" "$(bfd_field r1 r4 .flaps)" 0
	eq "... and up" "$(bfd_field r1 r4 .state)" up
	if command -v vtysh >/dev/null; then
		ok "bfdd sees the new interval" wait_until 5 eval \
			"vtysh --vty_socket '$frr' -c 'show bfd peers' 2>/dev/null | grep -A25 'peer $(ip_of r1)' | grep -A4 'Remote timers' | grep -q 'Receive interval: 100ms'"
	fi
fi
lab_finish
