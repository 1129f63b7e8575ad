#!/bin/bash
# 47-monitor-config.sh - the monitor host's configuration, without a lab:
#   - prometheus.yml.j2, alertmanager.yml.j2 and blackbox.yml.j2 render with
#     provisioning/render for a lab-like set of variables (3 front-ends, 3
#     redis hosts, a backup host, a client) and for a bare one (no backup
#     host, no prober), with the targets, labels and relabelling the rules
#     and the dashboard rely on;
#   - promtool check config, check rules (every file of
#     provisioning/monitor/rules) and test rules (every file of
#     provisioning/monitor/tests), amtool check-config, blackbox exporter
#     --config.check accept them; every alert has a severity, a summary and
#     a description, and a unit test that fires it and one that must not;
#   - the dashboard is plain HTML to Prometheus's console templates (no
#     template action) and has the elements tests/browser/dashboard.mjs reads;
#   - Ansible's template module, fed group_vars/all.yml and the example
#     inventory, renders a prometheus.yml that promtool accepts, with a node
#     target for every host of the inventory;
#   - the redis exporter against a real redis-server started from
#     redis.conf.j2 (cluster-enabled, every slot its own) as the ACL user
#     monitor: redis_up 1, the cluster's metrics, nothing refused by the ACL
#     (the ACL log stays empty), output that promtool check metrics parses;
#     and that user can neither write, nor read keys, nor CONFIG GET.
# Runs in the default suite only: its subject is the monitoring's
# configuration, not the build. No namespace: a redis-server and the
# exporter on 127.0.0.1, on ports of their own (MONITOR_TEST_PORT, else
# 9740 or a base per TEST_NS_TAG; the cluster bus at +10000), stopped by
# their PIDs. A tool that is missing skips the items that need it.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tree=$(cd "$here/../.." && pwd)
. "$here/../lib/tap.sh"
default_suite_only "tests the monitoring's configuration"

RENDER=$tree/provisioning/render
TEMPLATES=$tree/provisioning/templates
MONITOR=$tree/provisioning/monitor
PLAYBOOKS=$tree/provisioning/ansible
PW=monitor-config-admin-0123456789
MPW=monitor-config-reader-0123456789
ALERTS="VipNoMaster VipSplitBrain FrontendDown SiteDown HighErrorRate SlowResponses RedisClusterDegraded
	RedisHostDown RedisMastersColocated RedisReplicaLag BackupLagging DiskFilling HostDown MetricsDown"

skip_all() { echo "1..0 # SKIP $*"; exit 0; }
have() { command -v "$1" >/dev/null; }
/usr/bin/python3 -c 'import jinja2' 2>/dev/null ||
	skip_all "python3-jinja2 is not installed (provisioning/deps.sh test)"
/usr/bin/python3 -c 'import yaml' 2>/dev/null ||
	skip_all "python3-yaml is not installed"

if [ -n "${MONITOR_TEST_PORT:-}" ]; then
	PORT=$MONITOR_TEST_PORT
elif [ -n "${TEST_NS_TAG:-}" ]; then
	PORT=$((9740 + 4 * ($(printf '%s' "$TEST_NS_TAG" | cksum | cut -d' ' -f1) % 10)))
else
	PORT=9740
fi
EXPORTER_PORT=$((PORT + 1))

dir=$(mktemp -d "${TMPDIR:-/tmp}/monitor-config.XXXXXX") || exit 1
REDIS_PID='' EXPORTER_PID=''
stop() { # PID: TERM, then KILL after 5 s
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 0
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
cleanup() {
	stop "$EXPORTER_PID"
	stop "$REDIS_PID"
	[ "$TAP_FAILED" = 0 ] || [ ! -s "$dir/notes" ] || sed 's/^/# /' "$dir/notes"
	rm -rf "$dir"
}
trap cleanup EXIT
note() { echo "$*" >>"$dir/notes"; }

# ---- variables: the lab's (as provisioning/lab gives them), and a bare set ----

hosts_json() { # ROLE NAME:OCTET...
	local role=$1 first=1 h; shift
	printf '['
	for h in "$@"; do
		[ $first = 1 ] || printf ','
		first=0
		printf '{"name":"%s","addr":"10.33.0.%s","role":"%s"}' "${h%:*}" "${h#*:}" "$role"
	done
	printf ']'
}
FRONTS=$(hosts_json front front01:21 front02:22 front03:23)
REDIS=$(hosts_json redis redis01:11 redis02:12 redis03:13)
BACKUP=$(hosts_json backup backup:6)
MONITORS=$(hosts_json monitor monitor:8)
CLIENTS=$(hosts_json client client:100)
ALL="[$(for j in "$(hosts_json dns dns:2)" "$(hosts_json mail mail:5)" "$BACKUP" "$(hosts_json logs logs:7)" \
	"$MONITORS" "$REDIS" "$FRONTS" "$CLIENTS"; do printf '%s,' "${j:1:${#j}-2}"; done | sed 's/,$//')]"

# lab_vars HOST ADDR [EXTRA-MEMBERS]
lab_vars() {
	cat <<-JSON
	{"host":"$1","addr":"$2","net":"10.33.0","prefix_len":24,
	 "fronts":$FRONTS,"redis_hosts":$REDIS,"redis_ports":[6379,6380],
	 "backup_hosts":$BACKUP,"monitor_hosts":$MONITORS,"client_hosts":$CLIENTS,"all_hosts":$ALL,
	 "vip_base":200,"redis_password":"$PW","monitor_user":"monitor","monitor_password":"$MPW",
	 "site_url":"http://news.lab","mail_relay":"smtp://10.33.0.5:25","oncall_address":"oncall@news.lab",
	 "rules_dir":"$MONITOR/rules","alertmanager_url":"http://10.33.0.8:9093","scrape_interval":"5s",
	 "cluster_node_timeout":2000${3:+,$3}}
	JSON
}
lab_vars monitor 10.33.0.8 >"$dir/vars.json"
# No backup host, no prober, the relay given as host:port.
cat >"$dir/bare.json" <<-JSON
{"host":"mon","addr":"192.0.2.9","net":"192.0.2","fronts":[{"name":"web1","addr":"192.0.2.21"}],
 "redis_hosts":[{"name":"db1","addr":"192.0.2.11"}],"redis_ports":[6379],
 "all_hosts":[{"name":"web1","addr":"192.0.2.21","role":"front"},{"name":"db1","addr":"192.0.2.11","role":"redis"}],
 "vip_base":100,"mail_relay":"","alert_smarthost":"192.0.2.25:2525","rules_dir":"$MONITOR/rules"}
JSON

render_all() {
	local t
	for t in prometheus.yml alertmanager.yml blackbox.yml; do
		"$RENDER" "$TEMPLATES/$t.j2" "$dir/vars.json" >"$dir/$t" 2>>"$dir/notes" || return 1
		"$RENDER" "$TEMPLATES/$t.j2" "$dir/bare.json" >"$dir/bare-$t" 2>>"$dir/notes" || return 1
	done
}
ok "provisioning/render renders prometheus.yml, alertmanager.yml and blackbox.yml (lab and bare variables)" render_all

# ---- what the files say ---------------------------------------------------------

# scrape JOB: one "TARGET LABEL=VALUE,..." line per target of prometheus.yml's job.
targets() {
	/usr/bin/python3 - "$1" "$2" <<-'PY'
	import sys, yaml
	conf = yaml.safe_load(open(sys.argv[1]))
	for job in conf["scrape_configs"]:
	    if job["job_name"] != sys.argv[2]:
	        continue
	    for sc in job.get("static_configs") or []:
	        labels = ",".join("%s=%s" % kv for kv in sorted((sc.get("labels") or {}).items()))
	        for t in sc["targets"]:
	            print(t, labels)
	PY
}
is "$(targets "$dir/prometheus.yml" node | wc -l)" 12 "prometheus.yml: a node exporter target for every host (12)"
has "$(targets "$dir/prometheus.yml" node)" "10.33.0.100:9100 host=client,role=client" "...labelled with its host and role"
is "$(targets "$dir/prometheus.yml" vipd | tr '\n' ' ')" \
	"10.33.0.21:9650 host=front01,role=front 10.33.0.22:9650 host=front02,role=front 10.33.0.23:9650 host=front03,role=front " \
	"...vipd on every front-end (9650)"
is "$(targets "$dir/prometheus.yml" newsd | cut -d' ' -f1 | tr '\n' ' ')" "10.33.0.21:9651 10.33.0.22:9651 10.33.0.23:9651 " \
	"...newsd on every front-end (9651)"
is "$(targets "$dir/prometheus.yml" watch | cut -d' ' -f1 | tr '\n' ' ')" "10.33.0.11:9652 10.33.0.12:9652 10.33.0.13:9652 " \
	"...clusterctl watch on every redis host (9652)"
is "$(targets "$dir/prometheus.yml" archive)" "10.33.0.6:9653 host=backup,role=backup" "...clusterctl archive on the backup host (9653)"
is "$(targets "$dir/prometheus.yml" redis | cut -d' ' -f1 | tr '\n' ' ')" \
	"redis://10.33.0.11:6379 redis://10.33.0.11:6380 redis://10.33.0.12:6379 redis://10.33.0.12:6380 redis://10.33.0.13:6379 redis://10.33.0.13:6380 " \
	"...every redis instance, through the exporter"
is "$(targets "$dir/prometheus.yml" site | tr '\n' ' ')" \
	"http://10.33.0.200/ __prober=10.33.0.100:9115,host=client,role=client,vip=200 http://10.33.0.201/ __prober=10.33.0.100:9115,host=client,role=client,vip=201 http://10.33.0.202/ __prober=10.33.0.100:9115,host=client,role=client,vip=202 " \
	"...the site through every VIP, from the client's blackbox exporter"
# The relabelling, as Prometheus applies it: promtool has no dry run, so
# the rules are read back and applied here the way Prometheus does.
relabel() { # JOB TARGET: the target's labels after relabel_configs
	/usr/bin/python3 - "$dir/prometheus.yml" "$1" "$2" <<-'PY'
	import re, sys, yaml
	conf = yaml.safe_load(open(sys.argv[1]))
	job = [j for j in conf["scrape_configs"] if j["job_name"] == sys.argv[2]][0]
	for sc in job["static_configs"]:
	    if sys.argv[3] in sc["targets"]:
	        labels = dict(sc.get("labels") or {}, __address__=sys.argv[3])
	for r in job.get("relabel_configs", []):
	    src = ";".join(labels.get(l, "") for l in r.get("source_labels", []))
	    m = re.fullmatch(r.get("regex", "(.*)"), src)
	    if m and r.get("action", "replace") == "replace":
	        labels[r["target_label"]] = m.expand(r.get("replacement", "$1").replace("$1", "\\1"))
	print(" ".join("%s=%s" % kv for kv in sorted(labels.items()) if kv[0] in
	               ("__address__", "__param_target", "instance", "host", "role", "vip")))
	PY
}
is "$(relabel redis redis://10.33.0.12:6380)" \
	"__address__=127.0.0.1:9121 __param_target=redis://10.33.0.12:6380 host=redis02 instance=10.33.0.12:6380 role=redis" \
	"the redis job asks the exporter on the monitor's loopback, instance=ADDR:PORT, host=the redis host"
is "$(relabel site http://10.33.0.201/)" \
	"__address__=10.33.0.100:9115 __param_target=http://10.33.0.201/ host=client instance=http://10.33.0.201/ role=client vip=201" \
	"the site job asks the client's blackbox exporter, vip=the VIP's name"
has "$(cat "$dir/prometheus.yml")" "source_labels: [exported_instance]" \
	"the vipd job turns vipd's own instance label (exported_instance) into vip"
has "$(sed -n '/job_name: redis/,/job_name: site/p' "$dir/prometheus.yml")" "target_label: redis_role" \
	"the redis job turns the exporter's role label (exported_role) into redis_role"
has "$(cat "$dir/prometheus.yml")" "- \"$MONITOR/rules/*.yml\"" "prometheus.yml reads the rules from rules_dir"
has "$(cat "$dir/prometheus.yml")" 'targets: ["10.33.0.8:9093"]' "...and alerts the Alertmanager of alertmanager_url"
has "$(cat "$dir/alertmanager.yml")" 'smtp_smarthost: "10.33.0.5:25"' "alertmanager.yml mails through mail_relay's host and port"
has "$(cat "$dir/alertmanager.yml")" 'to: "oncall@news.lab"' "...to oncall_address"
has "$(cat "$dir/alertmanager.yml")" "send_resolved: true" "...and again when an alert resolves"
has "$(cat "$dir/bare-alertmanager.yml")" 'smtp_smarthost: "192.0.2.25:2525"' "...or through alert_smarthost"
has "$(cat "$dir/blackbox.yml")" 'Host: "news.lab"' "blackbox.yml asks for the site's name (from site_url)"

# ---- the programs' own checks -----------------------------------------------------

if have promtool; then
	for c in prometheus.yml bare-prometheus.yml; do
		ok "promtool check config accepts $c" eval \
			'promtool check config "$dir/$c" >"$dir/check-$c.log" 2>&1 || { cat "$dir/check-$c.log" >>"$dir/notes"; false; }'
	done
	for f in "$MONITOR"/rules/*.yml; do
		ok "promtool check rules accepts rules/$(basename "$f")" eval \
			'promtool check rules "$f" >"$dir/rules.log" 2>&1 || { cat "$dir/rules.log" >>"$dir/notes"; false; }'
	done
	for f in "$MONITOR"/tests/*.yml; do
		ok "promtool test rules passes tests/$(basename "$f")" eval \
			'promtool test rules "$f" >"$dir/test.log" 2>&1 || { cat "$dir/test.log" >>"$dir/notes"; false; }'
	done
else
	skip "promtool check config, check rules, test rules" "promtool is not installed (apt-get install prometheus)"
fi
if have amtool; then
	for c in alertmanager.yml bare-alertmanager.yml; do
		ok "amtool check-config accepts $c" eval \
			'amtool check-config "$dir/$c" >"$dir/am.log" 2>&1 || { cat "$dir/am.log" >>"$dir/notes"; false; }'
	done
else
	skip "amtool check-config" "amtool is not installed (apt-get install prometheus-alertmanager)"
fi
if have prometheus-blackbox-exporter; then
	ok "prometheus-blackbox-exporter --config.check accepts blackbox.yml" eval \
		'prometheus-blackbox-exporter --config.check --config.file="$dir/blackbox.yml" >"$dir/bb.log" 2>&1 ||
		 { cat "$dir/bb.log" >>"$dir/notes"; false; }'
	hasnt "$(cat "$dir/bb.log")" "deprecated" "...without a deprecated setting"
else
	skip "prometheus-blackbox-exporter --config.check" "the blackbox exporter is not installed"
fi

# Every alert: its labels and annotations, and both kinds of unit test.
audit=$(/usr/bin/python3 - "$MONITOR" $ALERTS <<-'PY'
	import glob, os, sys, yaml
	mon, want = sys.argv[1], sys.argv[2:]
	rules = {}
	for f in sorted(glob.glob(os.path.join(mon, "rules", "*.yml"))):
	    for g in yaml.safe_load(open(f))["groups"]:
	        for r in g["rules"]:
	            if "alert" in r:
	                rules.setdefault(r["alert"], []).append(r)
	fires, quiet = set(), set()
	for f in glob.glob(os.path.join(mon, "tests", "*.yml")):
	    for t in yaml.safe_load(open(f))["tests"]:
	        for a in t.get("alert_rule_test", []):
	            (fires if a.get("exp_alerts") else quiet).add(a["alertname"])
	for name in want:
	    if name not in rules:
	        print("%s: no rule" % name); continue
	    for r in rules[name]:
	        if not r.get("labels", {}).get("severity"):
	            print("%s: a rule without severity" % name)
	        if not {"summary", "description"} <= set(r.get("annotations", {})):
	            print("%s: a rule without summary or description" % name)
	        if len(rules[name]) > 1 and not r.get("labels", {}).get("cause"):
	            print("%s: one of several rules without a cause label" % name)
	    if name not in fires:
	        print("%s: no unit test fires it" % name)
	    if name not in quiet:
	        print("%s: no unit test where it must not fire" % name)
	for name in sorted(set(rules) - set(want)):
	    print("%s: a rule this test does not know" % name)
	PY
)
is "$audit" "" "every alert has a severity, a summary and a description, a test that fires it and one that must not"

# ---- the dashboard ----------------------------------------------------------------

page=$MONITOR/consoles/vipd.html
hasnt "$(cat "$page")" "{{" "the dashboard has no template action (plain HTML to Prometheus's console templates)"
for id in 'id="vip-holders"' 'id="cluster-state"' 'id="masters"' 'id="uptime-hour"' 'id="uptime-day"' \
	'id="rps"' 'id="p99"' 'id="error-ratio"' 'id="repl-lag"' 'id="archive-lag"' 'class="graph"'; do
	has "$(cat "$page")" "$id" "the dashboard has $id"
done
hasnt "$(grep -oiE '(src|href)="(https?:)?//[^"]*"' "$page")" "/" "the dashboard loads nothing from elsewhere"

# ---- Ansible: group_vars/all.yml and the example inventory ------------------------

if have ansible-playbook; then
	export ANSIBLE_CONFIG=$PLAYBOOKS/ansible.cfg ANSIBLE_NOCOLOR=1 ANSIBLE_LOCALHOST_WARNING=False \
		ANSIBLE_LOCAL_TEMP=$dir/ansible-local ANSIBLE_REMOTE_TEMP=$dir/ansible-remote \
		ANSIBLE_RETRY_FILES_ENABLED=False LAB_REDIS_PASSWORD=$PW LAB_MONITOR_PASSWORD=$MPW
	cat >"$dir/render.yml" <<-'EOF'
	- name: Render as the monitor role does
	  hosts: all
	  gather_facts: false
	  tasks:
	    - name: Render the templates
	      ansible.builtin.template:
	        src: "{{ templates_dir }}/{{ item }}"
	        dest: "{{ out }}/{{ inventory_hostname }}-{{ item | replace('.j2', '') }}"
	        mode: "0644"
	      loop: [prometheus.yml.j2, alertmanager.yml.j2, blackbox.yml.j2]
	EOF
	mkdir -p "$dir/a"
	ok "ansible-playbook renders the monitor host's files from the example inventory" eval \
		'ansible-playbook -i "$PLAYBOOKS/inventory.example.ini" -c local -l monitor "$dir/render.yml" \
		 -e "out=$dir/a templates_dir=$TEMPLATES rules_dir=$MONITOR/rules" >"$dir/ansible.log" 2>&1 || { tail -20 "$dir/ansible.log" >>"$dir/notes"; false; }'
	inventory_hosts=$(ansible-inventory -i "$PLAYBOOKS/inventory.example.ini" --list 2>/dev/null |
		/usr/bin/python3 -c 'import json, sys; print(len(json.load(sys.stdin)["_meta"]["hostvars"]))')
	is "$(targets "$dir/a/monitor-prometheus.yml" node | wc -l)" "$inventory_hosts" \
		"...a node exporter target for each of the inventory's $inventory_hosts hosts"
	if have promtool; then
		ok "...which promtool check config accepts" eval \
			'promtool check config "$dir/a/monitor-prometheus.yml" >"$dir/a.log" 2>&1 || { cat "$dir/a.log" >>"$dir/notes"; false; }'
	fi
	mkdir -p "$dir/b"
	ok "ansible-playbook renders the three templates with the lab's variables" eval \
		'ansible-playbook -i localhost, -c local "$dir/render.yml" -e @"$dir/vars.json" \
		 -e "out=$dir/b templates_dir=$TEMPLATES" >"$dir/ansible-b.log" 2>&1 || { tail -20 "$dir/ansible-b.log" >>"$dir/notes"; false; }'
	for t in prometheus.yml alertmanager.yml blackbox.yml; do
		ok "Ansible's template module writes $t.j2 byte for byte as provisioning/render" eval \
			'cmp -s "$dir/$t" "$dir/b/localhost-$t" || { diff "$dir/$t" "$dir/b/localhost-$t" >>"$dir/notes"; false; }'
	done
else
	skip "Ansible renders the monitor's files" "ansible is not installed"
fi

# ---- the redis exporter against a real redis-server ---------------------------------

if ! have redis-server || ! have redis-cli || ! have prometheus-redis-exporter || ! have curl; then
	skip "the redis exporter as user monitor on a real redis-server" \
		"redis-server, redis-cli, curl or prometheus-redis-exporter is not installed"
	tap_done
	exit
fi
# One run at a time on these ports (tests/run's suites, or an operator's).
exec {lock}>"${TMPDIR:-/tmp}/vipd-monitor-$PORT.lock"
flock -w 120 "$lock" || note "port $PORT still locked after 120 s; going ahead"
mkdir -p "$dir/redis"
# The node's users come from the ACL file (redis-users.acl.j2), which
# keeps the monitor's password as its SHA-256.
acl_vars="\"port\":$PORT,\"redis_dir\":\"$dir/redis\",\"redis_aclfile\":\"$dir/users.acl\""
acl_vars="$acl_vars,\"replication_password\":\"replication-$PW\",\"newsd_redis_password\":\"newsd-$PW\""
lab_vars redis01 127.0.0.1 "$acl_vars" | "$RENDER" "$TEMPLATES/redis.conf.j2" >"$dir/redis.conf"
lab_vars redis01 127.0.0.1 "$acl_vars" | "$RENDER" "$TEMPLATES/redis-users.acl.j2" >"$dir/users.acl"
has "$(cat "$dir/users.acl")" "user monitor on #$(printf '%s' "$MPW" | sha256sum | cut -d' ' -f1) resetkeys resetchannels -@all +ping +info +cluster|info" \
	"redis-users.acl.j2 gives the node the ACL user monitor when monitor_password is set"
hasnt "$(lab_vars redis01 127.0.0.1 "$acl_vars,\"monitor_password\":\"\"" |
	"$RENDER" "$TEMPLATES/redis-users.acl.j2")" "user monitor" "...and none without it"
redis-server "$dir/redis.conf" >"$dir/redis.log" 2>&1 &
REDIS_PID=$!
rcli() { timeout 5 redis-cli --no-auth-warning -h 127.0.0.1 -p "$PORT" "$@" 2>&1; }
admin() { rcli --user clusterctl -a "$PW" "$@"; }
for _ in $(seq 1 50); do
	[ "$(admin ping)" = PONG ] && break
	kill -0 "$REDIS_PID" 2>/dev/null || break
	sleep 0.1
done
if [ "$(admin ping)" != PONG ]; then
	note "$(cat "$dir/redis.log")"
	bail_out "redis-server runs the rendered redis.conf on 127.0.0.1:$PORT"
fi
admin cluster addslotsrange 0 16383 >/dev/null
for _ in $(seq 1 50); do
	admin cluster info | tr -d '\r' | grep -qx cluster_state:ok && break
	sleep 0.1
done
check "\"$(admin cluster info | tr -d '\r' | grep -x cluster_state:ok)\" = cluster_state:ok" \
	"a one-node cluster with every slot (CLUSTER ADDSLOTSRANGE 0 16383)"
admin set monitor-test-key secret >/dev/null

# The command line the monitor role and the lab give it.
env REDIS_USER=monitor REDIS_PASSWORD="$MPW" prometheus-redis-exporter -web.listen-address="127.0.0.1:$EXPORTER_PORT" \
	-redis.addr= -set-client-name=false -config-command=INFO -connection-timeout=2s >"$dir/exporter.log" 2>&1 &
EXPORTER_PID=$!
scrape() { curl -sf --max-time 10 "http://127.0.0.1:$EXPORTER_PORT/scrape?target=redis://127.0.0.1:$PORT"; }
for _ in $(seq 1 50); do
	scrape >/dev/null && break
	kill -0 "$EXPORTER_PID" 2>/dev/null || break
	sleep 0.1
done
admin acl log reset >/dev/null
# Two scrapes: the first one's connection, then a steady one.
scrape >/dev/null
out=$(scrape)
[ -n "$out" ] || note "$(cat "$dir/exporter.log")"
has "$out" "redis_up 1" "the exporter (multi-target, as user monitor) reads the node: redis_up 1"
has "$out" "redis_cluster_state 1" "...and the cluster's metrics: redis_cluster_state 1"
has "$out" "redis_cluster_slots_ok 16384" "...redis_cluster_slots_ok 16384"
like "$out" '*redis_instance_info{*role="master"*} 1*' "...redis_instance_info with the node's role"
has "$out" 'redis_exporter_last_scrape_error{err=""} 0' "...with no scrape error"
is "$(admin acl log | head -c 300)" "" "the ACL refused the exporter nothing (ACL LOG empty)"
is "$(admin info errorstats | tr -d '\r' | grep -c '^errorstat_')" 0 "...and the node answered it no error at all"
hasnt "$(cat "$dir/exporter.log")" "level=error" "the exporter logged no error"
if have promtool; then
	lint=$(printf '%s\n' "$out" | promtool check metrics 2>&1)
	rc=$?
	# 3: only the exporter's own naming lint (its names are not ours to change).
	check "$rc -eq 0 -o $rc -eq 3" "promtool check metrics parses the exporter's output (exit $rc)" ||
		diag "$lint"
	hasnt "$lint" "error while linting" "...without a parse error"
fi
mon() { rcli --user monitor --pass "$MPW" "$@"; }
is "$(mon ping)" PONG "user monitor may PING"
like "$(mon set monitor-test-key x)" "*NOPERM*" "...may not write"
like "$(mon get monitor-test-key)" "*NOPERM*" "...may not read a key"
like "$(mon config get requirepass)" "*NOPERM*" "...may not CONFIG GET (the node's password)"
like "$(mon cluster reset)" "*NOPERM*" "...may not change the cluster"
tap_done
