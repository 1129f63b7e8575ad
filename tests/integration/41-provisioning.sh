#!/bin/bash
# 41-provisioning.sh - the configurations for real hosts, without real hosts:
#   - the Ansible playbook passes --syntax-check and its example inventory
#     parses (3 front-ends, 3 redis hosts);
#   - every template of provisioning/templates renders with provisioning/render
#     for a lab-like set of variables, and each result is accepted by its
#     program: vipd -t for each front-end (front02 home for VIP 201, one
#     home per VIP), newsd -t, redis-server started on the rendered file
#     (on 127.0.0.1, in a namespace of its own) answering PING with the
#     password only, nft -c for both rulesets, nginx -t for the site;
#   - the rulesets replace only their own table: loaded twice beside a
#     table "inet vipd", that table is still there;
#   - Ansible's template module writes byte for byte what provisioning/render
#     writes, for every template (one template source);
#   - the variables group_vars/all.yml builds from the example inventory
#     (fronts, redis_hosts, ...) render the same files as the same values
#     given by hand, and the nginx site the role writes is
#     webapp/nginx/newsd.conf with its placeholders filled, as sed fills them.
# A tool that is missing skips the items that need it. Nothing leaves the
# throwaway namespace; only the redis-server started here is signalled.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tree=$(cd "$here/../.." && pwd)
. "$here/../lib/tap.sh"

BUILD=${VIPD_BUILD:-$tree}
VIPD=$BUILD/vrrpd/vipd
NEWSD=$BUILD/webapp/newsd
RENDER=$tree/provisioning/render
TEMPLATES=$tree/provisioning/templates
PLAYBOOKS=$tree/provisioning/ansible
PW=provisioning-test-0123456789
REPL_PW=replication-test-0123456789 NEWSD_PW=newsd-test-0123456789
# What group_vars/all.yml derives when no password is given for them.
REPL_PW_REAL=$(printf '%s' "$PW/replication" | sha256sum | cut -d' ' -f1)
NEWSD_PW_REAL=$(printf '%s' "$PW/newsd" | sha256sum | cut -d' ' -f1)

skip_all() { echo "1..0 # SKIP $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip_all "needs root for a network namespace"
/usr/bin/python3 -c 'import jinja2' 2>/dev/null ||
	skip_all "python3-jinja2 is not installed (provisioning/deps.sh test)"
have() { command -v "$1" >/dev/null; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/provisioning.XXXXXX") || exit 1
NS=prov41${TEST_NS_TAG:-}-$$
REDIS_PID=
cleanup() {
	if [ -n "$REDIS_PID" ] && kill -0 "$REDIS_PID" 2>/dev/null; then
		kill -KILL "$REDIS_PID" 2>/dev/null
		wait "$REDIS_PID" 2>/dev/null
	fi
	ip netns delete "$NS" 2>/dev/null
	[ "$TAP_FAILED" = 0 ] || [ ! -s "$dir/notes" ] || sed 's/^/# /' "$dir/notes"
	rm -rf "$dir"
}
trap cleanup EXIT
ip netns add "$NS" || skip_all "cannot create a network namespace"
ip -n "$NS" link set lo up
in_ns() { ip netns exec "$NS" "$@"; }
note() { echo "$*" >>"$dir/notes"; }

# ---- variables: the lab's (3 + 3), and the real hosts' defaults ---------

# Two networks: the front-ends on both (10.33.0 and 10.33.1), the redis,
# backup and monitor hosts on the back one only.
FRONTS='[{"name":"front01","addr":"10.33.0.21","back_addr":"10.33.1.21"},{"name":"front02","addr":"10.33.0.22","back_addr":"10.33.1.22"},{"name":"front03","addr":"10.33.0.23","back_addr":"10.33.1.23"}]'
REDIS='[{"name":"redis01","addr":"10.33.1.11","back_addr":"10.33.1.11"},{"name":"redis02","addr":"10.33.1.12","back_addr":"10.33.1.12"},{"name":"redis03","addr":"10.33.1.13","back_addr":"10.33.1.13"}]'

# lab_vars HOST ADDR [EXTRA-MEMBERS]: as provisioning/lab writes them.
lab_vars() {
	cat <<-JSON
	{"host":"$1","addr":"$2","net":"10.33.0","prefix_len":24,"back_net":"10.33.1","back_prefix_len":24,
	 "fronts":$FRONTS,"redis_hosts":$REDIS,"redis_ports":[6379,6380],
	 "backup_hosts":[{"name":"backup","addr":"10.33.1.6","back_addr":"10.33.1.6"}],
	 "redis_password":"$PW","vip_base":200,"interface":"eth0","advert_interval":0.1,
	 "replication_password":"$REPL_PW","newsd_redis_user":"newsd","newsd_redis_password":"$NEWSD_PW",
	 "redis_aclfile":"$dir/$1/redis-users.acl",
	 "vipd_socket":"$dir/$1/vipd.sock","vipd_state_dir":"$dir/$1/state",
	 "newsd_listen":"unix:$dir/$1/newsd.sock","newsd_workers":4,"newsd_metrics_listen":"127.0.0.1:9651","site_name":"Lamer News",
	 "site_url":"http://news.lab","mail_relay":"smtp://10.33.0.5:25","mail_from":"noreply@news.lab",
	 "port":6379,"redis_dir":"$dir/$1/data","cluster_node_timeout":2000${3:+,$3}}
	JSON
}

# host_vars HOST ADDR: what group_vars/all.yml should make of the example
# inventory, written out by hand.
host_vars() {
	cat <<-JSON
	{"host":"$1","addr":"$2","net":"10.33.0","prefix_len":24,
	 "fronts":$FRONTS,"redis_hosts":$REDIS,"redis_ports":[6379,6380],
	 "backup_hosts":[{"name":"backup","addr":"10.33.1.6"}],"monitor_hosts":[{"name":"monitor","addr":"10.33.1.8"}],
	 "redis_password":"$PW","vip_base":200,"interface":"eth0","advert_interval":1,
	 "redis_admin_user":"clusterctl","replication_password":"$REPL_PW_REAL","newsd_redis_user":"newsd",
	 "newsd_redis_password":"$NEWSD_PW_REAL","newsd_redis_password_file":"redis-password",
	 "redis_aclfile":"/etc/redis/cluster-users.acl",
	 "vipd_socket":"/run/vipd/vipd.sock","vipd_state_dir":"/var/lib/vipd","vipd_metrics_listen":"0.0.0.0:9650",
	 "newsd_listen":"unix:/run/newsd/newsd.sock","newsd_workers":4,"newsd_metrics_listen":"0.0.0.0:9651","site_name":"Lamer News",
	 "site_url":"http://news.lab","mail_relay":"smtp://10.33.0.5:25","mail_from":"noreply@news.lab",
	 "port":6380,"redis_dir":"/var/lib/redis/cluster-6380","cluster_node_timeout":5000}
	JSON
}

# ---- Ansible: syntax and inventory ---------------------------------------

export ANSIBLE_CONFIG=$PLAYBOOKS/ansible.cfg ANSIBLE_NOCOLOR=1 ANSIBLE_LOCALHOST_WARNING=False \
	ANSIBLE_LOCAL_TEMP=$dir/ansible-local ANSIBLE_REMOTE_TEMP=$dir/ansible-remote \
	ANSIBLE_RETRY_FILES_ENABLED=False LAB_REDIS_PASSWORD=$PW
INVENTORY=$PLAYBOOKS/inventory.example.ini

if have ansible-playbook; then
	ok "ansible-playbook --syntax-check accepts site.yml" eval \
		'ansible-playbook --syntax-check -i "$INVENTORY" "$PLAYBOOKS/site.yml" >"$dir/syntax.log" 2>&1 ||
		 { cat "$dir/syntax.log" >>"$dir/notes"; false; }'
else
	skip "ansible-playbook --syntax-check accepts site.yml" "ansible is not installed"
fi
if have ansible-inventory; then
	ok "ansible-inventory --list parses the example: 3 front-ends, 3 redis hosts" eval \
		'ansible-inventory -i "$INVENTORY" --list 2>"$dir/inventory.err" | /usr/bin/python3 -c "
import json, sys
inv = json.load(sys.stdin)
sys.exit(not (len(inv[\"front_ends\"][\"hosts\"]) == 3 and len(inv[\"redis_servers\"][\"hosts\"]) == 3
              and inv[\"_meta\"][\"hostvars\"][\"front02\"][\"addr\"] == \"10.33.0.22\"))"'
else
	skip "ansible-inventory --list parses the example" "ansible is not installed"
fi

# ---- provisioning/render, for every host of a lab-like stack ---------------

render_all() {
	local h a p
	for h in front01:21 front02:22 front03:23 redis01:11 redis02:12 redis03:13; do
		case $h in front*) a=10.33.0.${h#*:} ;; *) a=10.33.1.${h#*:} ;; esac
		h=${h%:*}
		mkdir -p "$dir/$h"
		lab_vars "$h" "$a" >"$dir/$h/vars.json"
		case $h in
		front*)
			for t in vipd.conf newsd.conf front.nft; do
				"$RENDER" "$TEMPLATES/$t.j2" "$dir/$h/vars.json" >"$dir/$h/$t" || return 1
			done ;;
		redis*)
			"$RENDER" "$TEMPLATES/redis.nft.j2" "$dir/$h/vars.json" >"$dir/$h/redis.nft" || return 1
			"$RENDER" "$TEMPLATES/redis-users.acl.j2" "$dir/$h/vars.json" >"$dir/$h/redis-users.acl" || return 1
			for p in 6379 6380; do
				lab_vars "$h" "$a" "\"port\":$p,\"redis_dir\":\"$dir/$h/data-$p\"" |
					"$RENDER" "$TEMPLATES/redis.conf.j2" >"$dir/$h/redis-$p.conf" || return 1
			done ;;
		esac
	done
}
ok "provisioning/render renders every template for 3 front-ends and 3 redis hosts" render_all

# ---- vipd ---------------------------------------------------------------

if [ -x "$VIPD" ]; then
	for h in front01 front02 front03; do
		ok "vipd -t accepts the rendered vipd.conf of $h" eval \
			'"$VIPD" -t -f "$dir/$h/vipd.conf" >>"$dir/notes" 2>&1'
	done
else
	skip "vipd -t accepts the rendered vipd.conf of each front-end" "no vipd at $VIPD (build it, or set VIPD_BUILD)"
fi
# "NAME PRIORITY" per instance of a rendered vipd.conf.
priorities() { awk '$1 == "vip" {v = $2} $1 == "priority" {print v, $3}' "$1"; }
check "\"$(priorities "$dir/front02/vipd.conf" | awk '$1 == 201 {print $2}')\" = 150" \
	"front02 is home (priority 150) for VIP 201"
homes=$(for h in front01 front02 front03; do priorities "$dir/$h/vipd.conf"; done |
	awk '$2 == 150 {n[$1]++} END {for (v in n) printf "%s:%d ", v, n[v]}' | tr ' ' '\n' | sort | tr '\n' ' ')
check "\"$homes\" = \"200:1 201:1 202:1 \"" "each VIP has exactly one home at priority 150"

# ---- newsd --------------------------------------------------------------

if [ -x "$NEWSD" ]; then
	ok "newsd -t accepts the rendered newsd.conf" eval \
		'"$NEWSD" -t -c "$dir/front01/newsd.conf" >>"$dir/notes" 2>&1'
else
	skip "newsd -t accepts the rendered newsd.conf" "no newsd at $NEWSD (build it, or set VIPD_BUILD)"
fi
ok "newsd.conf seeds are every redis host at both ports" \
	grep -qF '"10.33.1.11:6379", "10.33.1.11:6380", "10.33.1.12:6379", "10.33.1.12:6380", "10.33.1.13:6379", "10.33.1.13:6380"' \
	"$dir/front01/newsd.conf"

# ---- redis --------------------------------------------------------------

conf=$dir/redis02/redis-6380.conf
ok "redis.conf binds the host, with the port, ACL file, replication user and cluster settings" eval '
	grep -qx "bind 10.33.1.12" "$conf" && grep -qx "port 6380" "$conf" &&
	grep -qx "aclfile \"$dir/redis02/redis-users.acl\"" "$conf" && ! grep -q "^requirepass" "$conf" &&
	grep -qx "masteruser replication" "$conf" && grep -qx "masterauth \"$REPL_PW\"" "$conf" &&
	grep -qx "cluster-enabled yes" "$conf" && grep -qx "cluster-node-timeout 2000" "$conf" &&
	grep -qx "cluster-require-full-coverage no" "$conf" && grep -qx "dir \"$dir/redis02/data-6380\"" "$conf"'
if have redis-server && have redis-cli; then
	# The same template for this namespace's loopback; redis-server refuses
	# a file with an unknown or malformed directive.
	mkdir -p "$dir/local/data"
	lab_vars redis01 127.0.0.1 "\"port\":6379,\"redis_dir\":\"$dir/local/data\"" |
		"$RENDER" "$TEMPLATES/redis.conf.j2" >"$dir/local/redis.conf"
	# ip netns exec execs redis-server: $! is the server itself.
	ip netns exec "$NS" redis-server "$dir/local/redis.conf" >"$dir/local/redis.log" 2>&1 &
	REDIS_PID=$!
	rcli() { in_ns timeout 5 redis-cli --no-auth-warning -h 127.0.0.1 -p 6379 "$@" 2>&1; }
	for _ in $(seq 1 50); do
		[ "$(rcli -a "$PW" ping)" = PONG ] && break
		kill -0 "$REDIS_PID" 2>/dev/null || break
		sleep 0.1
	done
	check "\"$(rcli --user clusterctl -a "$PW" ping)\" = PONG" \
		"redis-server runs the rendered redis.conf and ACL file: the administration user answers PING"
	check "\"$(rcli ping | grep -c NOAUTH)\" = 1" "...a client without a user is refused"
	like "$(rcli -a "$PW" ping)" "*WRONGPASS*" "...and so is the default user, even with the right password (it is off)"
	check "\"$(rcli --user clusterctl -a "$PW" info cluster | tr -d '\r' | grep -x cluster_enabled:1)\" = cluster_enabled:1" \
		"...as a cluster node"
	ncli() { rcli --user newsd -a "$NEWSD_PW" "$@"; }
	rcli --user clusterctl -a "$PW" cluster addslotsrange 0 16383 >/dev/null
	for _ in $(seq 1 50); do
		rcli --user clusterctl -a "$PW" cluster info | grep -q '^cluster_state:ok' && break
		sleep 0.1
	done
	is "$(ncli set news:{1} x)" OK "the newsd user writes the site's keys"
	for c in flushall "config get requirepass" "keys news:?" "script flush" "acl list" "cluster reset" \
		"set clusterctl:lease x"; do
		# shellcheck disable=SC2086
		like "$(set -f; ncli $c)" "*NOPERM*" "...and may not $c"
	done
	like "$(rcli --user replication -a "$REPL_PW" get news:{1})" "*NOPERM*" "the replication user reads no key"
	is "$(grep -c -e "$PW" -e "$NEWSD_PW" -e "$REPL_PW" "$dir/redis01/redis-users.acl")" 0 \
		"the ACL file holds no password, only their SHA-256"
	[ "$TAP_FAILED" = 0 ] || note "$(cat "$dir/local/redis.log")"
	kill -TERM "$REDIS_PID" 2>/dev/null
	wait "$REDIS_PID" 2>/dev/null
	REDIS_PID=
else
	skip "redis-server runs the rendered redis.conf" "redis-server or redis-cli is not installed"
fi

# ---- nftables -----------------------------------------------------------

if have nft; then
	for r in front01/front.nft redis01/redis.nft; do
		ok "nft -c accepts $(basename "$r")" eval 'in_ns nft -c -f "$dir/$r" >>"$dir/notes" 2>&1'
	done
	ok "front.nft: VRRP only from the front-ends to 224.0.0.18, HTTP, HTTPS and ssh open" eval '
		grep -qF "ip saddr { 10.33.0.21, 10.33.0.22, 10.33.0.23 } ip daddr 224.0.0.18 ip protocol vrrp accept" "$dir/front01/front.nft" &&
		grep -q "iifname \"eth0\" tcp dport { 80, 443 } accept" "$dir/front01/front.nft" && grep -q "tcp dport 22 accept" "$dir/front01/front.nft"'
	ok "redis.nft: redis ports only from the front-ends' back legs, redis hosts and the backup host" \
		grep -qF "ip saddr { 10.33.1.21, 10.33.1.22, 10.33.1.23, 10.33.1.11, 10.33.1.12, 10.33.1.13, 10.33.1.6 } tcp dport { 6379, 6380 } accept" \
		"$dir/redis01/redis.nft"
	ok "redis.nft: the cluster bus ports only from the redis hosts" \
		grep -qF "ip saddr { 10.33.1.11, 10.33.1.12, 10.33.1.13 } tcp dport { 16379, 16380 } accept" "$dir/redis01/redis.nft"
	is "$(grep -c 'dport.*16379' "$dir/redis01/redis.nft")" 1 "...and no other rule opens them"
	ok "every ruleset counts what its policy drops" eval '
		grep -q "counter comment \"dropped\"" "$dir/front01/front.nft" &&
		grep -q "counter comment \"dropped\"" "$dir/redis01/redis.nft"'
	# The router between the networks and the monitor host, with the
	# stack's hosts: the front network's (dns, mail, client) and the rest.
	ALL='[{"name":"dns","addr":"10.33.0.2","back_addr":"10.33.0.2"},{"name":"mail","addr":"10.33.0.5","back_addr":"10.33.0.5"},
	  {"name":"client","addr":"10.33.0.100","back_addr":"10.33.0.100"},{"name":"front01","addr":"10.33.0.21","back_addr":"10.33.1.21"},
	  {"name":"redis01","addr":"10.33.1.11","back_addr":"10.33.1.11"},{"name":"monitor","addr":"10.33.1.8","back_addr":"10.33.1.8"},
	  {"name":"logs","addr":"10.33.1.7","back_addr":"10.33.1.7"},{"name":"router","addr":"10.33.0.254","back_addr":"10.33.1.254"}]'
	NETVARS='"monitor_hosts":[{"name":"monitor","addr":"10.33.1.8"}],"logs_hosts":[{"name":"logs","addr":"10.33.1.7"}],"all_hosts":'$ALL
	mkdir -p "$dir/router" "$dir/monitor"
	lab_vars router 10.33.0.254 "$NETVARS" | "$RENDER" "$TEMPLATES/router.nft.j2" >"$dir/router/router.nft"
	lab_vars monitor 10.33.1.8 "$NETVARS" | "$RENDER" "$TEMPLATES/monitor.nft.j2" >"$dir/monitor/monitor.nft"
	for r in router/router.nft monitor/monitor.nft; do
		ok "nft -c accepts $(basename "$r")" eval 'in_ns nft -c -f "$dir/$r" >>"$dir/notes" 2>&1'
	done
	r=$dir/router/router.nft
	ok "router.nft: the forward policy drops, and counts what it drops" eval '
		grep -q "hook forward priority filter; policy drop;" "$r" &&
		[ "$(grep -c "counter comment \"dropped\"" "$r")" = 2 ]'
	ok "router.nft: the monitor to the front network's node exporters, probes and mail relay only" \
		grep -qF "ip saddr { 10.33.1.8 } ip daddr 10.33.0.0/24 tcp dport { 9100, 9115, 25 } accept" "$r"
	ok "router.nft: the front network's hosts (not the router) to the logs host's RELP only" \
		grep -qF "ip saddr { 10.33.0.2, 10.33.0.5, 10.33.0.100, 10.33.0.21 } ip daddr { 10.33.1.7 } tcp dport 2514 accept" "$r"
	is "$(grep -c ' accept$' <(sed -n '/chain forward/,/^    }/p' "$r"))" 3 "...and nothing else crosses (3 accepts in forward)"
	ok "monitor.nft: Prometheus and Alertmanager from the back network only" \
		grep -qF "ip saddr 10.33.1.0/24 tcp dport { 9090, 9093 } accept" "$dir/monitor/monitor.nft"
	ok "loaded twice beside vipd's table, a ruleset replaces only its own" eval '
		in_ns nft add table inet vipd && in_ns nft -f "$dir/front01/front.nft" &&
		in_ns nft -f "$dir/redis01/redis.nft" && in_ns nft list tables | sort | tr "\n" " " |
		grep -qx "table inet lab_filter table inet vipd " &&
		in_ns nft list chain inet lab_filter input | grep -q "16380" &&
		! in_ns nft list chain inet lab_filter input | grep -q "dport 80"'
else
	skip "nft -c accepts both rulesets" "nft is not installed"
fi

# ---- Ansible renders what provisioning/render renders --------------------

cat >"$dir/render.yml" <<'EOF'
- name: Render as the roles do
  hosts: all
  gather_facts: false
  tasks:
    - name: Render the templates
      ansible.builtin.template:
        src: "{{ tdir }}/{{ item }}"
        dest: "{{ out }}/{{ inventory_hostname }}-{{ item | replace('.j2', '') }}"
        mode: "0644"
      loop: "{{ only.split(',') if only is defined else
                (['vipd.conf.j2', 'newsd.conf.j2', 'front.nft.j2'] if 'front_ends' in group_names
                 else ['redis.conf.j2', 'redis-users.acl.j2', 'redis.nft.j2']) }}"
    - name: Write the nginx site
      ansible.builtin.copy:
        content: "{{ nginx_site }}"
        dest: "{{ out }}/{{ inventory_hostname }}-nginx-site"
        mode: "0644"
      when: "'front_ends' in group_names"
EOF

# The nginx site with its placeholders filled by sed, as tests/lib/web.sh does.
mkdir -p "$dir/real"
sed -e "s|@LISTEN@|80|g" -e "s|@SERVER_NAME@|news.lab|g" -e "s|@STATIC_ROOT@|/var/www/newsd|g" \
	-e "s|@UPSTREAM@|unix:/run/newsd/newsd.sock|g" -e "s|@CACHE_DIR@|$dir/cache|g" \
	"$tree/webapp/nginx/newsd.conf" >"$dir/real/nginx-site"

if have ansible-playbook; then
	mkdir -p "$dir/a"
	# The lab's variables for front02, through the template module.
	ok "ansible-playbook renders every template with the lab's variables" eval \
		'ansible-playbook -i localhost, -c local "$dir/render.yml" -e @"$dir/front02/vars.json" \
		 -e "tdir=$TEMPLATES out=$dir/a only=vipd.conf.j2,newsd.conf.j2,redis.conf.j2,redis-users.acl.j2,front.nft.j2,redis.nft.j2" \
		 >"$dir/ansible-a.log" 2>&1 || { tail -20 "$dir/ansible-a.log" >>"$dir/notes"; false; }'
	"$RENDER" "$TEMPLATES/redis.conf.j2" "$dir/front02/vars.json" >"$dir/front02/redis.conf-as-front02"
	"$RENDER" "$TEMPLATES/redis.nft.j2" "$dir/front02/vars.json" >"$dir/front02/redis.nft-as-front02"
	"$RENDER" "$TEMPLATES/redis-users.acl.j2" "$dir/front02/vars.json" >"$dir/front02/redis-users.acl-as-front02"
	for t in vipd.conf newsd.conf front.nft redis.conf redis-users.acl redis.nft; do
		mine=$dir/front02/$t
		[ -f "$mine" ] || mine=$dir/front02/$t-as-front02
		ok "Ansible's template module writes $t.j2 byte for byte as provisioning/render" eval \
			'cmp -s "$mine" "$dir/a/localhost-$t" || { diff "$mine" "$dir/a/localhost-$t" >>"$dir/notes"; false; }'
	done

	# The example inventory and group_vars/all.yml, for front02 and redis02.
	mkdir -p "$dir/b"
	host_vars front02 10.33.0.22 >"$dir/real/front02.json"
	host_vars redis02 10.33.1.12 >"$dir/real/redis02.json"
	ok "ansible-playbook renders front02 and redis02 from the example inventory" eval \
		'ansible-playbook -i "$INVENTORY" -c local -l front02,redis02 "$dir/render.yml" \
		 -e "tdir=$TEMPLATES out=$dir/b source_dir=$tree port=6380 nginx_cache_dir=$dir/cache" \
		 >"$dir/ansible-b.log" 2>&1 || { tail -20 "$dir/ansible-b.log" >>"$dir/notes"; false; }'
	for ht in front02:vipd.conf front02:newsd.conf front02:front.nft redis02:redis.conf redis02:redis-users.acl redis02:redis.nft; do
		h=${ht%:*} t=${ht#*:}
		"$RENDER" "$TEMPLATES/$t.j2" "$dir/real/$h.json" >"$dir/real/$h-$t"
		ok "group_vars/all.yml gives $h's $t the inventory's hosts and the defaults" eval \
			'cmp -s "$dir/real/$h-$t" "$dir/b/$h-$t" || { diff "$dir/real/$h-$t" "$dir/b/$h-$t" >>"$dir/notes"; false; }'
	done
	ok "the nginx site is webapp/nginx/newsd.conf with the placeholders filled" eval \
		'cmp -s "$dir/real/nginx-site" "$dir/b/front02-nginx-site" || { diff "$dir/real/nginx-site" "$dir/b/front02-nginx-site" >>"$dir/notes"; false; }'
	site=$dir/b/front02-nginx-site
else
	skip "Ansible renders what provisioning/render renders" "ansible is not installed"
	site=$dir/real/nginx-site
fi

# ---- nginx --------------------------------------------------------------

if have nginx; then
	n=$dir/nginx
	mkdir -p "$n"
	cat >"$n/nginx.conf" <<-EOF
	pid $n/nginx.pid;
	error_log $n/error.log warn;
	events { worker_connections 64; }
	http {
	    include /etc/nginx/mime.types;
	    access_log off;
	    client_body_temp_path $n/client_body;
	    proxy_temp_path $n/proxy;
	    fastcgi_temp_path $n/fastcgi;
	    uwsgi_temp_path $n/uwsgi;
	    scgi_temp_path $n/scgi;
	    include $site;
	}
	EOF
	ok "nginx -t accepts the site as the front-end role writes it" eval \
		'in_ns nginx -t -q -p "$n/" -e "$n/error.log" -c "$n/nginx.conf" >>"$dir/notes" 2>&1'
else
	skip "nginx -t accepts the site" "nginx is not installed"
fi

tap_done
