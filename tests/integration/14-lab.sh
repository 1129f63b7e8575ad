#!/bin/bash
# 14-lab.sh - the README's first command: provisioning/lab up brings up the
# stack (three front-ends, each home for one VIP, three redis hosts, dns,
# mail, client); exec, halt, boot and down do what they say, and down leaves
# nothing behind. Runs beside an operator's lab (own namespace prefix,
# subnet and state directory). The failure drills are 40-lab-drills.sh.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
second_suite_only "one run is enough"
vipd_need
lab=$here/../../provisioning/lab
export LAB_PREFIX=i14${TEST_NS_TAG:-}- LAB_STATE LAB_NET LAB_BACK_NET
LAB_STATE=$(mktemp -d /tmp/lab-i14.XXXXXX)
LAB_NET=10.98.$(($(printf '%s' "${TEST_NS_TAG:-}" | cksum | cut -d' ' -f1) % 100 + 100))
LAB_BACK_NET=10.98.$((${LAB_NET##*.} - 100))
cleanup() { "$lab" down >/dev/null 2>&1; rm -rf "$LAB_STATE" "$LAB_STATE.out"; }
trap cleanup EXIT

# lab_ok DESC ARGS...: "lab ARGS" succeeds; what it said is shown if not.
lab_ok() {
	local desc=$1 rc=0; shift
	"$lab" "$@" >"$LAB_STATE.out" 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then tap_ok "$desc"; return 0; fi
	tap_fail "$desc"
	diag "  lab $* exited with status $rc; its last lines:" "$(tail -n 20 "$LAB_STATE.out" | sed 's/^/    /')"
	return 1
}
holder_is() { "$lab" status | grep -q "^VIP $LAB_NET.$1 ($1) held by: $2 $"; }
# holds DESC VIP FRONT: within 10 s FRONT is the only holder of VIP.
holds() {
	if wait_until 10 holder_is "$2" "$3"; then tap_ok "$1"; return 0; fi
	tap_fail "$1"
	diag "  want: VIP $LAB_NET.$2 ($2) held by: $3" "  lab status says:" "$("$lab" status 2>&1 | sed 's/^/    /')"
	return 1
}
unreachable() { # the VIPs the client cannot ping, each with ping's last line
	local v out
	for v in 200 201 202; do
		out=$("$lab" exec client ping -c1 -W1 "$LAB_NET.$v" 2>&1) || echo "$LAB_NET.$v: $(tail -n1 <<<"$out")"
	done
}

lab_ok "lab up succeeds" up
addrs() { "$lab" status | awk -v h="$1" '$1 == h {print $2, $3}'; }
is "$(addrs front01)" "$LAB_NET.21 $LAB_BACK_NET.21" "lab status shows a front-end's front and back addresses"
is "$(addrs redis01)" "- $LAB_BACK_NET.11" "...and a redis host's, on the back network only"
for i in 1 2 3; do
	holds "VIP .$((199 + i)) is held by its home front0$i only" $((199 + i)) "front0$i"
done
has "$("$lab" exec front01 curl -s --max-time 5 http://127.0.0.1:9651/metrics)" 'newsd_http_requests_total{' \
	"front01's newsd serves its metrics on 127.0.0.1:9651 (metrics_listen)"
is "$("$lab" exec front01 vipctl status --json | jq '.instances | length')" 3 \
	"lab exec runs vipctl against that host's daemon"
is "$(unreachable)" "" "the client reaches every VIP"
lab_ok "lab halt front02" halt front02
holds "201 moves to front03, its first backup" 201 front03
lab_ok "lab boot front02 (vipd before the link)" boot front02
holds "201 returns to front02" 201 front02
lab_ok "a second lab up is harmless" up
holds "...and leaves one holder per VIP" 202 front03
has "$("$lab" exec client curl -sSf --max-time 5 https://news.lab/ 2>&1)" "Top news" \
	"the client gets the site by name through the lab's DNS"
lab_ok "lab down succeeds" down
is "$(ip netns list | grep "^$LAB_PREFIX")" "" "lab down removed every namespace"
ok "and the uplinks" eval '! ip link show "${LAB_PREFIX}up" >/dev/null 2>&1 && ! ip link show "${LAB_PREFIX}upb" >/dev/null 2>&1'
tap_done
