#!/bin/bash
# 49-lab-monitor.sh - the monitor host of provisioning/lab, end to end:
#
#   1 lab up: Prometheus has every scrape target up (node exporter on every
#     host, vipd and newsd on every front-end, clusterctl watch on every
#     redis host, the archive, every redis instance through the exporter,
#     the site probed through every VIP); the project's own exporters pass
#     promtool check metrics; the redis exporter's ACL user cannot write
#   2 the dashboard in headless Chromium: every VIP with its holder, the
#     cluster ok, graphs drawn; a screenshot kept in tests/out
#   3 lab destroy redis02: RedisHostDown and RedisClusterDegraded fire
#     within a minute and Alertmanager mails them to the on-call address
#     through the lab's mail host; lab rebuild redis02 resolves both, and
#     the resolution is mailed too
#   4 lab halt front02, front03: FrontendDown fires for both, SiteDown never
#     (their VIPs move to front01: the users' site stays up); boot them
#   5 VRRP dropped on the lab's switch: every front-end becomes master of
#     every VIP and VipSplitBrain fires; the drop lifted, it resolves
#   6 lab status ends with the site's availability since up
#
# Runs once (second_suite_only: in the sanitize suite when tests/run builds
# one); beside an operator's lab: namespaces
# m49TAG-*, subnet 10.93.X, a state directory of its own.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tree=$(cd "$here/../.." && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"   # wait_until
. "$here/../lib/lab.sh"       # lab_need, lab_env, lab

second_suite_only "one lab run is enough"
lab_need ip redis-server nginx dnsmasq curl jq nft prometheus promtool prometheus-alertmanager \
	prometheus-redis-exporter prometheus-node-exporter prometheus-blackbox-exporter
lab_env m49 10.93
SW=${LAB_PREFIX}sw
MON=$LAB_BACK_NET.8

cleanup() {
	ip netns exec "$SW" nft delete table bridge splitbrain 2>/dev/null
	lab_finish lab-monitor
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Prometheus's answer to QUERY, one "label=value,... VALUE" line per series.
promql() {
	ip netns exec "${LAB_PREFIX}monitor" curl -sf --max-time 5 --data-urlencode "query=$1" \
		"http://$MON:9090/api/v1/query" |
		jq -r '.data.result[] | "\(.metric | to_entries | map("\(.key)=\(.value)") | join(",")) \(.value[1])"'
}
# The alerts firing now: "ALERTNAME label=value,..." lines, sorted.
firing() {
	promql 'ALERTS{alertstate="firing"}' |
		sed -E 's/(^|,)(alertstate|__name__)=[^,]*//g; s/^,//' |
		awk '{ n = $1; sub(/.*alertname=/, "", n); sub(/,.*/, "", n); print n, $1 }' | sort
}
firing_has() { firing | grep -qE "^$1 .*$2"; }   # ALERT [LABEL-REGEX]
firing_hasnt() { ! firing | grep -qE "^$1 "; }
# A mail to the on-call address, come since the last mail_mark, whose text
# matches every regex given.
mail_mark() { touch "$LAB_STATE.mark"; sleep 1; }
mail_has() {
	local f r
	for f in "$LAB_STATE"/mail/maildir/new/* "$LAB_STATE"/mail/maildir/cur/*; do
		[ -f "$f" ] && [ "$f" -nt "$LAB_STATE.mark" ] || continue
		grep -qi '^To:.*oncall@news.lab' "$f" || continue
		for r in "$@"; do grep -qE -- "$r" "$f" || continue 2; done
		return 0
	done
	return 1
}
# poll SECONDS CMD...: CMD succeeds within SECONDS (tried every second).
poll() {
	local end=$((SECONDS + $1)); shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || return 1
		sleep 1
	done
}
# wait_alert DESC SECONDS CMD...: CMD within SECONDS; the alerts shown if not.
wait_alert() {
	local desc=$1 secs=$2 t0=$SECONDS; shift 2
	if poll "$secs" "$@"; then
		tap_ok "$desc (after $((SECONDS - t0)) s)"
		return 0
	fi
	tap_fail "$desc"
	diag "  firing now:" "$(firing | sed 's/^/    /')"
	return 1
}

# ---- 1: up, every target up ---------------------------------------------------
if lab up >"$LAB_STATE.out" 2>&1; then
	tap_ok "lab up succeeds (namespaces $LAB_PREFIX*, $LAB_NET.0/24)"
else
	tap_fail "lab up succeeds"
	diag "$(tail -n 30 "$LAB_STATE.out")"
	bail_out "no lab"
fi
ready() { ip netns exec "${LAB_PREFIX}monitor" curl -sf --max-time 2 "http://$MON:9090/-/ready" >/dev/null; }
ok "Prometheus on the monitor host answers at $MON:9090" poll 30 ready
# Every job's targets, once each has been scraped.
jobs_up() {
	local want=$1
	[ "$(promql 'count(up == 1)' | awk '{print $NF}')" = "$want" ] &&
		[ -z "$(promql 'up == 0')" ]
}
# node: 13 hosts (the router too); vipd, newsd: 3; watch: 3; archive: 1;
# redis: 6; site: 3.
want_up=$((13 + 3 + 3 + 3 + 1 + 6 + 3))
if poll 60 jobs_up "$want_up"; then
	tap_ok "every scrape target is up ($want_up)"
else
	tap_fail "every scrape target is up ($want_up)"
	diag "  up by job:" "$(promql 'count by (job) (up == 1)' | sed 's/^/    /')" \
		"  down:" "$(promql 'up == 0' | sed 's/^/    /')"
fi
for j in node vipd newsd watch archive redis site; do
	n=$(promql "count(up{job=\"$j\"} == 1)" | awk '{print $NF}')
	check "${n:-0} -ge 1" "job $j: ${n:-0} target(s) up"
done
# The project's own exporters, as Prometheus reads them.
for t in "front01 $LAB_BACK_NET.21:9650 vipd" "front01 $LAB_BACK_NET.21:9651 newsd" \
	"redis01 $LAB_BACK_NET.11:9652 clusterctl-watch" "backup $LAB_BACK_NET.6:9653 clusterctl-archive"; do
	set -- $t
	body=$(ip netns exec "${LAB_PREFIX}monitor" curl -sf --max-time 5 "http://$2/metrics")
	msg=$(printf '%s\n' "$body" | promtool check metrics 2>&1)
	ok "$3 on $1 ($2) passes promtool check metrics" test -n "$body" -a -z "$msg" || diag "$msg"
done
is "$(promql 'count(vipd_instance_state{state="master"} == 1)' | awk '{print $NF}')" 3 \
	"Prometheus sees one master per VIP"
is "$(promql 'max by (domain) (clusterctl_watch_masters)' | grep -c ' 1$')" 3 \
	"clusterctl watch reports one master per redis host"
# The exporter's user reads INFO and CLUSTER, and cannot write.
ro=$(ip netns exec "${LAB_PREFIX}monitor" env REDISCLI_AUTH="$(cat "$LAB_STATE/monitor-password")" \
	redis-cli --user monitor -h "$LAB_BACK_NET.11" -p 6379 set monitor-probe x 2>&1)
like "$ro" "*NOPERM*" "the exporter's ACL user monitor cannot write"
is "$(firing)" "" "nothing fires on a healthy lab"

# ---- 2: the dashboard -------------------------------------------------------------
if command -v node >/dev/null && [ -d "$tree/tests/browser/node_modules" ] && command -v chromium >/dev/null; then
	shot=$out/dashboard$TAG.png
	# A few scrapes for the graphs to draw.
	sleep 15
	res=$(ip netns exec "${LAB_PREFIX}monitor" node "$tree/tests/browser/dashboard.mjs" \
		"http://$MON:9090/consoles/vipd.html" "$shot" 2>&1)
	rc=$?
	ok "the dashboard in Chromium shows every VIP's holder, the cluster and graphs" \
		test "$rc" = 0 -a -n "$(grep '^ok' <<<"$res")" -a -z "$(grep '^not ok' <<<"$res")" || diag "$res"
	ok "the dashboard's screenshot is kept ($shot)" test -s "$shot"
else
	skip "the dashboard in Chromium" "node, chromium or tests/browser/node_modules missing"
	skip "the dashboard's screenshot" "node, chromium or tests/browser/node_modules missing"
fi

# ---- 3: a redis host lost -----------------------------------------------------------
mail_mark
lab destroy redis02 >/dev/null 2>&1
wait_alert "lab destroy redis02: RedisHostDown fires for redis02" 75 firing_has RedisHostDown 'host=redis02'
wait_alert "...and RedisClusterDegraded fires" 75 firing_has RedisClusterDegraded
wait_alert "...and both are mailed to oncall@news.lab through the mail host" 60 \
	mail_has '^Subject: \[FIRING:[0-9]+\] RedisHostDown .*redis02'
wait_alert "...RedisClusterDegraded's mail too" 60 mail_has '^Subject: \[FIRING:[0-9]+\] RedisClusterDegraded'
mail_mark
lab rebuild redis02 >"$LAB_STATE.out" 2>&1 || diag "$(tail -n 20 "$LAB_STATE.out")"
wait_alert "lab rebuild redis02: RedisHostDown resolves" 120 firing_hasnt RedisHostDown
wait_alert "...and RedisClusterDegraded resolves" 120 firing_hasnt RedisClusterDegraded
wait_alert "...and the resolution is mailed" 60 mail_has '^Subject: \[RESOLVED\] RedisHostDown .*redis02'

# ---- 4: two front-ends halted -----------------------------------------------------
lab halt front02 >/dev/null 2>&1
lab halt front03 >/dev/null 2>&1
wait_alert "lab halt front02, front03: FrontendDown fires for front02" 75 firing_has FrontendDown 'host=front02'
wait_alert "...and for front03" 30 firing_has FrontendDown 'host=front03'
# SiteDown needs a probe failing through a VIP: none fails, front01 took
# them all. Watched over its own "for" and then some.
site=
for _ in $(seq 1 20); do
	site=$(promql 'ALERTS{alertname="SiteDown"}')
	[ -z "$site" ] || break
	sleep 2
done
is "$site" "" "...SiteDown neither pending nor firing for 40 s: the site stayed up"
is "$(promql 'min(probe_success{job="site"})' | awk '{print $NF}')" 1 "...every VIP's probe succeeds"
lab boot front02 >/dev/null 2>&1
lab boot front03 >/dev/null 2>&1
wait_alert "lab boot front02, front03: FrontendDown resolves" 90 firing_hasnt FrontendDown

# ---- 5: split brain ------------------------------------------------------------
# vipd captures adverts with libpcap, before a host's own input rules: the
# drop has to be on the switch, where the bridge forwards them.
ip netns exec "$SW" nft -f - <<'NFT'
table bridge splitbrain {
	chain forward {
		type filter hook forward priority 0; policy accept;
		ip protocol vrrp drop
	}
}
NFT
wait_alert "VRRP dropped on the switch: VipSplitBrain fires for VIP 200" 75 firing_has VipSplitBrain 'vip=200'
ip netns exec "$SW" nft delete table bridge splitbrain
wait_alert "the drop lifted: VipSplitBrain resolves" 90 firing_hasnt VipSplitBrain

# ---- 6: lab status ------------------------------------------------------------
st=$(lab status)
ok "lab status ends with the site's availability since up" \
	grep -qE "^site availability since up \([0-9]+h[0-9]+m\): [0-9.]+ % " <<<"$(tail -n 1 <<<"$st")" || diag "$st"

tap_done
