#!/bin/bash
# 11-bad-config.sh - a bad configuration is refused: vipd -t -f BAD exits 2
# and names FILE:LINE and the key; vipd -n -f BAD exits 2 before it touches
# the network (no address added, no socket left). A good file passes -t.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
vipd_need
lab_up i11 10.99.21 1

VIP=10.99.21.200
good() { conf_header r1; conf_vip 200 200 150 "$VIP/24"; }
good >"$TOPO_DIR/good.conf"
run_vipd() { # ARGS...: vipd in r1's namespace, at most 10 s; output in $out
	out=$(timeout 10 ip netns exec "$(ns_of r1)" "$VIPD" "$@" 2>&1); rc=$?
}
run_vipd -t -f "$TOPO_DIR/good.conf"
eq "vipd -t -f GOOD exits 0 ($(head -n1 <<<"$out"))" "$rc" 0

# bad_case NAME KEY BODY: BODY is the file; the line that holds the marker
# "#BAD" is the culprit, and the one error line that vipd prints must carry
# FILE:LINE with LINE between the start of the culprit's section and the
# culprit itself, and name KEY.
bad_case() {
	local name=$1 key=$2 f hi lo line
	f=$TOPO_DIR/bad-$(tr -cs 'a-z0-9\n' - <<<"$1").conf
	printf '%s\n' "$3" >"$f"
	hi=$(grep -n '#BAD' "$f" | head -n1 | cut -d: -f1)
	lo=$(head -n "$hi" "$f" | grep -n '^vip ' | tail -n1 | cut -d: -f1)
	lo=${lo:-1}
	run_vipd -t -f "$f"
	line=$(grep -oE "$(sed 's/[.[\*^$]/\\&/g' <<<"$f"):[0-9]+" <<<"$out" | head -n1 | sed 's/.*://')
	if [ "$rc" -eq 2 ] && [ -n "$line" ] && [ "$line" -ge "$lo" ] && [ "$line" -le "$hi" ] &&
	   grep -qiF -- "$key" <<<"$out"; then
		tap_ok "vipd -t refuses $name: exit 2, $(head -n1 <<<"$out")"
	else
		tap_fail "vipd -t refuses $name: want exit 2, ${f##*/}:$lo..$hi naming '$key'; got exit $rc: $(head -n3 <<<"$out" | tr '\n' '|')"
	fi
}
H=$(conf_header r1)
sec() { # the good section with KEY's line replaced: sec KEY LINE
	conf_vip 200 200 150 "$VIP/24" | sed "s|^    $1 = .*|    $2 #BAD|"
}
sec_add() { # the good section with LINE added after the interface
	conf_vip 200 200 150 "$VIP/24" | sed "s|^    interface = .*|&\\n    $1 #BAD|"
}
bad_case "vrid 300" vrid "$H
$(sec vrid 'vrid = 300')"
bad_case "vrid 0" vrid "$H
$(sec vrid 'vrid = 0')"
bad_case "priority 0" priority "$H
$(sec priority 'priority = 0')"
bad_case "priority 256" priority "$H
$(sec priority 'priority = 256')"
bad_case "advert_interval 50" advert_interval "$H
$(sec advert_interval 'advert_interval = 50')"
bad_case "advert_interval 0.001" advert_interval "$H
$(sec advert_interval 'advert_interval = 0.001')"
bad_case "a bad address" 10.99.21.300 "$H
$(sec address 'address = { "10.99.21.300/24" }')"
bad_case "a prefix length of 33" address "$H
$(sec address 'address = { "10.99.21.200/33" }')"
bad_case "no address" address "$H
$(sec address 'address = { }')"
bad_case "mixed address families" address "$H
$(sec address 'address = { "10.99.21.200/24", "fd00:99:21::200/64" }')"
bad_case "an unknown protocol" protocol "$H
$(sec_add 'protocol = "ospf"')"
bad_case "preempt = maybe" preempt "$H
$(sec_add 'preempt = maybe')"
bad_case "an unknown key" frobnicate "$H
$(sec_add 'frobnicate = 1')"
bad_case "a bad unicast peer" unicast_peers "$H
$(sec_add 'unicast_peers = { "10.99.21.999" }')"
bad_case "a unicast peer of the other family" unicast_peers "$H
$(sec_add 'unicast_peers = { "fd00:99:21::12" }')"
bad_case "a duplicate VRID on one interface" vrid "$H
$(conf_vip 200 200 150 "$VIP/24")
$(conf_vip 201 200 150 10.99.21.201/24 | sed 's|^    vrid = .*|& #BAD|')"
bad_case "a duplicate instance name" 200 "$H
$(conf_vip 200 200 150 "$VIP/24")
$(conf_vip 200 201 150 10.99.21.201/24 | sed '1s|$| #BAD|')"
bad_case "a syntax error" "" "$H
$(conf_vip 200 200 150 "$VIP/24" | sed 's|^    vrid = .*|    vrid = = 200 #BAD|')"

run_vipd -t -f "$TOPO_DIR/does-not-exist.conf"
if [ "$rc" -eq 2 ] && grep -qF does-not-exist.conf <<<"$out"; then
	tap_ok "vipd -t of a missing file: exit 2, names it ($(head -n1 <<<"$out"))"
else
	tap_fail "vipd -t of a missing file: want exit 2 naming the file; got exit $rc: $(head -n2 <<<"$out" | tr '\n' '|')"
fi

# Started for real with a bad file: refused before it changes anything.
# The first instance is valid, so a daemon that applies as it parses would
# add its VIP before reaching the second.
{ good; conf_vip 201 201 150 10.99.21.201/24 | sed 's|^    vrid = .*|    vrid = 300|'; } >"$TOPO_DIR/bad-run.conf"
topo_spawn "$(ns_of r1)" "$TOPO_DIR/addr-monitor.log" ip monitor address
sleep 0.3
run_vipd -n -f "$TOPO_DIR/bad-run.conf"
eq "vipd -n -f BAD exits 2 ($(head -n1 <<<"$out"))" "$rc" 2
ok "vipd -n -f BAD names the file and line" grep -qE "bad-run\.conf:[0-9]+" <<<"$out"
ok "no VIP on eth0 after the refused start" eval 'lacks_addr r1 $VIP && lacks_addr r1 10.99.21.201'
sleep 0.3
# ip monitor also prints "Error: Peer netns reference is invalid." when
# other namespaces come and go on the machine (other tests): not an event
# of this host's addresses.
eq "no address was added or removed at any time" \
	"$(grep -v '^Error: Peer netns reference is invalid\.$' "$TOPO_DIR/addr-monitor.log")" ""
ok "no control socket left behind" test ! -e "$TOPO_DIR/r1.sock"
ip -n "$(ns_of r1)" addr add 10.99.21.250/24 dev eth0
ok "the address monitor sees an address added (it works)" \
	wait_until 3 grep -qF 10.99.21.250/ "$TOPO_DIR/addr-monitor.log"
lab_finish
