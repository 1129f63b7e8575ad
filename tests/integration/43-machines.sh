#!/bin/bash
# 43-machines.sh - provisioning/machine: a Debian 12 machine booting systemd
# under systemd-nspawn in a network namespace of the test's own. It boots to
# "running" (no failed unit) with its own hostname and the namespace's
# address, answers SSH from a peer namespace with the lab key, reboots (a new
# boot id), powers off cleanly, and destroy leaves no process, mount, cgroup
# or state behind. The image is built once (MACHINE_CACHE) and then reused.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/machines.sh"   # machines_need, machines_image, m_ok
default_suite_only
top=$(cd "$here/../.." && pwd)
machine=$top/provisioning/machine
tag=$(printf '%s' "${TEST_NS_TAG:-}" | tr -cd 'a-z0-9')
name=m43$tag
ns=i43${tag}m peer=i43${tag}p
net=10.77.$(($(printf '%s' "$tag" | cksum | cut -d' ' -f1) % 100 + 100))
addr=$net.10 peer_addr=$net.1
export LAB_STATE MACHINE_BOOT_TIMEOUT=60
LAB_STATE=$(mktemp -d /tmp/machine-i43.XXXXXX)
sdir=$LAB_STATE/machines/$name
out=$LAB_STATE.out

cleanup() {
	[ -d "$sdir" ] && "$machine" destroy "$name" >/dev/null 2>&1
	ip netns delete "$ns" 2>/dev/null
	ip netns delete "$peer" 2>/dev/null
	rm -rf "$LAB_STATE" "$out"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ]; then echo "1..0 # SKIP needs root"; exit 0; fi
if ! command -v systemd-nspawn >/dev/null || ! command -v mmdebstrap >/dev/null; then
	"$top/provisioning/deps.sh" test >/dev/null 2>&1
	if ! command -v systemd-nspawn >/dev/null || ! command -v mmdebstrap >/dev/null; then
		echo "1..0 # SKIP systemd-nspawn or mmdebstrap cannot be installed (systemd-container, mmdebstrap)"
		exit 0
	fi
fi

in_m() { "$machine" exec "$name" "$@" 2>&1; }
alive() { [ -n "$1" ] && [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)" != Z ]; }
none_alive() { local p; for p in "$@"; do alive "$p" && return 1; done; return 0; }
leader_of() { # NSPAWN-PID: its child, the machine's PID 1
	local c
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		[ "$(readlink "/proc/$c/ns/pid")" != "$(readlink "/proc/$1/ns/pid")" ] && { echo "$c"; return 0; }
	done
	return 1
}
pids() { # supervisor, nspawn and the machine's PID 1
	local s n
	s=$(cat "$sdir/supervisor.pid" 2>/dev/null) n=$(cat "$sdir/nspawn.pid" 2>/dev/null)
	echo "$s $n $( [ -n "$n" ] && leader_of "$n")"
}
mounts() { grep -F " $LAB_STATE/" /proc/mounts; }
cgroup_dirs() { ls -d /sys/fs/cgroup/*/vipd-lab/"$name" 2>/dev/null; }
ssh_peer() { # ARGS...: ssh from the peer namespace to the machine as root
	ip netns exec "$peer" ssh -i "$key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o BatchMode=yes -o ConnectTimeout=5 -o LogLevel=ERROR "root@$addr" "$@"
}
secs() { sed -n 's/.* after \([0-9.]*\) s.*/\1/p' "$out"; }

# The image: built the first time (a few minutes at most), then cached.
t0=$(date +%s.%N)
if ! "$machine" image >"$out" 2>&1; then
	if grep -qE 'archive is unreachable|no Debian mirror' "$out"; then
		diag "$(tail -n 5 "$out")"
		echo "1..0 # SKIP the machine image cannot be built (no Debian archive reachable)"
		exit 0
	fi
	diag "$(tail -n 20 "$out")"
	bail_out "machine image builds the image"
fi
tap_ok "machine image builds (or finds) the image"
diag "image build: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s this run; $(tail -n 1 "$out")"
key=$("$machine" key)
ok "the SSH key pair exists" test -s "$key" -a -s "$key.pub"

out_err=$("$machine" status "$name" 2>&1); rc=$?
is "$rc: $out_err" "1: machine: no machine $name (machine create first)" "a machine not created: one clear line, status 1"
"$machine" boot >/dev/null 2>&1; is "$?" 2 "usage errors exit with status 2"

# The network: the machine's namespace and a peer on a veth pair.
net_up() {
	local n
	ip netns delete "$ns" 2>/dev/null; ip netns delete "$peer" 2>/dev/null
	ip netns add "$ns" && ip netns add "$peer" &&
		ip link add eth0 netns "$ns" type veth peer name eth0 netns "$peer" &&
		ip -n "$ns" addr add "$addr/24" dev eth0 && ip -n "$peer" addr add "$peer_addr/24" dev eth0 || return 1
	for n in "$ns" "$peer"; do ip -n "$n" link set lo up && ip -n "$n" link set eth0 up || return 1; done
}
net_up || bail_out "the test's namespaces $ns and $peer"

m_ok "machine create" create "$name" "$ns" || bail_out "nothing runs without a machine"
t0=$SECONDS
m_ok "machine boot: running" boot "$name" "$ns" || bail_out "the machine does not boot"
diag "boot: $(secs) s"
check "$((SECONDS - t0)) -le 60" "booted within 60 s"
is "$("$machine" status "$name" 2>&1)" running "machine status says running"
is "$(in_m systemctl is-system-running)" running "systemd inside says running"
is "$(in_m systemctl list-units --failed --plain --no-legend)" "" "no failed unit"
is "$(in_m hostname)" "$name" "its hostname is its name"
has "$(in_m ip -4 -br addr show dev eth0)" "$addr/24" "eth0 inside has the namespace's address"
in_m sh -c 'exit 3' >/dev/null; is "$?" 3 "machine exec passes the exit status through"
is "$(in_m python3 -c 'print("py", 6 * 7)')" "py 42" "python3 runs inside"
ok "sshd answers the lab key from the peer namespace" ssh_peer true
is "$(ssh_peer hostname 2>&1)" "$name" "...and that is the machine"
is "$(in_m sshd -T | grep -E '^(passwordauthentication|kbdinteractiveauthentication|permitrootlogin) ' | sort | paste -sd,)" \
	"kbdinteractiveauthentication no,passwordauthentication no,permitrootlogin without-password" "sshd: root by key only"
like "$(in_m passwd -S root)" "root L *" "root's password is locked"
is "$(in_m sh -c 'systemctl is-enabled apt-daily.timer apt-daily-upgrade.timer' | sort -u)" masked \
	"apt's timers are masked"

boot1=$(in_m cat /proc/sys/kernel/random/boot_id)
read -r sup1 nsp1 lead1 <<<"$(pids)"
m_ok "machine reboot: running again" reboot "$name"
diag "reboot: $(secs) s"
boot2=$(in_m cat /proc/sys/kernel/random/boot_id)
check "-n '$boot2' -a '$boot1' != '$boot2'" "a new boot id"
read -r sup2 nsp2 lead2 <<<"$(pids)"
is "$sup2" "$sup1" "the same supervisor runs nspawn again"
check "'$nsp2' != '$nsp1' -a '$lead2' != '$lead1'" "a new systemd-nspawn and PID 1"
is "$(in_m systemctl is-system-running)" running "running after the reboot"

m_ok "machine poweroff" poweroff "$name"
ok "the supervisor, nspawn and the machine are gone" none_alive "$sup2" "$nsp2" "$lead2"
is "$("$machine" status "$name" 2>&1)" stopped "machine status says stopped"
is "$(grep 'systemd-nspawn exited' "$sdir/console.log" | tail -n 1 | sed 's/.*status //')" 0 \
	"nspawn ended cleanly (status 0)"
is "$(mounts)" "" "no mount left while stopped"
is "$(cgroup_dirs)" "" "no cgroup left while stopped"

m_ok "machine boot again" boot "$name"
has "$(ssh_peer cat /etc/hostname 2>&1)" "$name" "and it answers SSH again"
read -r sup3 nsp3 lead3 <<<"$(pids)"
m_ok "machine destroy" destroy "$name"
ok "no process left" none_alive "$sup3" "$nsp3" "$lead3"
is "$(mounts)" "" "no mount left"
is "$(cgroup_dirs)" "" "no cgroup left"
ok "no state left" test ! -e "$sdir"
ok "nor nspawn's directory for it" test ! -e "/run/systemd/nspawn/propagate/$name"
is "$("$machine" status "$name" 2>&1)" "machine: no machine $name (machine create first)" "the machine is no more"

ip netns delete "$ns" && ip netns delete "$peer"
is "$(ip netns list | grep -E "^($ns|$peer)( |\$)")" "" "the test's namespaces are gone"
tap_done
