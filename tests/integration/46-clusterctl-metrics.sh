#!/bin/bash
# 46-clusterctl-metrics.sh - clusterctl watch --metrics and archive
# --metrics against a real cluster: three host namespaces (10.99.46.11-13)
# with two redis-server each, created with a label per host (redis01..03).
# clusterctl watch and clusterctl archive run in the client namespace and
# serve GET /metrics on its loopback (ports 9746 and 9747, used by no other
# test); curl scrapes them there and promtool checks every scrape.
#   - a malformed --metrics is a usage error (3); a port in use, exit 1
#     with the address named;
#   - after create: verdict healthy, one master per domain, no slot failing;
#   - the archive: one link up per master, no lag, lag back to 0 after
#     writes, the last write's time;
#   - a master's redis SIGKILLed: verdict degraded and its domain at 0
#     masters, the archive counts the broken link; the node restarted, the
#     watcher heals: each heal decision counted under its reason (as many
#     as the watcher logged), the lease held while it healed (a sampler
#     scrapes every 0.1 s), healthy again, the archive's links up again.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/redis.sh"
second_suite_only "one run is enough"

PROBE=${CLUSTER_PROBE:-$BUILD/tests/tools/cluster-probe}
cluster_test_begin c46 10.99.46 3
[ -x "$CLUSTERCTL" ] || skip_all "no clusterctl at $CLUSTERCTL (make first)"
[ -x "$PROBE" ] || skip_all "no cluster-probe at $PROBE (make tests-build first)"
command -v curl >/dev/null || skip_all "curl is not installed"
command -v promtool >/dev/null || skip_all "promtool is not installed (apt-get install prometheus)"

WPORT=9746 # watch's metrics, on the client namespace's loopback
APORT=9747 # archive's
ARCH=$TOPO_DIR/archive
SEEDS="$NET.11:6379,$NET.12:6379,$NET.13:6379"
LABELS=()
for h in 1 2 3; do for port in 6379 6380; do LABELS+=(--label "$NET.1$h:$port=redis0$h"); done; done
ACL=(--user archiver on '>archpw' +psync +replconf +ping '+cluster|nodes' +info)
src_start() { redis_start "$1" "$2" "${ACL[@]}"; }

scrape() { topo_exec "${P}c" curl -sS --max-time 5 "http://127.0.0.1:$1/metrics"; } # PORT
# The value of one series (NAME or NAME{LABELS}, as printed) in a scrape.
val() { scrape "$1" | awk -v k="$2" '$1 == k { print $2; f = 1 } END { exit !f }'; } # PORT SERIES
# A series' value v meets an awk condition: series_is PORT SERIES 'v == 0'.
series_is() { scrape "$1" | awk -v k="$2" '$1 == k { v = $2 + 0; f = 1 } END { exit !(f && ('"$3"')) }'; }
verdict() { series_is $WPORT "clusterctl_watch_check_verdict{verdict=\"$1\"}" 'v == 1'; }
masters_in() { val $WPORT "clusterctl_watch_masters{domain=\"$1\"}"; }
one_master_per_domain() { [ "$(masters_in redis01) $(masters_in redis02) $(masters_in redis03)" = "1 1 1" ]; }
promtool_ok() { # DESC TEXT: promtool check metrics passes, silently
	local out rc
	out=$(promtool check metrics <<<"$2" 2>&1)
	rc=$?
	ok "$1" eval '[ "$rc" = 0 ] && [ -z "$out" ]' || diag "exit $rc: $out"
}
# "ip:port" of every master serving slots, seen from H PORT.
masters() { rcli "$1" "$2" cluster nodes | awk '$3 ~ /master/ && $3 !~ /fail/ && NF > 8 { sub(/@.*/, "", $2); print $2 }'; }

for h in 1 2 3; do for port in 6379 6380; do src_start $h $port; done; done
for h in 1 2 3; do for port in 6379 6380; do
	ok "redis $NET.1$h:$port answers" wait_until 10 pong $h $port
done; done
out=$(cctl create --replicas 1 $NET.11:{6379,6380}@redis01 $NET.12:{6379,6380}@redis02 \
	$NET.13:{6379,6380}@redis03 2>&1)
rc=$?
check "$rc -eq 0" "create: 3 hosts x 2 instances, labelled redis01..03"
[ $rc -eq 0 ] || { diag "$out"; bail_out "no cluster"; }

# --- usage -------------------------------------------------------------------------
out=$(cctl watch --metrics 127.0.0.1 "$NET.11:6379" 2>&1)
rc=$?
check "$rc -eq 3" "watch --metrics without a port: usage error, exit 3 ($rc)"
has "$out" "--metrics '127.0.0.1'" "...naming what was given"
out=$(cctl archive --to "$ARCH" --metrics localhost:$APORT "$NET.11:6379" 2>&1)
rc=$?
check "$rc -eq 3" "archive --metrics with a host name: usage error, exit 3 ($rc)"
has "$out" "IPv4" "...saying an IPv4 address is wanted"
out=$(cctl heal --metrics 127.0.0.1:$WPORT "$NET.11:6379" 2>&1)
rc=$?
check "$rc -eq 3" "heal --metrics: usage error, exit 3 ($rc)"
ok "...and nothing listens" eval "! scrape $WPORT >/dev/null 2>&1"

# --- watch ---------------------------------------------------------------------------
topo_spawn "${P}c" "$TOPO_DIR/watch.log" "$CLUSTERCTL" watch --interval 1 --metrics 127.0.0.1:$WPORT \
	"${LABELS[@]}" "$NET.11:6379" "$NET.12:6379" "$NET.13:6379"
WATCHER=$TOPO_LAST_PID
ok "watch serves /metrics on 127.0.0.1:$WPORT" wait_until 10 eval "scrape $WPORT"
ok "...and says where" grep -q "metrics at http://127.0.0.1:$WPORT/metrics" "$TOPO_DIR/watch.log"
hdr=$(topo_exec "${P}c" curl -sS -D - -o /dev/null --max-time 5 "http://127.0.0.1:$WPORT/metrics")
has "$hdr" "Content-Type: text/plain; version=0.0.4" "GET /metrics is Prometheus text format 0.0.4"
is "$(topo_exec "${P}c" curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WPORT/")" 404 "GET / is a 404"
is "$(topo_exec "${P}c" curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$WPORT/metrics")" 405 \
	"POST /metrics is a 405"
out=$(topo_exec "${P}c" timeout 10 "$CLUSTERCTL" watch --metrics 127.0.0.1:$WPORT "$NET.11:6379" 2>&1)
rc=$?
check "$rc -eq 1" "a second watch on the same port exits 1 ($rc)"
has "$out" "cannot listen on 127.0.0.1:$WPORT" "...naming the address"

ok "verdict healthy after create" wait_until 10 verdict healthy
m=$(scrape $WPORT)
is "$(val $WPORT 'clusterctl_watch_check_verdict{verdict="degraded"}') $(val $WPORT 'clusterctl_watch_check_verdict{verdict="unreachable"}')" \
	"0 0" "...and not degraded nor unreachable"
ok "one master per failure domain: redis01, redis02, redis03" one_master_per_domain
is "$(grep -c '^clusterctl_watch_masters{' <<<"$m")" 3 "...three domains, no other series"
is "$(val $WPORT clusterctl_watch_slots_failing)" 0 "no slot failing"
is "$(val $WPORT clusterctl_watch_lease_held)" 0 "lease not held"
is "$(val $WPORT clusterctl_watch_interval_seconds)" 1 "interval 1 s"
ok "checks counted" series_is $WPORT clusterctl_watch_checks_total 'v >= 1'
now=$(date +%s)
ok "last check within 5 s" series_is $WPORT clusterctl_watch_last_check_timestamp_seconds "v > $now - 5 && v <= $now + 1"
like "$m" "*clusterctl_build_info{version=\"*\"} 1*" "build_info with the version"
promtool_ok "promtool check metrics passes (watch)" "$m"

# --- archive -------------------------------------------------------------------------
topo_spawn "${P}c" "$TOPO_DIR/archive.log" env CLUSTERCTL_AUTH=archpw "$CLUSTERCTL" archive --to "$ARCH" \
	--user archiver --metrics 127.0.0.1:$APORT "$NET.11:6379" "$NET.12:6379" "$NET.13:6379"
ARCHIVER=$TOPO_LAST_PID
ok "archive serves /metrics on 127.0.0.1:$APORT" wait_until 10 eval "scrape $APORT"
ok "one link up per master within 30 s" wait_until 30 \
	eval "series_is $APORT 'clusterctl_archive_links{state=\"up\"}' 'v == 3'"
is "$(val $APORT clusterctl_archive_masters) $(val $APORT 'clusterctl_archive_links{state="down"}')" "3 0" \
	"3 masters, no link down"
ok "no lag" series_is $APORT clusterctl_archive_lag_seconds 'v == 0'
t_write=$(date +%s)
out=$(topo_exec "${P}c" "$PROBE" "$SEEDS" batch w1 3000 2>&1)
has "$out" "ok batch 3000" "3000 writes"
archive_current() {
	series_is $APORT clusterctl_archive_lag_seconds 'v == 0' &&
		series_is $APORT clusterctl_archive_lag_bytes 'v == 0' &&
		series_is $APORT clusterctl_archive_last_write_timestamp_seconds "v >= $t_write"
}
ok "after the writes: the last write's time, lag 0 s and 0 bytes within 15 s" wait_until 15 archive_current
promtool_ok "promtool check metrics passes (archive)" "$(scrape $APORT)"
errors_before=$(val $APORT clusterctl_archive_errors_total)

# --- a master killed, restarted, healed ---------------------------------------------------
# The lease is held only while the watcher heals: a sampler scrapes every
# 0.1 s and logs the lease and the verdict.
topo_spawn "${P}c" "$TOPO_DIR/sampler.log" bash -c '
	while :; do
		curl -s --max-time 1 "http://127.0.0.1:$0/metrics" |
			awk -v t="$(date +%s.%N)" "/^clusterctl_watch_lease_held / { l = \$2 }
				/^clusterctl_watch_check_verdict/ && \$2 == 1 { v = \$1 } END { print t, \"lease=\" l, v }"
		sleep 0.1
	done' $WPORT
SAMPLER=$TOPO_LAST_PID
victim=$(masters 1 6379 | head -1)
vh=${victim%:*}; vh=${vh##*.}; vh=${vh#1}; vport=${victim##*:}
diag "killing master $victim (redis0$vh)"
topo_kill "${PID[$vh:$vport]}" KILL
ok "verdict degraded after the kill" wait_until 15 verdict degraded
ok "a failed node counted" series_is $WPORT clusterctl_watch_nodes_failed 'v >= 1'
live=1; [ "$vh" = 1 ] && live=2
failed_over() {
	rcli $live 6379 cluster nodes |
		awk -v a="$victim@" 'index($2, a) == 1 && $3 ~ /(^|,)fail(,|$)/ { f = 1 } END { exit !f }' &&
		[ "$(masters $live 6379 | wc -l)" = 3 ] && state_ok $live 6379
}
ok "redis failed $victim over" wait_until 30 failed_over
ok "its domain redis0$vh holds no master" wait_until 10 eval "[ \"\$(masters_in redis0$vh)\" = 0 ]"
ok "the archive counted the broken link" wait_until 10 \
	series_is $APORT clusterctl_archive_errors_total "v > $errors_before"
ok "the archive follows the promoted replica: 3 links up" wait_until 30 \
	eval "series_is $APORT 'clusterctl_archive_links{state=\"up\"}' 'v == 3'"
promtool_ok "promtool check metrics passes while degraded" "$(scrape $WPORT)"

src_start "$vh" "$vport"
ok "$victim is back" wait_until 10 pong "$vh" "$vport"
ok "the watcher heals: verdict healthy within 60 s" wait_until 60 verdict healthy
ok "one master per domain again" one_master_per_domain
topo_kill "$SAMPLER"
m=$(scrape $WPORT)
ok "a heal decision counted: failover" series_is $WPORT 'clusterctl_watch_heal_decisions_total{reason="failover"}' 'v >= 1'
# Each step's reason line, as heal_plan.c words it, is logged just before
# the step is counted.
decisions_logged() { # REASON
	local re
	case $1 in
	replicate) re='re-attach replica ' ;;
	forget) re='forget [^ ]+ [0-9a-f]+: ' ;;
	takeover) re='promote [^ ]+: its master ' ;;
	failover) re='failover to [^ ]+ \(' ;;
	esac
	grep -cE "clusterctl watch: $re" "$TOPO_DIR/watch.log"
}
for reason in replicate forget takeover failover; do
	logged=$(decisions_logged $reason)
	is "$(val $WPORT "clusterctl_watch_heal_decisions_total{reason=\"$reason\"}")" "$logged" \
		"heal decisions {reason=\"$reason\"}: as many as the watcher logged ($logged)"
done
ok "the sampler saw the lease held (lease_held 1)" grep -q 'lease=1 ' "$TOPO_DIR/sampler.log"
ok "...while the watcher logged it taken" grep -q 'lease .* taken' "$TOPO_DIR/watch.log"
ok "...and saw the verdict degraded" grep -q 'verdict="degraded"' "$TOPO_DIR/sampler.log"
is "$(val $WPORT clusterctl_watch_lease_held)" 0 "lease released after the heal"
# The heal may come before the node is back (a replica of the over-share
# domain's master sits in the victim's domain), and then leaves the
# cluster degraded by the failed node: either result counts.
heals="$(val $WPORT 'clusterctl_watch_heals_total{result="healthy"}') $(val $WPORT 'clusterctl_watch_heals_total{result="not_healthy"}')"
check "$(( ${heals% *} + ${heals#* } )) -ge 1" "heals under the lease counted (healthy, not healthy: $heals)"
is "$(grep -c 'heal finished' "$TOPO_DIR/watch.log")" "$(( ${heals% *} + ${heals#* } ))" "...as many as the watcher logged"
is "$(val $WPORT clusterctl_watch_slots_failing)" 0 "no slot failing"
promtool_ok "promtool check metrics passes after the heal (watch)" "$m"

ok "the archive: 3 links up, 3 masters" wait_until 30 \
	eval "series_is $APORT 'clusterctl_archive_links{state=\"up\"}' 'v == 3' && series_is $APORT clusterctl_archive_masters 'v == 3'"
t_write=$(date +%s)
out=$(topo_exec "${P}c" "$PROBE" "$SEEDS" batch w2 3000 2>&1)
has "$out" "ok batch 3000" "3000 more writes"
ok "...the archive's lag back to 0 within 15 s" wait_until 15 archive_current
promtool_ok "promtool check metrics passes after the heal (archive)" "$(scrape $APORT)"
diag "$(scrape $APORT | grep -v '^#')"

# --- stop -------------------------------------------------------------------------------
kill -TERM "$WATCHER" "$ARCHIVER"
wait "$WATCHER"
rc_w=$?
wait "$ARCHIVER"
rc_a=$?
check "$rc_w -eq 0 -a $rc_a -eq 0" "watch and archive exit 0 on SIGTERM ($rc_w, $rc_a)"
ok "...and nothing listens any more" eval "! scrape $WPORT >/dev/null 2>&1 && ! scrape $APORT >/dev/null 2>&1"

[ "$TAP_FAILED" -eq 0 ] || for f in "$TOPO_DIR"/watch.log "$TOPO_DIR"/archive.log "$TOPO_DIR"/sampler.log; do
	echo "# ---- ${f##*/} (last 20 lines)"
	tail -n 20 "$f" | sed 's/^/#   /'
done
topo_destroy
tap_done
