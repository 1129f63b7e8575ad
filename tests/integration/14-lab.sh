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
vipd_need
lab=$here/../../provisioning/lab
export LAB_PREFIX=i14${TEST_NS_TAG:-}- LAB_STATE LAB_NET
LAB_STATE=$(mktemp -d /tmp/lab-i14.XXXXXX)
LAB_NET=10.98.$(($(printf '%s' "${TEST_NS_TAG:-}" | cksum | cut -d' ' -f1) % 100 + 100))
cleanup() { "$lab" down >/dev/null 2>&1; rm -rf "$LAB_STATE"; }
trap cleanup EXIT

holder_is() { "$lab" status | grep -q "^VIP $LAB_NET.$1 ($1) held by: $2 $"; }

ok "lab up succeeds" eval '"$lab" up >"$LAB_STATE.out" 2>&1'
for i in 1 2 3; do
	ok "VIP .$((199 + i)) is held by its home front0$i only" wait_until 10 holder_is $((199 + i)) "front0$i"
done
ok "lab exec runs vipctl against that host's daemon" \
	eval '"$lab" exec front01 vipctl status --json | jq -e ".instances | length == 3" >/dev/null'
ok "the client reaches every VIP" \
	eval 'for v in 200 201 202; do "$lab" exec client ping -c1 -W1 $LAB_NET.$v >/dev/null || exit 1; done'
ok "lab halt front02" eval '"$lab" halt front02 >/dev/null'
ok "201 moves to front03, its first backup" wait_until 10 holder_is 201 front03
ok "lab boot front02 (vipd before the link)" eval '"$lab" boot front02 >/dev/null'
ok "201 returns to front02" wait_until 10 holder_is 201 front02
ok "a second lab up is harmless" eval '"$lab" up >/dev/null 2>&1'
ok "...and leaves one holder per VIP" wait_until 10 holder_is 202 front03
ok "the client gets the site by name through the lab's DNS" \
	eval '"$lab" exec client curl -sf --max-time 5 http://news.lab/ | grep -q "Top news"'
ok "lab down succeeds" eval '"$lab" down >/dev/null'
check "$(ip netns list | grep -c "^$LAB_PREFIX") -eq 0" "lab down removed every namespace"
ok "and the uplink" eval '! ip link show "${LAB_PREFIX}up" >/dev/null 2>&1'
tap_done
