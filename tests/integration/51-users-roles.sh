#!/bin/bash
# 51-users-roles.sh - the playbook's users and fail2ban roles on a Debian 12
# machine that boots systemd (provisioning/machine), over SSH as on real
# hosts. One machine, "front" (in fail2ban_servers, with the image's nginx),
# on a network of the test's own with the controller (ctl, where
# ansible-playbook runs) and a client namespace with three addresses. The
# image is the machine's usual one plus sudo, fail2ban and python3-systemd
# (built once, then cached), so site.yml runs with apt_update_cache false.
# Its sshd is first made a stock one (root and passwords welcome). Then:
# with no operators the playbook changes nothing of sshd; a first run as
# root makes the operators alice (admin) and bob, who log in with their
# keys only, alice sudoes and bob does not, passwords are refused, and
# root keeps its key login, which the run says; a run as alice turns
# root's login off and drops a key added by hand; a third changes nothing.
# fail2ban: its filters against sample lines (fail2ban-regex), the jail as
# a lab renders it (newsd's lines in a file) checked by fail2ban, failed and
# refused logins (newsd.service's lines in the journal) and 404s from nginx
# ban one client address in nftables while the others still get through,
# until the ban time is over. Last, bob taken off the list is removed, and
# bad lists (a broken key, no admin with a key, the playbook's own login
# no longer an admin) are refused with a message that names the fault,
# changing nothing.
# "machine create" takes the image made or asked for last: the test checks
# that its machine got this image (another test may be asking for another).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/machines.sh"   # machines_need, machines_image, m_ok
default_suite_only "boots machines"
top=$(cd "$here/../.." && pwd)
machine=$top/provisioning/machine
tag=$(printf '%s' "${TEST_NS_TAG:-}" | tr -cd 'a-z0-9')
name=m51${tag}-front
ns_front=i51${tag}-front ctl=i51${tag}-ctl cli=i51${tag}-cli
net=10.85.$(($(printf '%s' "$tag" | cksum | cut -d' ' -f1) % 100 + 100))
front_addr=$net.21 ctl_addr=$net.1
bad=$net.50 good=$net.51 scanner=$net.52       # the client's addresses
EXTRA_PACKAGES="sudo fail2ban python3-systemd"
REDIS_PW=users-test-redis-0123456789
ROOT_PW=users-test-root-0123456789
BANTIME=20   # seconds; fail2ban_findtime 60, maxretry 3 logins, 5 scans
export LAB_STATE MACHINE_BOOT_TIMEOUT=${MACHINE_BOOT_TIMEOUT:-120}
work=$(mktemp -d /tmp/users-roles-i51.XXXXXX)
LAB_STATE=$work/state
out=$work/out

cleanup() {
	local s n
	# ansible's SSH masters (ControlPersist) of this test only.
	for s in "$work"/cp/*; do
		[ -S "$s" ] && ssh -o ControlPath="$s" -O exit i51 >/dev/null 2>&1
	done
	[ -d "$LAB_STATE/machines/$name" ] && "$machine" destroy "$name" >/dev/null 2>&1
	for n in "$ns_front" "$ctl" "$cli"; do ip netns delete "$n" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT

machines_need systemd-nspawn mmdebstrap ansible-playbook ssh ssh-keygen curl
machines_image "sudo and fail2ban" "$EXTRA_PACKAGES"
img=$(sed -n 's/^machine: image [^ ]*: \(.*\) (built in .*/\1/p' "$out")
key=$("$machine" key)

# The network: a bridge in the controller's namespace, a veth to the
# machine's and one to the client's.
net_up() {
	local n a v
	ip netns add "$ctl" && ip -n "$ctl" link set lo up &&
		ip -n "$ctl" link add br0 type bridge && ip -n "$ctl" addr add "$ctl_addr/24" dev br0 &&
		ip -n "$ctl" link set br0 up || return 1
	for n in "$ns_front:$front_addr:vfront" "$cli:$bad:vcli"; do
		IFS=: read -r n a v <<<"$n"
		ip netns add "$n" && ip link add eth0 netns "$n" type veth peer name "$v" netns "$ctl" &&
			ip -n "$n" addr add "$a/24" dev eth0 && ip -n "$n" link set lo up && ip -n "$n" link set eth0 up &&
			ip -n "$ctl" link set "$v" master br0 && ip -n "$ctl" link set "$v" up || return 1
	done
	ip -n "$cli" addr add "$good/24" dev eth0 && ip -n "$cli" addr add "$scanner/24" dev eth0
}
for n in "$ns_front" "$ctl" "$cli"; do
	! ip netns list | grep -q "^$n\( \|$\)" || bail_out "namespace $n exists already (another run of this test?)"
done
net_up || bail_out "the test's namespaces and bridge"

# poll SECONDS CMD...: CMD once a second until it succeeds.
poll() {
	local end=$((SECONDS + $1)); shift
	until "$@" >/dev/null 2>&1; do [ $SECONDS -lt $end ] || return 1; sleep 1; done
}
in_m() { "$machine" exec "$name" "$@" 2>&1; }
outside() { ip netns exec "$ctl" "$@"; }

# The machine, on this image: another test may have asked for another
# between "machine image" and "machine create" (the cache's current one).
made=
for _ in 1 2 3; do
	"$machine" create "$name" "$ns_front" >"$out" 2>&1 || break
	[ "$(cat "$LAB_STATE/machines/$name/image" 2>/dev/null)" = "$img" ] && { made=1; break; }
	"$machine" destroy "$name" >/dev/null 2>&1
	machine_image_build || break
done
[ -n "$made" ] || { diag "$(tail -n 5 "$out")"; bail_out "machine create $name on $(basename "$img")"; }
tap_ok "machine create $name (image $(basename "$img"))"
# Debian's fail2ban, as the image has it, starts at boot with the
# package's sshd jail, which reads /var/log/auth.log: no rsyslog here, no
# such file, and the machine would boot degraded (as a real host has a
# failed fail2ban from its installation until the role's first run). At
# boot it waits for the role's jail file; the role starts it.
mkdir -p "$LAB_STATE/machines/$name/upper/etc/systemd/system/fail2ban.service.d"
printf '[Unit]\nConditionPathExists=/etc/fail2ban/jail.d/newsd.local\n' \
	>"$LAB_STATE/machines/$name/upper/etc/systemd/system/fail2ban.service.d/test-51.conf"
t0=$SECONDS
"$machine" boot "$name" >"$out" 2>&1
is "$("$machine" status "$name" 2>&1)" running "$name boots to running" || diag "$(tail -n 5 "$out")"
diag "boot: $((SECONDS - t0)) s"
sshd_up() { outside timeout 5 bash -c "exec 3<>/dev/tcp/$front_addr/22" 2>/dev/null; }
poll 30 sshd_up || bail_out "sshd on $front_addr does not answer"

# A stock sshd to start from: root and passwords welcome (the image's own
# drop-in says prohibit-password and no passwords; the users role's must
# win over whatever the host has).
in_m sh -c "printf 'PermitRootLogin yes\nPasswordAuthentication yes\nKbdInteractiveAuthentication yes\nUseDNS no\n' \
	>/etc/ssh/sshd_config.d/lab.conf && echo 'root:$ROOT_PW' | chpasswd && systemctl reload ssh" >/dev/null ||
	bail_out "a stock sshd on $name"

# ---- the controller's side ----------------------------------------------------------
mkdir -p "$work/cp" "$work/keys"
for k in alice bob stray; do
	ssh-keygen -q -t ed25519 -N '' -C "$k@ctl" -f "$work/keys/$k" </dev/null || bail_out "ssh-keygen $k"
done
printf '#!/bin/sh\necho %s\n' "$ROOT_PW" >"$work/askpass"
chmod 700 "$work/askpass"
ssh_opts=(-o StrictHostKeyChecking=no -o UserKnownHostsFile="$work/known_hosts" -o ConnectTimeout=10 -o LogLevel=ERROR)
# key_ssh USER KEY CMD...: CMD on the machine, logged in as USER with KEY only.
key_ssh() {
	local u=$1 k=$2; shift 2
	outside ssh "${ssh_opts[@]}" -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none -i "$k" \
		"$u@$front_addr" "$@" 2>&1 </dev/null
}
# pw_ssh USER: a login with root's password, no key; "logged in" when it works.
pw_ssh() {
	outside env SSH_ASKPASS="$work/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
		ssh "${ssh_opts[@]}" -o PreferredAuthentications=password,keyboard-interactive \
		-o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1 "$1@$front_addr" echo logged in 2>&1 </dev/null
}
sshd_says() { in_m sshd -T | awk -v k="$1" '$1 == k {print $2}'; }

is "$(pw_ssh root)" "logged in" "before the playbook, root logs in with a password (a stock sshd)"
is "$(key_ssh root "$key" id -un)" root "...and with the lab's key"

# inventory USER KEY [GROUP]: the playbook logs in as USER with KEY; the
# machine is in GROUP (default fail2ban_servers; "none": in no group).
inventory() {
	cat >"$work/inventory.yml" <<-EOF
	all:
	  vars:
	    ansible_user: $1
	    ansible_ssh_private_key_file: $2
	    ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=$work/known_hosts -o ConnectTimeout=10 -o IdentitiesOnly=yes
	    ansible_python_interpreter: /usr/bin/python3
	  hosts:
	    $name: {ansible_host: $front_addr}
	  children:
	    ${3:-fail2ban_servers}:
	      hosts:
	        $name: {}
	EOF
}
# vars OPERATORS: the extra variables, the operators' list given in YAML.
vars() {
	cat >"$work/vars.yml" <<-EOF
	apt_update_cache: false
	net: "$net"
	fail2ban_maxretry: 3
	fail2ban_scan_maxretry: 5
	fail2ban_findtime: 60
	fail2ban_bantime: $BANTIME
	fail2ban_ignoreip: [127.0.0.1/8, "::1", $ctl_addr]
	operators: $1
	EOF
}
alice="{name: alice, admin: true, ssh_keys: [\"$(cat "$work/keys/alice.pub")\"]}"
bob="{name: bob, comment: Bob, ssh_keys: [\"$(cat "$work/keys/bob.pub")\"]}"
playbook() { # [ARGS...]: site.yml against the machine, from the controller's namespace
	(cd "$top/provisioning/ansible" && outside env LAB_REDIS_PASSWORD=$REDIS_PW \
		ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_SSH_CONTROL_PATH_DIR="$work/cp" \
		ansible-playbook -i "$work/inventory.yml" -e "@$work/vars.yml" site.yml "$@") 2>&1
}
recap() { # PLAYBOOK-OUTPUT: "changed=N" of the machine
	sed -n '/^PLAY RECAP/,$p' <<<"$1" | awk '/changed=/ { for (i = 1; i <= NF; i++) if ($i ~ /^changed=/) print $i }'
}
failed_tasks() { grep -E '^(fatal|failed|ERROR)|FAILED' -A3 <<<"$1" | head -n 30; }

# ---- no operators: nothing changes ----------------------------------------------------
inventory root "$key" none
vars "[]"
t0=$SECONDS
pb=$(playbook); rc=$?
is "$rc $(recap "$pb")" "0 changed=0" "with no operators (and no fail2ban host), site.yml changes nothing" ||
	diag "$(failed_tasks "$pb")" "$(grep -E '^changed' <<<"$pb")"
diag "a run with no operators: $((SECONDS - t0)) s"
pb=$(playbook --check); rc=$?
is "$rc $(recap "$pb")" "0 changed=0" "...nor does --check" || diag "$(failed_tasks "$pb")"
is "$(sshd_says permitrootlogin) $(sshd_says passwordauthentication)" "yes yes" "...sshd still lets root and passwords in"
is "$(in_m sh -c 'ls /etc/ssh/sshd_config.d/10-operators.conf /etc/sudoers.d/operators 2>/dev/null; getent group operators')" "" \
	"...no drop-in for sshd or sudo, no group operators"

# ---- the first run, as root ---------------------------------------------------------------
inventory root "$key"
vars "[$alice, $bob]"
t0=$SECONDS
pb=$(playbook); rc=$?
is "$rc" 0 "site.yml as root makes the operators and sets fail2ban up" || diag "$(failed_tasks "$pb")"
diag "first run: $((SECONDS - t0)) s" "$(sed -n '/^PLAY RECAP/,$p' <<<"$pb" | grep -v '^$')"
has "$pb" "root may still log in over SSH with a key: this run logs in as root" "...and says that root keeps its key login"

is "$(in_m getent passwd alice bob | cut -d: -f1,5,7 | paste -sd' ')" "alice::/bin/bash bob:Bob:/bin/bash" \
	"alice and bob have accounts"
is "$(in_m id -nG alice | tr ' ' '\n' | sort | paste -sd' ')" "alice operators operators-admin" "...alice in operators and operators-admin"
is "$(in_m id -nG bob | tr ' ' '\n' | sort | paste -sd' ')" "bob operators" "...bob in operators only"
is "$(in_m stat -c '%U %a' /home/alice/.ssh /home/alice/.ssh/authorized_keys | paste -sd,)" "alice 700,alice 600" \
	"...alice's .ssh (0700) and authorized_keys (0600) are hers"
is "$(key_ssh alice "$work/keys/alice" id -un)" alice "alice logs in with her key"
is "$(key_ssh alice "$work/keys/alice" sudo -n id -u)" 0 "...and becomes root with sudo, no password"
is "$(key_ssh bob "$work/keys/bob" id -un)" bob "bob logs in with his key"
like "$(key_ssh bob "$work/keys/bob" sudo -n id -u)" "*password is required*" "...but cannot sudo (no admin)"
like "$(key_ssh alice "$work/keys/bob" id -un)" "*Permission denied (publickey)*" "alice's account does not take bob's key"
is "$(in_m stat -c '%U:%G %a' /etc/sudoers.d/operators)" "root:root 440" "the sudoers drop-in is root's, 0440"
like "$(in_m visudo -c)" "*/etc/sudoers.d/operators: parsed OK*" "...and visudo reads it"
like "$(pw_ssh root)" "*Permission denied (publickey)*" "root's password is refused now: sshd offers keys only"
is "$(sshd_says passwordauthentication) $(sshd_says kbdinteractiveauthentication)" "no no" \
	"...sshd -T: no password, no keyboard-interactive"
is "$(sshd_says permitrootlogin)" without-password "...root by key only (prohibit-password) after a run as root"
is "$(key_ssh root "$key" id -un)" root "...and root still logs in with the lab's key"

# A key added by hand, which the next run removes.
in_m sh -c "cat >>/home/bob/.ssh/authorized_keys" <"$work/keys/stray.pub"
is "$(key_ssh bob "$work/keys/stray" id -un)" bob "a key added by hand to bob's authorized_keys lets one in"

# ---- fail2ban, set up by that run -------------------------------------------------------------
is "$(in_m systemctl is-active fail2ban)" active "fail2ban is active"
is "$(in_m systemctl is-system-running)" running "$name: running, no failed unit" ||
	diag "$(in_m systemctl list-units --failed --plain --no-legend)"
like "$(in_m fail2ban-client status)" "*Jail list:*newsd-login, newsd-scan, sshd*" \
	"...with the jails newsd-login, newsd-scan and sshd"

# regex FILTER LINES...: the addresses fail2ban-regex finds in LINES with
# the filter the role wrote (no time in these lines: now).
regex() {
	local f=$1; shift
	printf '%s\n' "$@" | in_m sh -c "cat >/tmp/regex.log && fail2ban-regex -o ip --datepattern '{NONE}' /tmp/regex.log /etc/fail2ban/filter.d/$f.conf" |
		paste -sd' '
}
is "$(regex newsd-login \
	"front01 newsd[412]: newsd: login failed for user \"alice\" from 10.1.1.1" \
	"front01 newsd[412]: newsd: login refused (too many failures) for user \"alice\" from 10.1.1.2" \
	"newsd: login failed for user \"bob\" from 2001:db8::7" \
	"login failed for user \"carol\" from 10.1.1.3" \
	"newsd: login failed for user \"x\\\" from 10.9.9.9\" from 10.1.1.4" \
	"front01 newsd[412]: newsd: logged in user \"alice\" from 10.1.1.5" \
	"front01 newsd[412]: newsd: login failed for user \"alice\" from 10.1.1.6 and more" \
	"front01 sshd[9]: login failed for user \"alice\" from 10.1.1.7")" \
	"10.1.1.1 10.1.1.2 2001:db8::7 10.1.1.3 10.1.1.4" \
	"fail2ban-regex: newsd-login finds failed and refused logins (journal, file, IPv6), the last address only"
is "$(regex newsd-scan \
	'10.2.2.1 - - [08/Dec/2025:01:02:03 +0000] "GET /wp-login.php HTTP/1.1" 404 153 "-" "curl/7.88.1"' \
	'10.2.2.2 [08/Dec/2025:01:02:04 +0000] "GET /.env HTTP/1.1" 404 0 0.000 "scanner"' \
	'2001:db8::5 - - [08/Dec/2025:01:02:05 +0000] "HEAD /admin HTTP/1.1" 404 0 "-" "x"' \
	'10.2.2.3 - - [08/Dec/2025:01:02:06 +0000] "GET /404 HTTP/1.1" 200 612 "-" "curl"' \
	'10.2.2.4 - - [08/Dec/2025:01:02:07 +0000] "GET / HTTP/1.1" 200 612 "http://x/ 404 " "curl"' \
	'10.2.2.5 - - [08/Dec/2025:01:02:08 +0000] "GET /x\x22 404 HTTP/1.1" 301 0 "-" "curl"' \
	'10.2.2.6 - - [08/Dec/2025:01:02:09 +0000] "GET /news/1 HTTP/1.1" 4040 0 "-" "curl"' \
	'10.2.2.7 [08/Dec/2025:01:02:10 +0000] "GET /apple-touch-icon.png HTTP/1.1" 404 0 0.000 "Safari"' \
	'10.2.2.8 - - [08/Dec/2025:01:02:11 +0000] "GET /nope HTTP/1.1" 404 0 "-" "curl/7.88.1" 0.001 404' \
	'10.2.2.9 - - [08/Dec/2025:01:02:12 +0000] "GET /news/7 HTTP/1.1" 200 512 "http://news.lab/" "curl" 0.003 404' \
	'10.2.2.10 - - [08/Dec/2025:01:02:13 +0000] "POST /api/login HTTP/1.1" 429 0 "-" "curl" 0.000 -')" \
	"10.2.2.1 10.2.2.2 2001:db8::5 10.2.2.8" \
	"fail2ban-regex: newsd-scan finds 404s (combined, the lab's and the site's formats, IPv6), nothing else"

# The jail as a lab would render it (provisioning/render, plain Jinja2):
# newsd's lines in a file, nginx's log a file; fail2ban takes it.
lab_vars='{"host": "front01", "fail2ban_ignoreip": ["127.0.0.1/8"], "fail2ban_findtime": 60,
	"fail2ban_bantime": 20, "fail2ban_maxretry": 3, "fail2ban_scan_maxretry": 5, "fail2ban_ports": "80",
	"fail2ban_newsd_log": "/tmp/lab/newsd.log", "fail2ban_nginx_log": "/tmp/lab/nginx-access.log",
	"fail2ban_sshd": false}'
"$top/provisioning/render" "$top/provisioning/templates/fail2ban-jail.local.j2" <<<"$lab_vars" >"$work/lab-jail" 2>"$out"
rc=$?
if grep -q 'python3-jinja2 is not installed' "$out"; then
	skip "the jail rendered for files" "provisioning/render needs python3-jinja2"
elif ! is "$rc" 0 "provisioning/render renders the jail for files (a lab's)"; then
	diag "$(cat "$out")"
else
	in_m sh -c 'rm -rf /tmp/lab && mkdir /tmp/lab && cp -a /etc/fail2ban /tmp/lab/conf &&
		touch /tmp/lab/newsd.log /tmp/lab/nginx-access.log && cat >/tmp/lab/conf/jail.d/newsd.local' <"$work/lab-jail"
	like "$(in_m fail2ban-client -c /tmp/lab/conf --test)" "*OK: configuration test is successful*" \
		"...a valid configuration for fail2ban"
	lab_conf=$(in_m fail2ban-client -c /tmp/lab/conf -d)
	has "$lab_conf" "['set', 'newsd-login', 'addlogpath', '/tmp/lab/newsd.log', 'tail']" \
		"...newsd-login reads newsd's file from its end"
	has "$lab_conf" "['set', 'newsd-login', 'datepattern', '{NONE}']" "...its lines' time is when they are read"
	has "$lab_conf" "['set', 'newsd-scan', 'addlogpath', '/tmp/lab/nginx-access.log', 'head']" "...newsd-scan reads the lab's nginx log"
	in_m rm -rf /tmp/lab
fi

# newsd_says LINE...: LINEs on newsd.service's standard error, as newsd
# writes them (the journal's identifier newsd, "newsd: " before each).
newsd_says() {
	in_m systemd-run --quiet --unit=newsd --collect --wait -p SyslogIdentifier=newsd \
		sh -c 'for l; do echo "newsd: $l" >&2; done' sh "$@" >/dev/null
}
banned() { in_m fail2ban-client status "$1" | sed -n 's/.*Banned IP list:[[:space:]]*//p'; }
is_banned() { [[ " $(banned "$1") " == *" $2 "* ]]; }
code() { # FROM: the status of GET / from the client address FROM (000: no connection)
	ip netns exec "$cli" curl -s -o /dev/null -w '%{http_code}' --max-time 5 --interface "$1" "http://$front_addr/$2"
}
is "$(code "$bad") $(code "$good") $(code "$scanner")" "200 200 200" "every client address gets nginx's page"

newsd_says "login failed for user \"alice\" from $bad" "login failed for user \"alice\" from $good" \
	"login failed for user \"bob\" from $bad" "login failed for user \"bob\" from $good"
sleep 2
is "$(banned newsd-login)" "" "two failed logins from each of two addresses: no ban (maxretry 3)"
newsd_says "login refused (too many failures) for user \"alice\" from $bad"
ok "a third, refused, from $bad: banned" poll 15 is_banned newsd-login "$bad" ||
	diag "$(in_m fail2ban-client status newsd-login)" "$(in_m journalctl -u newsd.service -n 5 --no-pager)"
banned_at=$SECONDS
has "$(in_m nft list set inet f2b-table addr-set-newsd-login)" "$bad" "...in fail2ban's nftables set"
is "$(code "$bad")" 000 "...and $bad gets no connection"
is "$(code "$good")" 200 "...while $good still gets the page"

for i in 1 2 3 4; do code "$scanner" "scan-$i.php" >/dev/null; done
code "$good" missing.html >/dev/null
code "$scanner" >/dev/null                       # a 200 does not count
for i in 1 2 3 4 5 6; do outside curl -s -o /dev/null "http://$front_addr/ctl-$i"; done   # ignoreip
sleep 3
is "$(banned newsd-scan)" "" "four 404s from $scanner, one from $good, six from the controller (ignoreip): no ban"
code "$scanner" "scan-5.php" >/dev/null
ok "a fifth 404 from $scanner: banned" poll 15 is_banned newsd-scan "$scanner" ||
	diag "$(in_m fail2ban-client status newsd-scan)" "$(in_m tail -n 5 /var/log/nginx/access.log)"
is "$(code "$scanner")" 000 "...and $scanner gets no connection"
is "$(code "$good") $(outside curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://$front_addr/")" "200 200" \
	"...while $good and the controller still get the page"

ok "after the ban time ($BANTIME s), $bad is let in again" \
	poll $((BANTIME + 20)) eval '! is_banned newsd-login "$bad"'
diag "banned for $((SECONDS - banned_at)) s"
is "$(code "$bad")" 200 "...and gets the page"
ok "...and so is $scanner" poll $((BANTIME + 20)) eval '! is_banned newsd-scan "$scanner"'
is "$(code "$scanner")" 200 "...which gets the page"

# ---- the second run, as alice ---------------------------------------------------------------------
inventory alice "$work/keys/alice"
t0=$SECONDS
pb=$(playbook); rc=$?
is "$rc" 0 "site.yml as alice (sudo)" || diag "$(failed_tasks "$pb")"
diag "second run: $((SECONDS - t0)) s" "$(grep -E '^changed' <<<"$pb")"
hasnt "$pb" "root may still log in over SSH" "...says nothing of root's login"
is "$(sshd_says permitrootlogin)" no "sshd -T: no root login at all"
like "$(key_ssh root "$key" id -un)" "*Permission denied (publickey)*" "...root's key is refused"
like "$(key_ssh bob "$work/keys/stray" id -un)" "*Permission denied (publickey)*" "the key added by hand is gone"
is "$(in_m cat /home/bob/.ssh/authorized_keys)" "$(cat "$work/keys/bob.pub")" "...bob's authorized_keys is his key of the list"
is "$(key_ssh bob "$work/keys/bob" id -un)" bob "...which still lets him in"

t0=$SECONDS
pb=$(playbook); rc=$?
is "$rc $(recap "$pb")" "0 changed=0" "a third run changes nothing" || diag "$(grep -E '^(changed|fatal)' <<<"$pb")"
diag "third run: $((SECONDS - t0)) s"
pb=$(playbook --check); rc=$?
is "$rc $(recap "$pb")" "0 changed=0" "...and --check after it reports no change" ||
	diag "$(failed_tasks "$pb")" "$(grep -E '^changed' <<<"$pb")"

# ---- bob off the list -------------------------------------------------------------------------------
vars "[$alice]"
pb=$(playbook); rc=$?
is "$rc" 0 "site.yml without bob" || diag "$(failed_tasks "$pb")"
is "$(in_m sh -c 'getent passwd bob; ls -d /home/bob 2>/dev/null')" "" "bob's account and home are gone"
is "$(in_m getent group operators | cut -d: -f4)" alice "...the group operators has alice only"
is "$(key_ssh alice "$work/keys/alice" sudo -n id -un)" root "...alice still logs in and sudoes"

# ---- bad lists -------------------------------------------------------------------------------------------
vars "[$alice, {name: carol, ssh_keys: [\"not a key\"]}]"
pb=$(playbook); rc=$?
check "$rc -ne 0" "an operator with a broken key fails the run"
has "$pb" "operators[1] (carol): needs a name" "...naming the entry"
is "$(in_m getent passwd carol)" "" "...and makes no account"
vars "[{name: alice, ssh_keys: [\"$(cat "$work/keys/alice.pub")\"]}, {name: dave, admin: true}]"
pb=$(playbook); rc=$?
check "$rc -ne 0" "no admin with a key: the run fails"
has "$pb" "no admin (admin: true) with an SSH key: nobody could log in and become root" "...saying why"
vars "[{name: alice, ssh_keys: [\"$(cat "$work/keys/alice.pub")\"]}, {name: dave, admin: true, ssh_keys: [\"$(cat "$work/keys/bob.pub")\"]}]"
pb=$(playbook); rc=$?
check "$rc -ne 0" "alice no longer an admin while the playbook logs in as her: the run fails"
has "$pb" "the playbook logs in as alice, an operator account, which must stay an admin" "...saying why"
is "$(in_m id -nG alice | tr ' ' '\n' | sort | paste -sd' '); $(in_m getent passwd dave)" \
	"alice operators operators-admin; " "...and changes nothing (alice is an admin, no dave)"

tap_done
