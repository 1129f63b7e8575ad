#!/bin/bash
# 44-lab-machines.sh - provisioning/lab up --machines: the front-ends and
# redis hosts are Debian 12 machines booting systemd, set up by our .debs
# and the Ansible playbook over SSH. Every machine boots to "running"; the
# site answers through each VIP; a front-end's reboot moves its VIP to the
# backup and back; a redis host's halt and boot leave the cluster answering
# and then healthy; vipctl giveup/resume work through lab exec; a newer
# vipd package installed on the master restarts vipd with the VIP handed
# over and back (the client's longest ICMP silence stays under the backup's
# Skew_Time, which any break-before-make release would cost); a second
# playbook run changes nothing (nor does --check); a second up with a third
# front-end and a fourth redis host grows the stack (new VIP, new cluster
# members, the other VIPs unmoved); down leaves no machine,
# namespace, mount or cgroup. A client probes the VIPs all along: the error
# counts per step are printed as comments (outages are measured elsewhere).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
default_suite_only
. "$here/../lib/netns.sh"
. "$here/../lib/machines.sh"
top=$(cd "$here/../.." && pwd)
lab=$top/provisioning/lab
tag=$(printf '%s' "${TEST_NS_TAG:-}" | tr -cd 'A-Za-z0-9')
export LAB_PREFIX=i44${tag}- LAB_STATE LAB_NET LAB_BACK_NET
LAB_STATE=$(mktemp -d /tmp/lab-i44.XXXXXX)
# The front-ends serve the site over HTTPS with the lab's own CA.
export CURL_CA_BUNDLE=$LAB_STATE/tls/ca.crt
LAB_NET=10.96.$(($(printf '%s' "${TEST_NS_TAG:-}" | cksum | cut -d' ' -f1) % 100 + 100))
LAB_BACK_NET=10.96.$((${LAB_NET##*.} - 100))
mprefix=$(printf '%s' "$LAB_PREFIX" | tr 'A-Z' 'a-z' | tr -cd 'a-z0-9-')
out=$LAB_STATE.out
probe_dir=$LAB_STATE.probe
probe_pid=

cleanup() {
	[ -z "$probe_pid" ] || { kill "$probe_pid" 2>/dev/null; wait "$probe_pid" 2>/dev/null; }
	[ -z "$ICMP_PROBE_PID" ] || { kill "$ICMP_PROBE_PID" 2>/dev/null; wait "$ICMP_PROBE_PID" 2>/dev/null; }
	"$lab" down >/dev/null 2>&1
	rm -rf "$LAB_STATE" "$out" "$probe_dir"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ]; then echo "1..0 # SKIP needs root"; exit 0; fi
for t in systemd-nspawn mmdebstrap dpkg-buildpackage ansible-playbook git; do
	command -v "$t" >/dev/null && continue
	"$top/provisioning/deps.sh" test >/dev/null 2>&1
	command -v "$t" >/dev/null || { echo "1..0 # SKIP $t is not installed"; exit 0; }
done
if ! "$top/provisioning/machine" image >"$out" 2>&1; then
	diag "$(tail -n 5 "$out")"
	echo "1..0 # SKIP the machine image cannot be built here"
	exit 0
fi

# lab_ok DESC ARGS...: "lab ARGS" succeeds; what it said is shown if not.
lab_ok() {
	local desc=$1 rc=0; shift
	"$lab" "$@" >"$out" 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then tap_ok "$desc"; return 0; fi
	tap_fail "$desc"
	diag "  lab $* exited with status $rc; its last lines:" "$(tail -n 20 "$out" | sed 's/^/    /')"
	return 1
}
fronts="front01 front02"
redises="redis01 redis02 redis03"
holder() { # VIP-NAME: the front-ends with it on eth0
	local h
	for h in $fronts; do
		ip -n "$LAB_PREFIX$h" -br addr show dev eth0 2>/dev/null | grep -qw "$LAB_NET.$1/24" && printf '%s ' "$h"
	done
}
holder_is() { [ "$(holder "$1")" = "$2 " ]; }
holds() { # DESC VIP FRONT [SECONDS]
	if wait_until "${4:-20}" holder_is "$2" "$3"; then tap_ok "$1"; return 0; fi
	tap_fail "$1"
	diag "  want: $2 held by $3 only; held by: '$(holder "$2")'"
	return 1
}
sysstate() { "$lab" exec "$1" systemctl is-system-running 2>/dev/null; }
running() { [ "$(sysstate "$1")" = running ]; }
all_running() { # HOST...: within 60 s each says running
	local h bad=
	for h in "$@"; do wait_until 60 running "$h" || bad="$bad $h:$(sysstate "$h")"; done
	is "$bad" "" "systemctl is-system-running says running on$(printf ' %s' "$@")"
}
site() { "$lab" exec client curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "$1" 2>&1; }
cluster_ok() { "$lab" exec redis01 clusterctl check "$LAB_BACK_NET.11:6379" >/dev/null 2>&1; }

# The probe: the client asks each VIP for the front page every 0.2 s;
# one line per answer: VIP and HTTP status (000: none).
probe() {
	while :; do
		for v in 200 201; do
			echo "$v $(ip netns exec "${LAB_PREFIX}client" curl -s -o /dev/null --max-time 1 \
				-w '%{http_code}' "https://$LAB_NET.$v/")"
		done
		sleep 0.2
	done >>"$probe_dir/log"
}
mark=0
errors_since() { # STEP: a comment with the probe's errors since the last call
	local n e
	n=$(wc -l <"$probe_dir/log")
	e=$(tail -n +"$((mark + 1))" "$probe_dir/log" | head -n "$((n - mark))" |
		awk '$2 != 200 { e[$1]++ } END { for (v in e) printf " %s:%d", v, e[v] }')
	diag "probe errors during $1 ($((n - mark)) requests):${e:- none}"
	mark=$n
}

start=$SECONDS
lab_ok "lab up --machines --fronts 2 --redis 3" up --machines --fronts 2 --redis 3 ||
	bail_out "no machines lab"
diag "up: $((SECONDS - start)) s"
all_running $redises $fronts backup
holds "VIP 200 is held by front01 only" 200 front01
holds "VIP 201 is held by front02 only" 201 front02
for v in 200 201; do is "$(site "https://$LAB_NET.$v/")" 200 "the client gets the site through VIP $v"; done
has "$("$lab" exec client curl -sS --max-time 5 https://news.lab/ 2>&1)" "Top news" "...and by name through the lab's DNS"
is "$("$lab" exec front01 hostname)" front01 "lab exec runs inside the machine, named as its host"
has "$("$lab" status)" "front01  $LAB_NET.21" "lab status lists the machines"
has "$("$lab" status | grep '^front01 ')" "machine running: vipd newsd nginx" "...with their units"
is "$("$lab" exec front01 systemctl is-active vipd-handover.service)" active \
	"vipd-handover is active beside vipd"
after=$("$lab" exec front01 systemctl show -p After vipd-handover.service)
ok "...ordered after vipd, nginx and newsd (so stopped before them: the VIPs move first)" \
	eval '[[ $after == *vipd.service* && $after == *nginx.service* && $after == *newsd.service* ]]'
is "$("$lab" exec front01 systemctl show -p FragmentPath --value vipd.service)" /lib/systemd/system/vipd.service \
	"vipd runs from its package's unit"
is "$("$lab" exec front01 vipctl status --json | jq -r '.instances | length')" 2 \
	"lab exec front01 vipctl talks to the machine's vipd"
is "$("$lab" exec backup systemctl is-active clusterctl-archive)" active \
	"the backup machine runs clusterctl-archive (the backup role)"
ok "...which archives every master: clusterctl backups shows a window" wait_until 30 eval \
	'"$lab" exec backup clusterctl backups --from /var/lib/clusterctl-archive --json 2>/dev/null |
	 jq -e ".latest > 0" >/dev/null'
is "$("$lab" exec redis01 redis-cli --user archiver --pass "$(cat "$LAB_STATE/archive-password")" \
	--no-auth-warning -h "$LAB_BACK_NET.11" set archive-write-test 1 2>&1 | head -c 6)" NOPERM \
	"the archive's redis user cannot write"

mkdir -p "$probe_dir"
: >"$probe_dir/log"
probe &
probe_pid=$!
sleep 1
errors_since "the first second"

# A reboot: vipd leaves first, 200 moves to front02 and comes back once
# front01's web stack answers again.
(while :; do echo "$(holder 200)"; sleep 0.05; done) >"$probe_dir/holders" 2>&1 &
watch_pid=$!
# Requests back to back, each line curl's exit status and the HTTP status:
# 7 is a refused connection, what a VIP still held after nginx stopped gives.
ip netns exec "${LAB_PREFIX}client" bash -c 'while :; do
	curl -s -o /dev/null --max-time 1 -w "%{exitcode} %{http_code}\n" "$1"; done' _ "https://$LAB_NET.200/" \
	>"$probe_dir/tight" 2>/dev/null &
tight_pid=$!
boot1=$("$lab" exec front01 cat /proc/sys/kernel/random/boot_id)
lab_ok "lab reboot front01" reboot front01
holds "200 is back on front01 after the reboot" 200 front01 30
kill "$watch_pid" "$tight_pid" 2>/dev/null; wait "$watch_pid" "$tight_pid" 2>/dev/null
ok "200 was on front02 while front01 rebooted" grep -qx 'front02 ' "$probe_dir/holders"
is "$(grep -c '^7 ' "$probe_dir/tight")" 0 \
	"no request to 200 refused during the reboot: vipd handed it over before nginx stopped"
diag "back-to-back requests during the reboot: $(wc -l <"$probe_dir/tight"), not 200: $(grep -vc ' 200$' "$probe_dir/tight")"
check "'$("$lab" exec front01 cat /proc/sys/kernel/random/boot_id)' != '$boot1'" "front01 booted anew (a new boot id)"
all_running front01
errors_since "lab reboot front01"

lab_ok "lab halt redis02 (a clean poweroff)" halt redis02
like "$("$lab" status | grep '^redis02 ')" "*machine stopped*" "lab status: redis02 stopped"
wait_until 20 eval '[ "$(site "https://$LAB_NET.200/")" = 200 ]'
is "$(site "https://$LAB_NET.200/")" 200 "the site answers with redis02 down"
errors_since "lab halt redis02"
lab_ok "lab boot redis02" boot redis02
all_running redis02
# The rebooted host's nodes rejoin as replicas, and clusterctl watch moves a
# master back to it: seconds on a quiet machine, longer when the test runs
# beside others. What check says, when it is not healthy in time.
ok "the cluster is healthy again" wait_until 120 cluster_ok ||
	diag "$("$lab" exec redis01 clusterctl check "$LAB_BACK_NET.11:6379" 2>&1 | tail -15)"
is "$(site "https://$LAB_NET.201/")" 200 "the site answers"
errors_since "lab boot redis02"

lab_ok "lab exec front01 vipctl giveup 200" exec front01 vipctl giveup 200
holds "200 moves to front02" 200 front02
lab_ok "lab exec front01 vipctl resume 200" exec front01 vipctl resume 200
holds "200 comes back to front01" 200 front01
errors_since "giveup and resume"

# A vipd package upgrade on the master, under a 1 ms ICMP probe of its VIP:
# the package's restart hands 200 to front02 before the old vipd lets go,
# and the new vipd takes it back the same way. Break-before-make would cost
# at least front02's Skew_Time.
newdeb=$(deb_bump "$(ls "$(cat "$LAB_STATE/debs-dir")"/vipd_*.deb | head -1)" "$LAB_STATE")
newver=$(dpkg-deb -f "$newdeb" Version)
pid_before=$("$lab" exec front01 systemctl show -p MainPID --value vipd)
"$lab" exec front01 sh -c 'cat >/root/vipd-new.deb' <"$newdeb"
(while :; do echo "$(holder 200)"; sleep 0.02; done) >"$probe_dir/holders" 2>&1 &
watch_pid=$!
icmp_probe_start "${LAB_PREFIX}client" "$LAB_NET.200" "$probe_dir/icmp"
sleep 0.5
lab_ok "apt-get install of vipd $newver on front01, the master of 200" exec front01 \
	env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Use-Pty=0 /root/vipd-new.deb
is "$("$lab" exec front01 dpkg-query -W -f '${Version}' vipd)" "$newver" "front01 has vipd $newver"
check "'$("$lab" exec front01 systemctl show -p MainPID --value vipd)' != '$pid_before'" \
	"the upgrade restarted vipd"
holds "200 is back on front01 after the upgrade" 200 front01 30
sleep 0.5
icmp_probe_stop || diag "the probe gave no figures: $(cat "$probe_dir/icmp.log" 2>/dev/null)"
kill "$watch_pid" 2>/dev/null; wait "$watch_pid" 2>/dev/null
ok "200 was on front02 while front01's vipd restarted" grep -qx 'front02 ' "$probe_dir/holders"
bound=$(skew_ms 100 0.1)
gap=${PROBE_RESULT[max_gap_ms]:-none}
ok "the client's longest silence from 200 ($gap ms) is under front02's Skew_Time ($bound ms)" \
	awk -v g="$gap" -v b="$bound" 'BEGIN { exit !(g != "none" && g + 0 < b + 0) }'
diag "vipd upgrade on the master: longest ICMP gap $gap ms, ${PROBE_RESULT[lost]:-?} of ${PROBE_RESULT[sent]:-?} echoes lost"
all_running front01
errors_since "the vipd upgrade on front01"

# The lost front-end and a fresh one: a new machine, the packages, the
# playbook for that host only.
lab_ok "lab destroy front02" destroy front02
holds "201 moves to front01" 201 front01
has "$("$lab" status | grep '^front02 ')" "no machine" "lab status: front02 has no machine"
errors_since "lab destroy front02"
lab_ok "lab rebuild front02" rebuild front02
all_running front02
holds "201 returns to the rebuilt front02" 201 front02 30
errors_since "lab rebuild front02"

playbook() {
	(cd "$top/provisioning/ansible" && LAB_REDIS_PASSWORD=$(cat "$LAB_STATE/redis-password") \
		LAB_ARCHIVE_PASSWORD=$(cat "$LAB_STATE/archive-password") \
		ansible-playbook -i "$LAB_STATE/inventory.yml" -e "@$LAB_STATE/lab-vars.yml" site.yml "$@") 2>&1
}
recap() { sed -n '/^PLAY RECAP/,$p' <<<"$1" | grep -o 'changed=[0-9]*' | sort -u | paste -sd' '; }
pb=$(playbook); rc=$?
is "$rc $(recap "$pb")" "0 changed=0" "a second ansible-playbook run changes nothing"
[ "$rc $(recap "$pb")" = "0 changed=0" ] || diag "$(grep -E '^(changed|fatal)' <<<"$pb" | head -n 20)"
diag "$(sed -n '/^PLAY RECAP/,$p' <<<"$pb" | grep -v '^$')"
pb=$(playbook --check); rc=$?
is "$rc $(recap "$pb")" "0 changed=0" "...and --check after it reports no change"
errors_since "the playbook runs"
all_running $redises $fronts

# Growing: a third front-end and a fourth redis host in the inventory (a
# second up does that), the playbook on every host. front03 takes the new
# VIP 202; redis04's two nodes join the cluster; the others keep theirs.
fronts="front01 front02 front03"
lab_ok "lab up --machines --fronts 3 --redis 4 (grows the lab)" up --machines --fronts 3 --redis 4
all_running redis04 front03
has "$(cat "$LAB_STATE/inventory.yml")" "front03: {ansible_host: $LAB_NET.23, back_addr: $LAB_BACK_NET.23}" "the inventory has front03"
has "$(cat "$LAB_STATE/inventory.yml")" "redis04: {ansible_host: $LAB_BACK_NET.14}" "...and redis04"
holds "the new VIP 202 is held by front03 only" 202 front03 30
holds "200 stays on front01" 200 front01
holds "201 stays on front02" 201 front02
is "$("$lab" exec front01 vipctl status --json | jq -r '.instances | length')" 3 \
	"front01's vipd backs up the new VIP (the playbook's reload)"
is "$("$lab" exec redis01 redis-cli -h "$LAB_BACK_NET.11" cluster nodes 2>/dev/null |
	grep -c "$LAB_BACK_NET.14:")" 2 "redis04's two nodes are members of the cluster"
ok "the grown cluster is healthy" wait_until 120 cluster_ok ||
	diag "$("$lab" exec redis01 clusterctl check "$LAB_BACK_NET.11:6379" 2>&1 | tail -15)"
is "$(site "https://$LAB_NET.202/")" 200 "the client gets the site through VIP 202"
errors_since "growing the lab"

# Removing the package: its stop hands 202 over (make-before-break), and a
# purge takes the vipd user, its state and its configuration with it.
lab_ok "apt-get purge vipd on front03" exec front03 env DEBIAN_FRONTEND=noninteractive \
	apt-get purge -y -q -o Dpkg::Use-Pty=0 vipd
ok "202 moves to another front-end" wait_until 20 eval '[ -n "$(holder 202)" ] && ! holder 202 | grep -q front03'
is "$("$lab" exec front03 sh -c 'getent passwd vipd; ls -d /var/lib/vipd /etc/vipd/vipd.conf 2>/dev/null')" "" \
	"the purge removed the vipd user, /var/lib/vipd and /etc/vipd/vipd.conf"
is "$(site "https://$LAB_NET.202/")" 200 "the client still gets the site through VIP 202"
errors_since "the purge of vipd on front03"

kill "$probe_pid" 2>/dev/null; wait "$probe_pid" 2>/dev/null; probe_pid=
lab_ok "lab down" down
is "$(ip netns list | grep "^$LAB_PREFIX")" "" "no namespace left"
is "$(grep -F " $LAB_STATE/" /proc/mounts)" "" "no mount left"
is "$(ls -d /sys/fs/cgroup/*/vipd-lab/"$mprefix"* /sys/fs/cgroup/vipd-lab/"$mprefix"* 2>/dev/null)" "" "no cgroup left"
ok "no machine state left" test ! -e "$LAB_STATE/machines"
is "$(ps -eo args | grep -F "_supervise $mprefix" | grep -v grep)" "" "no machine process left"
diag "run time: $((SECONDS - start)) s"
tap_done
