#!/bin/bash
# 25-forged-legacy.sh - forged CARP and VRRPv2 advertisements: a wrong key or
# password, a replayed CARP counter, a wrong TTL, a better claim from an
# unknown source without the key. Each is dropped, counted under its reason
# in vipctl status, and never moves the VIP. The packets are built here, in
# python3 (hmac, struct), independently of vipd's encoder; the replay is a
# packet captured from a live ucarp.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
vipd_need inject
for t in ucarp tcpdump python3; do command -v $t >/dev/null || skip_all "$t is not installed"; done
lab_up i25 10.99.30 2

VIP=10.99.30.200
STRANGER=10.99.30.50

# forge PROTO SRC TTL ARGS...: one IPv4 packet in hex.
#   carp VHID ADVSKEW COUNTER KEY VADDR      vrrp2 VRID PRIO PASSWORD VIP
forge() {
	python3 - "$@" <<'PY'
import hmac, hashlib, socket, struct, sys
proto, src, ttl = sys.argv[1], sys.argv[2], int(sys.argv[3])
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
if proto == "carp":
    vhid, skew, counter, key, vaddr = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7], sys.argv[8]
    ctr = struct.pack("!Q", counter)
    md = hmac.new(key.encode(), bytes([2, 1, vhid]) + socket.inet_aton(vaddr) + ctr, hashlib.sha1).digest()
    msg = bytearray(bytes([0x21, vhid, skew, 7, 0, 1]) + b"\0\0" + ctr + md)
else:
    vrid, prio, pw, vip = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7]
    msg = bytearray(bytes([0x21, vrid, prio, 1, 1, 1]) + b"\0\0" + socket.inet_aton(vip) + pw.encode().ljust(8, b"\0"))
struct.pack_into("!H", msg, 6, csum(bytes(msg)))
ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0xc0, 20 + len(msg), 0, 0, ttl, 112, 0,
                           socket.inet_aton(src), socket.inet_aton("224.0.0.18")))
struct.pack_into("!H", ip, 10, csum(bytes(ip)))
print((bytes(ip) + bytes(msg)).hex())
PY
}
inject() { topo_exec "${LAB_P}c" "$INJECT" -i eth0 --raw "$1" --count "${2:-3}" --gap 100; }
steady() { steady_window "$1" eval "is_state r1 $2 $3 && only_holder $4 $VIP"; }   # SECONDS NAME STATE HOLDER

# ---- CARP: ucarp (advskew 0) is master on r2, vipd (advskew 50) backup.
printf '#!/bin/sh\nip addr add %s/24 dev "$1"\n' "$VIP" >"$TOPO_DIR/up.sh"
printf '#!/bin/sh\nip addr del %s/24 dev "$1"\n' "$VIP" >"$TOPO_DIR/down.sh"
chmod +x "$TOPO_DIR/up.sh" "$TOPO_DIR/down.sh"
topo_spawn "${LAB_P}r2" "$TOPO_DIR/ucarp.log" ucarp -i eth0 -s "$(ip_of r2)" -v 30 -p s3cret -a "$VIP" \
	-b 1 -k 0 -P -u "$TOPO_DIR/up.sh" -d "$TOPO_DIR/down.sh"
UCARP=$TOPO_LAST_PID
{ conf_header r1; cat <<CONF
vip 30 {
    interface = "eth0"
    protocol  = "carp"
    vrid      = 30
    advskew   = 50
    password  = "s3cret"
    address   = { "$VIP/24" }
}
CONF
} >"$TOPO_DIR/r1.conf"
ok "ucarp takes the VIP" wait_until 8 only_holder r2 $VIP
ok "r1: vipd starts (carp, advskew 50)" vipd_start r1
ok_st "vipd is backup behind ucarp" wait_until 6 eval 'is_state r1 30 backup && only_holder r2 $VIP'

ip netns exec "${LAB_P}r1" timeout 5 tcpdump -i eth0 -c 1 -w "$TOPO_DIR/carp.pcap" "ip proto 112" 2>/dev/null
replay=$(python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); print(d[24+16+14:].hex())' "$TOPO_DIR/carp.pcap")
ok "a ucarp advertisement is captured" test -n "$replay"
sleep 1.5   # ucarp's counter moves on
inject "$replay"
ok "its replay is dropped as a replay" wait_until 3 eval '[ "$(drops r1 replay)" -ge 1 ]'
ok_st "and changes nothing" steady 2 30 backup r2

# vipd master alone, then the forgeries try to take the VIP from it.
topo_kill "$UCARP" KILL
ip -n "${LAB_P}r2" addr del "$VIP/24" dev eth0 2>/dev/null
ok_st "ucarp gone, vipd is master" wait_until 6 eval 'is_state r1 30 master && only_holder r1 $VIP'
inject "$(forge carp $STRANGER 255 30 0 99999 wrongkey $VIP)"
ok "advskew 0 with a wrong key: bad_auth" wait_until 3 eval '[ "$(drops r1 bad_auth)" -ge 3 ]'
inject "$(forge carp $STRANGER 64 30 0 99999 s3cret $VIP)"
ok "the right key but TTL 64: bad_ttl" wait_until 3 eval '[ "$(drops r1 bad_ttl)" -ge 3 ]'
inject "$(forge carp $STRANGER 255 30 0 99999 s3cret 10.99.30.201)"
ok "the right key over another VIP: bad_auth" wait_until 3 eval '[ "$(drops r1 bad_auth)" -ge 6 ]'
ok_st "vipd stayed master and kept the VIP throughout" steady 2 30 master r1
vipd_term_check r1

# ---- VRRPv2: vipd (priority 100) master alone.
{ conf_header r1; cat <<CONF
vip 31 {
    interface       = "eth0"
    protocol        = "vrrp2"
    vrid            = 31
    priority        = 100
    advert_interval = 1
    password        = "s3cret"
    address         = { "$VIP/24" }
}
CONF
} >"$TOPO_DIR/r1-v2.conf"
ok "r1: vipd starts (vrrp2)" vipd_start r1 "$TOPO_DIR/r1-v2.conf"
ok_st "vipd is master" wait_until 6 eval 'is_state r1 31 master && only_holder r1 $VIP'
inject "$(forge vrrp2 $STRANGER 255 31 255 wrongpw $VIP)"
ok "priority 255 with a wrong password: bad_auth" wait_until 3 eval '[ "$(drops r1 bad_auth)" -ge 3 ]'
inject "$(forge vrrp2 $STRANGER 64 31 255 s3cret $VIP)"
ok "the right password but TTL 64: bad_ttl" wait_until 3 eval '[ "$(drops r1 bad_ttl)" -ge 3 ]'
ok_st "vipd stayed master and kept the VIP" steady 2 31 master r1
ok "vipctl status shows the reasons" eval 'vctl r1 status | grep -q "bad_auth" || vjson r1 | jq -e ".instances[0].counters.drops.bad_auth >= 3" >/dev/null'
inject "$(forge vrrp2 $STRANGER 255 31 120 s3cret $VIP)" 1
ok "the control case: a genuine better claim is obeyed" wait_until 4 is_state r1 31 backup
lab_finish
