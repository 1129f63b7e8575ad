#!/bin/bash
# 28-forged-peers.sh - peers: a router hears only the other routers of its
# virtual router. vipd reads adverts with libpcap, ahead of any firewall, so
# this is what stops a host of the same subnet (here the client) from taking
# a VIP: its priority-255 VRRPv3 adverts, and VRRPv2 and CARP adverts made
# with the right password, are dropped and counted as not_peer, logged once,
# and move nothing, while the real peers still fail over. CARP: recordings
# played back later (a claim that would win, the master's priority-0
# goodbye) are dropped as replays even once 64 other counters have been
# heard since, and a restarted peer is heard again. SIGHUP puts a changed
# list into effect without touching the instance; a list with this host's
# own address is refused, by vipd -t too, with FILE:LINE.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
vipd_need inject
for t in tcpdump python3; do command -v $t >/dev/null || skip_all "$t is not installed"; done
lab_up i28 10.81.28 3

NET=10.81.28
VIP=$NET.200
CLIENT=$NET.100
R1=$(ip_of r1) R2=$(ip_of r2) R3=$(ip_of r3)

log_msgs() { sed -n 's/^[0-9:.]* vipd\[[0-9]*\]: //p' "$TOPO_DIR/$1.log"; }
snapshot() { # the facts a refused advert may not change
	local r
	for r in r1 r2; do vfield $r "$1" '"\(.state) \(.since) \(.counters.transitions) \(.master)"'; done
}
raw() { topo_exec "${LAB_P}c" "$INJECT" -i eth0 --raw "$1" --count "${2:-1}" --gap "${3:-50}"; }

# forge KIND SRC ARGS...: one IPv4 packet in hex, built here independently
# of vipd's encoder.
#   carp SRC VHID ADVSKEW COUNTER PASSWORD VADDR     vrrp2 SRC VRID PRIO PASSWORD VIP
forge() {
	python3 - "$@" <<'PY'
import hashlib, hmac, socket, struct, sys

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff

kind, src = sys.argv[1], sys.argv[2]
if kind == "carp":
    vhid, skew, counter, key, vaddr = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7]
    ctr = struct.pack("!Q", counter)
    digest = hmac.new(key.encode(), bytes([0x02, 0x01, vhid]) + socket.inet_aton(vaddr) + ctr, hashlib.sha1).digest()
    msg = bytearray(struct.pack("!BBBBBBH", 0x21, vhid, skew, 7, 0, 1, 0) + ctr + digest)
else:
    vrid, prio, pw, vip = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
    msg = bytearray(struct.pack("!BBBBBBH", 0x21, vrid, prio, 1, 1, 1, 0) + socket.inet_aton(vip)
                    + pw.encode().ljust(8, b"\0"))
struct.pack_into("!H", msg, 6, checksum(bytes(msg)))
hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0xc0, 20 + len(msg), 0, 0, 255, 112, 0,
                            socket.inet_aton(src), socket.inet_aton("224.0.0.18")))
struct.pack_into("!H", hdr, 10, checksum(bytes(hdr)))
print((bytes(hdr) + bytes(msg)).hex())
PY
}

# pcap_packets FILE: each captured IP packet as "ADVBASE COUNTER HEX".
pcap_packets() {
	python3 - "$1" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
off = 24
while off + 16 <= len(data):
    n = struct.unpack("<I", data[off + 8:off + 12])[0]
    ip = data[off + 16 + 14:off + 16 + n]
    off += 16 + n
    m = ip[(ip[0] & 15) * 4:]
    print(m[5], struct.unpack("!Q", m[8:16])[0], ip.hex())
PY
}

# ---- vipd -t: what a peer cannot be --------------------------------------

{ conf_header r1; echo "peers = { \"$R2\", \"fd00:81:28::12\" }"   # 3: either family
  conf_vip 200 200 150 "$VIP/24" "peers={ \"$NET.300\", \"fd00::1\", \"$VIP\" }"; } >"$TOPO_DIR/bad.conf"
out=$(topo_exec "${LAB_P}r1" "$VIPD" -t -f "$TOPO_DIR/bad.conf" 2>&1); rc=$?
eq "vipd -t: bad peers exit 2" "$rc" 2
eq "vipd -t: one FILE:LINE line each (not an address, other family, a VIP)" "$out" \
"$TOPO_DIR/bad.conf:9: vip \"200\": peers \"$NET.300\": not an IP address
$TOPO_DIR/bad.conf:9: vip \"200\": peers \"fd00::1\": IPv6, but the addresses are IPv4
$TOPO_DIR/bad.conf:9: vip \"200\": peers \"$VIP\": a VIP (vip \"200\", line 10), not a router's own address"
{ conf_header r1; conf_vip 200 200 150 "$VIP/24" "peers={ \"$R2\", \"$R1\" }"; } >"$TOPO_DIR/own.conf"
out=$(topo_exec "${LAB_P}r1" "$VIPD" -t -f "$TOPO_DIR/own.conf" 2>&1); rc=$?
eq "vipd -t on r1: its own address among the peers exits 2" "$rc" 2
eq "...naming the line" "$out" \
	"$TOPO_DIR/own.conf:8: vip \"200\": peers \"$R1\": an address of this host: list the other routers"
ok "the same file is fine on r3, whose address it is not" topo_exec "${LAB_P}r3" "$VIPD" -t -f "$TOPO_DIR/own.conf"

# ---- VRRPv3: the client forges priority 255 ------------------------------

{ conf_header r1; echo 'metrics = "127.0.0.1:9650"'; conf_vip 200 200 150 "$VIP/24" "peers={ \"$R2\" }"; } \
	>"$TOPO_DIR/r1.conf"
r2_conf() { conf_header r2; echo "peers = { $1 }"; conf_vip 200 200 100 "$VIP/24"; }
r2_conf "\"$R1\"" >"$TOPO_DIR/r2.conf"
ok "r1: vipd starts (peers = { r2 })" vipd_start r1
ok "r2: vipd starts (the global peers = { r1 })" vipd_start r2
r1_holds() { only_master r1 200 && is_state r2 200 backup && only_holder r1 $VIP; }
ok_st "r1 is master, r2 backup" wait_until 10 r1_holds
ok "client reaches the VIP" wait_until 5 client_ping $VIP
ok "r1's log names whom it hears" eval 'log_msgs r1 | grep -qxF "vip 200: adverts are accepted from $R2 (peers)"'
ok "r2's log too" eval 'log_msgs r2 | grep -qxF "vip 200: adverts are accepted from $R1 (the global peers)"'
eq "status --json lists r1's peers" "$(vfield r1 200 '.peers | join(",")')" "$R2"

before=$(snapshot 200)
d1=$(drops_total r1) d2=$(drops_total r2)
inject c --src $CLIENT --vrid 200 --prio 255 --interval 100 --addr $VIP --count 50 --gap 20
ok "50 priority-255 adverts from the client: counted as not_peer by both" \
	wait_until 5 eval '[ "$(drops r1 not_peer)" -ge 50 ] && [ "$(drops r2 not_peer)" -ge 50 ]'
sleep 0.3
eq "r1: exactly 50, under no other reason" "$(drops r1 not_peer) $(( $(drops_total r1) - d1 ))" "50 50"
eq "r2: exactly 50, under no other reason" "$(drops r2 not_peer) $(( $(drops_total r2) - d2 ))" "50 50"
eq "no state, master or transition changed" "$(snapshot 200)" "$before"
ok_st "the VIP stayed on r1" r1_holds
ok "client still reaches the VIP" client_ping $VIP
line="vip 200: dropped advert from $CLIENT: the sender is not one of its peers"
eq "r1 logged it once, naming the client" "$(log_msgs r1 | grep -cxF "$line")" 1
eq "r2 too" "$(log_msgs r2 | grep -cxF "$line")" 1
if command -v curl >/dev/null; then
	eq "r1's metrics count it" "$(topo_exec "${LAB_P}r1" curl -sS --max-time 2 http://127.0.0.1:9650/metrics |
		grep -F 'vipd_instance_drops_total{instance="200",reason="not_peer"}' | awk '{print $NF}')" 50
else
	skip "r1's metrics count it" "curl is not installed"
fi

# Control: the same packet from a peer's address is heard (the source
# decides); priority 1, so it changes nothing.
rx=$(vfield r1 200 .counters.adverts_received)
inject c --src $R2 --vrid 200 --prio 1 --interval 100 --addr $VIP --count 3
ok "the same advert from r2's address is received by r1" \
	wait_until 3 eval '[ "$(vfield r1 200 .counters.adverts_received)" -ge $((rx + 3)) ]'
eq "...and not dropped" "$(drops r1 not_peer)" 50

# The real peers still fail over.
vipd_term_check r1
ok_st "r1 leaves: r2 takes the VIP" wait_until 5 eval 'is_state r2 200 master && only_holder r2 $VIP'
ok "client reaches the VIP through r2" wait_until 5 client_ping $VIP
ok "r1: vipd restarts" vipd_start r1
ok_st "r1 preempts back: r2 hears its peer" wait_until 10 r1_holds

# ---- SIGHUP: r2's list changes under the running instance ----------------

since=$(vfield r2 200 .since) trans=$(vfield r2 200 .counters.transitions)
r2_conf "\"$R1\", \"$CLIENT\"" >"$TOPO_DIR/r2.conf"
vipd_signal r2 HUP
ok "SIGHUP: r2 logs its new peers" wait_until 3 eval \
	'log_msgs r2 | grep -qxF "vip 200: adverts are now accepted from $R1, $CLIENT (the global peers)"'
eq "SIGHUP: status --json shows them" "$(vfield r2 200 '.peers | join(",")')" "$R1,$CLIENT"
n1=$(drops r1 not_peer) n2=$(drops r2 not_peer) rx=$(vfield r2 200 .counters.adverts_received)
inject c --src $CLIENT --vrid 200 --prio 255 --interval 100 --addr $VIP --count 3
ok "SIGHUP: r2 now hears the client" \
	wait_until 3 eval '[ "$(vfield r2 200 .counters.adverts_received)" -ge $((rx + 3)) ]'
eq "...and drops none of it" "$(drops r2 not_peer)" "$n2"
ok "r1 still refuses it" wait_until 3 eval '[ "$(drops r1 not_peer)" -eq $((n1 + 3)) ]'
r2_conf "\"$R1\"" >"$TOPO_DIR/r2.conf"
vipd_signal r2 HUP
ok "SIGHUP back: r2 logs it" wait_until 3 eval \
	'log_msgs r2 | grep -qxF "vip 200: adverts are now accepted from $R1 (the global peers)"'
inject c --src $CLIENT --vrid 200 --prio 255 --interval 100 --addr $VIP --count 3
ok "SIGHUP back: r2 refuses the client again" wait_until 3 eval '[ "$(drops r2 not_peer)" -eq $((n2 + 3)) ]'
r2_conf "\"$R1\", \"$R2\"" >"$TOPO_DIR/r2.conf"
vipd_signal r2 HUP
ok "a reload naming r2's own address is refused, with the line" wait_until 3 \
	grep -qF "r2.conf:3: peers \"$R2\": an address of this host: list the other routers" "$TOPO_DIR/r2.log"
eq "...and the running list stays" "$(vfield r2 200 '.peers | join(",")')" "$R1"
eq "the instance went through the reloads untouched" \
	"$(vfield r2 200 '"\(.since) \(.counters.transitions) \(.state)"')" "$since $trans backup"
ok_st "r1 kept the VIP" r1_holds
vipd_term_check r2
vipd_term_check r1

# ---- VRRPv2: the right password from the wrong host ----------------------

v2_conf() { # NODE PRIO PEER
	conf_header "$1"
	conf_vip 29 29 "$2" "$VIP/24" 'protocol="vrrp2"' 'password="s3cret"' "peers={ \"$3\" }"
}
v2_conf r1 150 "$R2" >"$TOPO_DIR/r1-v2.conf"
v2_conf r2 100 "$R1" >"$TOPO_DIR/r2-v2.conf"
ok "r1, r2: vipd starts (vrrp2)" eval 'vipd_start r1 "$TOPO_DIR/r1-v2.conf" && vipd_start r2 "$TOPO_DIR/r2-v2.conf"'
ok_st "r1 is master" wait_until 10 eval 'only_master r1 29 && is_state r2 29 backup && only_holder r1 $VIP'
before=$(snapshot 29)
raw "$(forge vrrp2 $CLIENT 29 255 s3cret $VIP)" 3
ok "priority 255 with the right password from the client: not_peer on both" \
	wait_until 3 eval '[ "$(drops r1 not_peer)" -eq 3 ] && [ "$(drops r2 not_peer)" -eq 3 ]'
eq "...and nothing else" "$(drops_total r1) $(snapshot 29)" "3 $before"
raw "$(forge vrrp2 $R2 29 255 s3cret $VIP)" 1
ok "control: the same claim from r2's address is obeyed" wait_until 4 is_state r1 29 backup
vipd_term_check r1
vipd_term_check r2

# ---- CARP: a forger with the key, and recordings played back -------------

carp_conf() { # NODE ADVSKEW PEERS
	conf_header "$1"
	cat <<CONF
vip 28 {
    interface = "eth0"
    protocol  = "carp"
    vrid      = 28
    advskew   = $2
    password  = "s3cret"
    address   = { "$VIP/24" }
    peers     = { $3 }
}
CONF
}
carp_conf r1 0 "\"$R2\", \"$R3\"" >"$TOPO_DIR/r1-carp.conf"
carp_conf r2 100 "\"$R1\", \"$R3\"" >"$TOPO_DIR/r2-carp.conf"
ok "r1: vipd starts (carp, advskew 0)" vipd_start r1 "$TOPO_DIR/r1-carp.conf"
ok "r2: vipd starts (carp, advskew 100)" vipd_start r2 "$TOPO_DIR/r2-carp.conf"
carp_r1() { only_master r1 28 && is_state r2 28 backup && only_holder r1 $VIP; }
carp_r2() { only_master r2 28 && only_holder r2 $VIP; }
ok_st "r1 is master" wait_until 10 carp_r1

# The client knows the password: an advskew-0 claim from its own address.
before=$(snapshot 28)
raw "$(forge carp $CLIENT 28 0 12345 s3cret $VIP)" 3
ok "an authentic CARP claim from the client: not_peer on both" \
	wait_until 3 eval '[ "$(drops r1 not_peer)" -eq 3 ] && [ "$(drops r2 not_peer)" -eq 3 ]'
eq "...and nothing changed" "$(snapshot 28)" "$before"

# Record r1: one of its adverts (advskew 0, which beats r2), then its
# priority-0 goodbye (advbase 255) when it gives up.
topo_exec "${LAB_P}c" timeout 5 tcpdump -i eth0 -c 1 -w "$TOPO_DIR/adv.pcap" "ip proto 112 and src $R1" 2>/dev/null
topo_exec "${LAB_P}c" timeout 8 tcpdump -i eth0 -c 1 -w "$TOPO_DIR/bye.pcap" \
	"ip proto 112 and src $R1 and ip[25] == 255" 2>/dev/null &
TCPDUMP=$!
sleep 1
ok "r1 gives up" vctl r1 giveup 28
wait $TCPDUMP
read -r _ adv_ctr adv_hex < <(pcap_packets "$TOPO_DIR/adv.pcap")
read -r bye_base bye_ctr bye_hex < <(pcap_packets "$TOPO_DIR/bye.pcap")
ok "an advert of r1 and its priority-0 goodbye are recorded" test -n "$adv_hex" -a "$bye_base" = 255
ok_st "r2 takes over" wait_until 4 carp_r2

# r1 is silent now (given up): its recorded winning claim comes back.
sleep 3.5
rp=$(drops r2 replay)
t_replay=$(date +%s)
raw "$adv_hex" 3
ok "r1's recorded advskew-0 advert, played back to r2, is a replay" \
	wait_until 3 eval '[ "$(drops r2 replay)" -eq $((rp + 3)) ]'
ok_st "r2 stays master with the VIP" steady_window 3 carp_r2

ok "r1 resumes" vctl r1 resume 28
ok_st "r1 preempts back" wait_until 8 carp_r1

# 64 authentic adverts of a third router (r3: priority 54, counters of its
# own) push r1's recorded ones out of what r2 remembers having heard:
# only the rule that r1's counter moves forward is left to catch them.
rx=$(vfield r2 28 .counters.adverts_received)
for i in $(seq 1 64); do raw "$(forge carp $R3 28 200 $((1000 + i)) s3cret $VIP)"; done
ok "r2 hears all 64 of r3's" wait_until 3 eval '[ "$(vfield r2 28 .counters.adverts_received)" -ge $((rx + 64)) ]'
eq "...as a peer, no replay" "$(drops r2 replay) $(drops r2 not_peer)" "$((rp + 3)) 3"
before=$(snapshot 28)
# One log line per reason every 10 s (rx.h): this one must not be held back.
wait_s=$(( 11 - ($(date +%s) - t_replay) ))
[ "$wait_s" -gt 0 ] && sleep "$wait_s"
raw "$bye_hex" 3
ok "r1's recorded goodbye, played back, is a replay" wait_until 3 eval '[ "$(drops r2 replay)" -eq $((rp + 6)) ]'
ok_st "r2 does not take over: r1 keeps the VIP" steady_window 3 carp_r1
eq "...and nothing changed" "$(snapshot 28)" "$before"
ok "r2 says why: the counter did not move forward" eval \
	'log_msgs r2 | grep -qE "^vip 28: dropped advert from $R1: CARP counter $bye_ctr, should be at least [0-9]+"'

# A peer that restarts counts from a new start, and is heard.
vipd_term_check r1
ok_st "r1 leaves: r2 takes over" wait_until 5 carp_r2
ok "r1: vipd restarts" vipd_start r1 "$TOPO_DIR/r1-carp.conf"
ok_st "r1 preempts back" wait_until 10 carp_r1
if one_master_window 3 28 $VIP; then tap_ok "one master, one holder over 3 s"; else tap_fail "one master, one holder over 3 s: $ONE_MASTER_WHY"; fi
eq "no advert of the restarted r1 was taken for a replay" "$(drops r2 replay)" $((rp + 6))
lab_finish
