#!/bin/bash
# 50-monitor-roles.sh - the playbook's monitor, node-exporter and logs roles
# on Debian 12 machines that boot systemd (provisioning/machine), over SSH
# as on real hosts. Two machines on a network of the test's own: "monitor"
# (monitor_servers, logs_servers and probe_servers: Prometheus,
# Alertmanager, the redis and blackbox exporters, the central logs) and
# "front" (in no group: it forwards its logs and runs a node exporter).
# The image is the machine's usual one plus Debian's monitoring and
# logging packages (built once, then cached), so site.yml runs with
# apt_update_cache false and downloads nothing. Then, on the machines:
# every unit active and nothing failed; Prometheus ready (reached from
# outside, through the logs host's firewall), every rule of
# provisioning/monitor loaded and evaluating without error, the dashboard
# served, both node exporters scraped, Alertmanager ready with the on-call
# receiver and getting Prometheus's alerts, no HostDown for the target of
# the package's own prometheus.yml; the blackbox exporter probing; the
# redis exporter on the loopback reading a redis as the monitor user;
# RELP listening, and a logger line from each machine in
# /var/log/central; a second run changes nothing; after a reboot of the
# monitor machine the firewall, the services and the logs come back.
# The image is named by the hash of its package list in MACHINE_CACHE, as
# every machine image is; "machine create" takes the image made or asked
# for last, so this test is not run beside another user of that cache
# (tests/run runs the default suite's scripts one after another).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/machines.sh"   # machines_need, machines_image, m_ok
default_suite_only "boots machines"
top=$(cd "$here/../.." && pwd)
machine=$top/provisioning/machine
tag=$(printf '%s' "${TEST_NS_TAG:-}" | tr -cd 'a-z0-9')
mon=m50${tag}-monitor front=m50${tag}-front
ns_mon=i50${tag}-monitor ns_front=i50${tag}-front ctl=i50${tag}-ctl
net=10.92.$(($(printf '%s' "$tag" | cksum | cut -d' ' -f1) % 100 + 100))
mon_addr=$net.8 front_addr=$net.21 ctl_addr=$net.1
# Debian's packages the three roles install, beside the machine's usual ones.
EXTRA_PACKAGES="prometheus prometheus-alertmanager prometheus-redis-exporter prometheus-node-exporter
	prometheus-blackbox-exporter rsyslog rsyslog-relp"
REDIS_PW=roles-test-redis-0123456789
MONITOR_PW=roles-test-monitor-0123456789
export LAB_STATE MACHINE_BOOT_TIMEOUT=${MACHINE_BOOT_TIMEOUT:-120}
work=$(mktemp -d /tmp/monitor-roles-i50.XXXXXX)
LAB_STATE=$work/state
out=$work/out

cleanup() {
	local m s
	# ansible's SSH masters (ControlPersist) of this test only.
	for s in "$work"/cp/*; do
		[ -S "$s" ] && ssh -o ControlPath="$s" -O exit i50 >/dev/null 2>&1
	done
	for m in "$mon" "$front"; do
		[ -d "$LAB_STATE/machines/$m" ] && "$machine" destroy "$m" >/dev/null 2>&1
	done
	for m in "$ns_mon" "$ns_front" "$ctl"; do ip netns delete "$m" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT

machines_need systemd-nspawn mmdebstrap ansible-playbook ssh curl jq
machines_image "the monitoring and logging packages" "$EXTRA_PACKAGES"
key=$("$machine" key)

# The network: a bridge in the controller's namespace (ctl, where
# ansible-playbook and the outside checks run), a veth to each machine's.
net_up() {
	local n a
	ip netns add "$ctl" && ip -n "$ctl" link set lo up &&
		ip -n "$ctl" link add br0 type bridge && ip -n "$ctl" addr add "$ctl_addr/24" dev br0 &&
		ip -n "$ctl" link set br0 up || return 1
	for n in "$ns_mon:$mon_addr:vmon" "$ns_front:$front_addr:vfront"; do
		IFS=: read -r n a v <<<"$n"
		ip netns add "$n" && ip link add eth0 netns "$n" type veth peer name "$v" netns "$ctl" &&
			ip -n "$n" addr add "$a/24" dev eth0 && ip -n "$n" link set lo up && ip -n "$n" link set eth0 up &&
			ip -n "$ctl" link set "$v" master br0 && ip -n "$ctl" link set "$v" up || return 1
	done
}
for n in "$ns_mon" "$ns_front" "$ctl"; do
	! ip netns list | grep -q "^$n\( \|$\)" || bail_out "namespace $n exists already (another run of this test?)"
done
net_up || bail_out "the test's namespaces and bridge"

# poll SECONDS CMD...: CMD once a second until it succeeds.
poll() {
	local end=$((SECONDS + $1)); shift
	until "$@" >/dev/null 2>&1; do [ $SECONDS -lt $end ] || return 1; sleep 1; done
}
in_m() { local m=$1; shift; "$machine" exec "$m" "$@" 2>&1; }
outside() { ip netns exec "$ctl" "$@"; }
get() { outside curl -sS --max-time 5 "$@" 2>&1; }      # from the controller
mget() { in_m "$mon" curl -sS --max-time 5 "$@"; }     # on the monitor machine
prom() { mget "http://$mon_addr:9090$1"; }           # the API, on the monitor machine

m_ok "machine create $mon" create "$mon" "$ns_mon" || bail_out "no monitor machine"
m_ok "machine create $front" create "$front" "$ns_front" || bail_out "no front machine"
t0=$SECONDS
for m in "$mon" "$front"; do "$machine" boot "$m" >"$work/boot-$m" 2>&1 & done
booted=0
for m in "$mon" "$front"; do
	wait -n && booted=$((booted + 1))
done
for m in "$mon" "$front"; do
	is "$("$machine" status "$m" 2>&1)" running "$m boots to running" ||
		diag "$(tail -n 5 "$work/boot-$m")"
done
[ "$booted" = 2 ] || bail_out "the machines do not boot"
diag "boot: $((SECONDS - t0)) s"
sshd_up() { outside timeout 5 bash -c "exec 3<>/dev/tcp/$1/22" 2>/dev/null; }
for a in "$mon_addr" "$front_addr"; do
	poll 30 sshd_up "$a" || bail_out "sshd on $a does not answer"
done

mkdir -p "$work/cp"
cat >"$work/inventory.yml" <<EOF
# The test's two machines: the monitor host keeps the logs and probes too;
# the other host is in no group (it forwards its logs, runs a node exporter).
all:
  vars:
    ansible_user: root
    ansible_ssh_private_key_file: $key
    ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=$work/known_hosts -o ConnectTimeout=10
    ansible_python_interpreter: /usr/bin/python3
  hosts:
    $front: {ansible_host: $front_addr}
  children:
    monitor_servers:
      hosts:
        $mon: {ansible_host: $mon_addr}
    logs_servers:
      hosts:
        $mon: {}
    probe_servers:
      hosts:
        $mon: {}
EOF
# Extra variables: the packages are in the image; the hosts' network.
printf 'apt_update_cache: false\nnet: "%s"\n' "$net" >"$work/vars.yml"

playbook() { # site.yml against the machines, from the controller's namespace
	(cd "$top/provisioning/ansible" && outside env LAB_REDIS_PASSWORD=$REDIS_PW LAB_MONITOR_PASSWORD=$MONITOR_PW \
		ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_SSH_CONTROL_PATH_DIR="$work/cp" \
		ansible-playbook -i "$work/inventory.yml" -e "@$work/vars.yml" site.yml) 2>&1
}
recap() { # PLAYBOOK-OUTPUT: "HOST changed=N" per host
	sed -n '/^PLAY RECAP/,$p' <<<"$1" | awk '/changed=/ { for (i = 1; i <= NF; i++) if ($i ~ /^changed=/) print $1, $i }' | sort
}

# Debian's prometheus.yml, which the package's Prometheus runs until the
# monitor role replaces it, scrapes a node exporter on localhost:9100: on a
# first deployment that target is down by then (the node-exporter role has
# moved the exporter to the host's address). Made certain here: the
# exporter stays stopped until that Prometheus has seen it down.
pkg_node() { # the package's node target's last "up", from its own Prometheus
	in_m "$mon" curl -sS --max-time 5 -G --data-urlencode 'query=up{instance="localhost:9100"}' \
		"http://${1:-127.0.0.1}:9090/api/v1/query" | jq -r '.data.result[0].value[1] // "absent"' 2>&1
}
in_m "$mon" systemctl stop prometheus-node-exporter
ok "before the playbook, the package's Prometheus finds its node target (localhost:9100) down" \
	poll 40 eval '[ "$(pkg_node)" = 0 ]'

t0=$SECONDS
pb=$(playbook); rc=$?
is "$rc" 0 "ansible-playbook site.yml sets both machines up" ||
	diag "$(grep -E '^(fatal|failed|ERROR)|FAILED' -A3 <<<"$pb" | head -n 30)"
diag "first run: $((SECONDS - t0)) s" "$(sed -n '/^PLAY RECAP/,$p' <<<"$pb" | grep -v '^$')"
pb_done=$SECONDS

# ---- the units -------------------------------------------------------------
for u in prometheus prometheus-alertmanager prometheus-redis-exporter prometheus-blackbox-exporter \
	prometheus-node-exporter rsyslog; do
	is "$(in_m "$mon" systemctl is-active "$u")" active "$u is active on the monitor host"
done
for u in prometheus-node-exporter rsyslog; do
	is "$(in_m "$front" systemctl is-active "$u")" active "$u is active on $front"
done
for m in "$mon" "$front"; do
	is "$(in_m "$m" systemctl is-system-running)" running "$m: running, no failed unit" ||
		diag "$(in_m "$m" systemctl list-units --failed --plain --no-legend)"
done

# ---- Prometheus ----------------------------------------------------------------
is "$(prom /-/ready)" "Prometheus Server is Ready." "Prometheus answers /-/ready on the monitor's address"
is "$(get "http://$mon_addr:9090/-/ready")" "Prometheus Server is Ready." \
	"...from outside too (the logs host's firewall lets it in)"
want=$(grep -ho 'alert: *[A-Za-z]*' "$top"/provisioning/monitor/rules/*.yml | sed 's/alert: *//' | sort -u | paste -sd' ')
is "$(prom /api/v1/rules | jq -r '.data.groups[].rules[].name' 2>&1 | sort -u | paste -sd' ')" "$want" \
	"it has loaded every alert of provisioning/monitor/rules"
has "$want" "VipSplitBrain" "...VipSplitBrain among them"
has "$want" "RedisHostDown" "...and RedisHostDown"
code=$(get -o "$work/dash.html" -w '%{http_code}' "http://$mon_addr:9090/consoles/vipd.html")   # as an operator
is "$code" 200 "the dashboard /consoles/vipd.html is served"
has "$(cat "$work/dash.html" 2>/dev/null)" 'id="vip-holders"' "...the page of provisioning/monitor/consoles"
alertmanagers() { prom /api/v1/alertmanagers | jq -r '.data.activeAlertmanagers[].url' 2>&1; }
ok "Prometheus sends its alerts to the Alertmanager on the monitor host" \
	poll 30 eval '[ "$(alertmanagers)" = "http://$mon_addr:9093/api/v2/alerts" ]' || diag "$(alertmanagers)"
node_up() { # the node job: every host up, labelled with its name
	[ "$(prom /api/v1/targets | jq -r '.data.activeTargets[] | select(.labels.job == "node") |
		"\(.labels.host)=\(.health)"' 2>/dev/null | sort | paste -sd' ')" = "$front=up $mon=up" ]
}
ok "Prometheus scrapes both node exporters (job node, host labels)" poll 60 node_up ||
	diag "$(prom /api/v1/targets | jq -c '.data.activeTargets[] | [.labels.job, .labels.host, .health, .lastError]')"
evaluated() { # every rule has been evaluated since the restart (health ok or err)
	prom /api/v1/rules | jq -e '.status == "success" and
		all(.data.groups[].rules[]; .health != "unknown")' >/dev/null 2>&1
}
ok "Prometheus evaluates every rule" poll 60 evaluated
is "$(prom /api/v1/rules | jq -r 'if .status == "success" then [.data.groups[].rules[] |
	select(.health != "ok") | "\(.name): \(.health) \(.lastError)"] | unique | join("; ") else "no answer" end' 2>&1)" "" \
	"...without an error"
# A restart writes no staleness marker: that target's last "up 0" stays
# for five minutes. It is no host of ours and must page no one.
is "$(pkg_node "$mon_addr")" 0 "Prometheus still has the package's node target's last up 0"
is "$(prom /api/v1/alerts | jq -r 'if .status == "success" then [.data.alerts[] |
	select(.labels.alertname == "HostDown") | .labels.instance] | join(" ") else "no answer" end' 2>&1)" "" \
	"...and no HostDown for it"

# ---- Alertmanager ---------------------------------------------------------------
is "$(mget "http://$mon_addr:9093/-/ready")" OK "Alertmanager answers /-/ready"
is "$(get "http://$mon_addr:9093/-/ready")" OK "...from outside too"
amconf=$(mget "http://$mon_addr:9093/api/v2/status" | jq -r .config.original 2>&1)
has "$amconf" "receiver: oncall" "its route goes to the receiver oncall"
has "$amconf" "to: oncall@news.lab" "...which mails oncall@news.lab"
has "$amconf" "smarthost: $net.5:25" "...through the mail relay of group_vars"
# No redis host in this inventory: no node says the cluster is ok, so
# RedisClusterDegraded (cause no_node_ok) fires after its 15 s.
am_alerts() { mget "http://$mon_addr:9093/api/v2/alerts" | jq -r '.[].labels.alertname' | sort -u; }
am_has() { am_alerts | grep -qx "$1"; }
ok "Alertmanager gets Prometheus's alerts (RedisClusterDegraded: no redis host here)" \
	poll 120 am_has RedisClusterDegraded
hasnt "$(am_alerts 2>&1)" HostDown "...and no HostDown"

# ---- the exporters -------------------------------------------------------------------
has "$(get "http://$front_addr:9100/metrics")" "node_exporter_build_info" \
	"$front's node exporter answers on its address"
ok "the monitor's node exporter is closed to other addresses (the logs host's firewall)" \
	eval '! get -o /dev/null "http://$mon_addr:9100/metrics" >/dev/null'
probe() { mget "http://$mon_addr:9115/probe?module=http_site&target=$1" | awk '$1 == "probe_success" {print $2}'; }
is "$(probe "http://$front_addr/")" 1 "the blackbox exporter probes a web server (nginx on $front): success"
is "$(probe "http://$front_addr:81/")" 0 "...and a closed port: failure"
has "$(mget http://127.0.0.1:9121/metrics)" "redis_exporter_build_info" "the redis exporter answers on the loopback"
is "$(in_m "$mon" stat -c '%U:%G %a' /etc/default/prometheus-redis-exporter)" "root:root 600" \
	"...its password readable by root only"
# The machine's own redis-server, given the user the redis role gives
# every node: the exporter reads it with the role's credentials.
in_m "$mon" redis-cli ACL SETUSER monitor on ">$MONITOR_PW" +ping +info '+cluster|info' '+cluster|nodes' \
	'+latency|latest' '+slowlog|len' '+slowlog|get' >/dev/null
is "$(mget "http://127.0.0.1:9121/scrape?target=redis://127.0.0.1:6379" | awk '$1 == "redis_up" {print $2}')" 1 \
	"...and reads a redis as the monitor user (redis_up 1)"

# ---- the central logs ------------------------------------------------------------------
like "$(in_m "$mon" ss -Hltn "sport = :2514")" "*$mon_addr:2514*" "rsyslog listens for RELP on $mon_addr:2514"
has "$(in_m "$mon" nft list chain inet lab_filter input)" "tcp dport 2514 accept" "...which the firewall lets in"
stored() { in_m "$mon" grep -qE "^[^ ]+ $1 roletest u[0-9A-F]+ $2\$" /var/log/central/all.log; }
for m in "$front" "$mon"; do
	msg="from $m, run $$ $RANDOM"
	in_m "$m" logger -t roletest "$msg" >/dev/null
	ok "logger -t roletest on $m lands in /var/log/central/all.log" poll 30 stored "$m" "$msg" ||
		diag "$(in_m "$mon" tail -n 5 /var/log/central/all.log)"
done
has "$(in_m "$mon" cat "/var/log/central/$front.log")" "roletest: from $front" "...and in $front.log"
is "$(in_m "$mon" stat -c '%U:%G %a' /var/log/central /var/log/central/all.log "/var/log/central/$front.log" | sort -u | paste -sd,)" \
	"root:adm 640,root:adm 750" "the store is root:adm (0750, its files 0640), as Debian's logs"

# ---- idempotence -----------------------------------------------------------------------------
t0=$SECONDS
pb=$(playbook); rc=$?
is "$rc $(recap "$pb" | paste -sd,)" "0 $front changed=0,$mon changed=0" "a second run changes nothing" ||
	diag "$(grep -E '^(changed|fatal)' <<<"$pb" | head -n 20)"
diag "second run: $((SECONDS - t0)) s"

# ---- a reboot ------------------------------------------------------------------------------------
m_ok "machine reboot $mon" reboot "$mon"
for u in prometheus prometheus-alertmanager prometheus-redis-exporter prometheus-blackbox-exporter \
	prometheus-node-exporter rsyslog nftables; do
	is "$(in_m "$mon" systemctl is-active "$u")" active "after the reboot: $u is active"
done
has "$(in_m "$mon" nft list chain inet lab_filter input)" "tcp dport 2514 accept" "...the firewall is loaded at boot"
ok "...Prometheus answers from outside" poll 30 eval '[ "$(get "http://$mon_addr:9090/-/ready")" = "Prometheus Server is Ready." ]'
msg="after the reboot, run $$ $RANDOM"
in_m "$front" logger -t roletest "$msg" >/dev/null
ok "...and $front's logs reach the store again" poll 60 stored "$front" "$msg"

diag "run time after the first playbook run: $((SECONDS - pb_done)) s"
tap_done
