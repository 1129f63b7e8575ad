# provisioning/lab.d/monitor.sh - sourced by provisioning/lab: the monitor
# host (Prometheus, Alertmanager, the redis exporter), the node exporter on
# every host and the site's probes from the client.
#
# Ports, on each host's own lab address (a front-end's node exporter on its
# back leg, where the monitor scrapes it): node exporter 9100, vipd 9650,
# newsd 9651, clusterctl watch 9652, clusterctl archive 9653, Prometheus
# 9090, Alertmanager 9093, the redis exporter 9121 (monitor), the blackbox
# exporter 9115 (client). The configurations come from the templates the
# monitor role of the playbook writes too; the rules, their tests and the
# dashboard from provisioning/monitor.

MONITOR_DIR=$top/provisioning/monitor

# The scrape and evaluation interval of the lab: alerts fire within a minute.
monitor_vars() {
	printf '"rules_dir":"%s","consoles_dir":"%s","alertmanager_url":"http://%s:9093","scrape_interval":"%s"' \
		"$MONITOR_DIR/rules" "$MONITOR_DIR/consoles" "$(addr_of monitor)" "${LAB_SCRAPE_INTERVAL:-5s}"
}

# No systemd in a namespace host: its collector would only log errors.
start_node_exporter() {
	mkdir -p "$STATE/$1/node-exporter"
	spawn "$1" node-exporter prometheus-node-exporter --web.listen-address="$(back_of "$1"):9100" \
		--collector.textfile.directory="$STATE/$1/node-exporter" --no-collector.systemd
}

start_prometheus() {
	local h=$1 d=$STATE/$1/prometheus
	mkdir -p "$d/data"
	render prometheus.yml.j2 "$h" "$d/prometheus.yml" "$(monitor_vars)"
	if alive "$h" prometheus; then kill -HUP "$(cat "$(pidfile "$h" prometheus)")"; return 0; fi
	spawn "$h" prometheus prometheus --config.file="$d/prometheus.yml" --storage.tsdb.path="$d/data" \
		--storage.tsdb.retention.time=2d --web.listen-address="$(addr_of "$h"):9090" \
		--web.console.templates="$MONITOR_DIR/consoles" \
		--web.console.libraries=/usr/share/prometheus/web/console_libraries \
		--web.external-url="http://$(addr_of "$h"):9090/"
}

start_alertmanager() {
	local h=$1 d=$STATE/$1/alertmanager
	mkdir -p "$d/data"
	render alertmanager.yml.j2 "$h" "$d/alertmanager.yml" "$(monitor_vars)"
	if alive "$h" alertmanager; then kill -HUP "$(cat "$(pidfile "$h" alertmanager)")"; return 0; fi
	spawn "$h" alertmanager prometheus-alertmanager --config.file="$d/alertmanager.yml" \
		--storage.path="$d/data" --web.listen-address="$(addr_of "$h"):9093" --cluster.listen-address= \
		--web.external-url="http://$(addr_of "$h"):9093/"
}

# One exporter for every redis instance (/scrape?target=...), as the ACL
# user monitor, which can read INFO and CLUSTER and nothing else. It would
# log in to any target a request names, so it listens on the monitor's
# loopback only. CONFIG GET is not granted (it shows requirepass): the
# exporter asks INFO instead; no client name either (CLIENT SETNAME).
start_redis_exporter() {
	spawn "$1" redis-exporter env REDIS_USER=monitor REDIS_PASSWORD="$(monitor_password)" \
		prometheus-redis-exporter -web.listen-address=127.0.0.1:9121 -redis.addr= \
		-set-client-name=false -config-command=INFO -connection-timeout=2s
}

start_blackbox() {
	local h=$1 d=$STATE/$1/blackbox
	mkdir -p "$d"
	render blackbox.yml.j2 "$h" "$d/blackbox.yml" "$(monitor_vars)"
	spawn "$h" blackbox prometheus-blackbox-exporter --config.file="$d/blackbox.yml" \
		--web.listen-address="$(addr_of "$h"):9115"
}

promql() { # QUERY: the monitor's answer, one "LABELS VALUE" line per series
	in_ns monitor curl -sf --max-time 5 --data-urlencode "query=$1" \
		"http://$(addr_of monitor):9090/api/v1/query" |
		jq -r '.data.result[] | "\(.metric | to_entries | map("\(.key)=\(.value)") | join(",")) \(.value[1])"'
}

# lab status: the site's availability as the users see it, since up: the
# share of the client's probes through every VIP that got the site.
site_availability_line() {
	local since secs v
	alive monitor prometheus 2>/dev/null || return 0
	since=$(cat "$STATE/up-since" 2>/dev/null) || return 0
	secs=$(($(date +%s) - since))
	[ "$secs" -ge 10 ] || secs=10
	v=$(promql "avg(avg_over_time(probe_success{job=\"site\"}[${secs}s]))" 2>/dev/null | awk '{print $NF}')
	if [ -z "$v" ]; then
		echo "site availability since up: no probes yet (Prometheus http://$(addr_of monitor):9090/)"
		return 0
	fi
	printf 'site availability since up (%dh%02dm): %s %% of probes through every VIP (dashboard: http://%s:9090/consoles/vipd.html)\n' \
		$((secs / 3600)) $((secs % 3600 / 60)) "$(awk -v v="$v" 'BEGIN { printf "%.3f", v * 100 }')" "$(addr_of monitor)"
}
