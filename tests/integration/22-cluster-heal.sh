#!/bin/bash
# 22-cluster-heal.sh - the redis-trib drill, done by clusterctl: three host
# namespaces (10.99.32.11-13), two redis-server instances each, made into a
# cluster by clusterctl create. A writer keeps making durable writes of
# numbered keys. Host 2 is destroyed (both instances SIGKILLed, data wiped):
# writes resume, check reports the failed nodes and the host left with two
# masters. Host 2 is rebuilt (fresh empty instances, same addresses), joined
# with clusterctl add and healed with clusterctl heal: one master per host,
# check healthy, every acknowledged key still there. Then the same loss
# with clusterctl watch running on every host and no manual heal: the
# watchers restore one master per host, one at a time (the lease). Last, a
# second host is lost and every slot still takes writes.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/redis.sh"

PROBE=${CLUSTER_PROBE:-$BUILD/tests/tools/cluster-probe}
cluster_test_begin c22 10.99.32 3
[ -x "$CLUSTERCTL" ] || skip_all "no clusterctl at $CLUSTERCTL (make first)"
[ -x "$PROBE" ] || skip_all "no cluster-probe at $PROBE (make tests-build first)"

declare -A WATCHER=() # h -> PID of its clusterctl watch
SEEDS="$NET.11:6379,$NET.12:6379,$NET.13:6379,$NET.11:6380,$NET.12:6380,$NET.13:6380"

# redis_start H PORT: one fresh cluster-enabled instance in host H's namespace.

# host_destroy H: both instances SIGKILLed, their data gone.
host_destroy() {
	local h=$1 port
	for port in 6379 6380; do
		topo_kill "${PID[$h:$port]}" KILL
		rm -rf "$TOPO_DIR/r$h-$port"
	done
}


# Masters with slots per host, from redis-cli seen at H PORT: "11:1 12:1 13:1".
masters_per_host() { # H PORT
	rcli "$1" "$2" cluster nodes | awk '
		$3 ~ /master/ && $3 !~ /fail/ && NF > 8 { split($2, a, ":"); n[a[1]]++ }
		END { for (h in n) { sub(/.*\./, "", h); } for (h in n) { x = h; sub(/.*\./, "", x); print x ":" n[h] } }' |
		sort | tr '\n' ' '
}
one_master_per_host() { [ "$(masters_per_host "$@")" = "11:1 12:1 13:1 " ]; }

start_hosts() {
	local h port
	for h in 1 2 3; do
		for port in 6379 6380; do redis_start $h $port; done
	done
	for h in 1 2 3; do
		for port in 6379 6380; do
			ok "redis $NET.1$h:$port answers" wait_until 10 pong $h $port
		done
	done
}

# The writer: durable SETs of key:N (one replica, 1 s), one line per try:
# "<ms> <N> ok acked=1 ..." or "<ms> <N> fail ...".
writer_start() { # LOG
	topo_spawn "${P}c" "$1" bash -c '
		i=0
		while :; do
			i=$((i + 1))
			r=$("$0" -c 300 -t 1000 "$1" durable "key:$i" "val:$i" 1 1000 2>&1 | head -1)
			echo "$(date +%s%3N) $i $r"
			sleep 0.02
		done' "$PROBE" "$SEEDS"
	WRITER=$TOPO_LAST_PID
}

# Every acknowledged key of a writer log read back through the client.
acked_readable() { # LOG
	local log=$1 want got
	awk '$3 == "ok" && $4 == "acked=1" && $5 == "reply=status:OK" { print "get key:" $2 }' "$log" >"$TOPO_DIR/gets"
	want=$(wc -l <"$TOPO_DIR/gets")
	topo_exec "${P}c" "$PROBE" "$SEEDS" - <"$TOPO_DIR/gets" >"$TOPO_DIR/got"
	got=$(grep -c '^ok string:val:' "$TOPO_DIR/got")
	echo "# $got of $want acknowledged keys read back"
	paste "$TOPO_DIR/gets" "$TOPO_DIR/got" | grep -v 'ok string:val:' | head -5 | sed 's/^/#   /' 
	[ "$want" -gt 0 ] && [ "$got" = "$want" ]
}

# A write ran after time T (ms).
wrote_after() { # LOG T
	awk -v t="$2" '$1 > t && $3 == "ok" { f = 1 } END { exit !f }' "$1"
}

start_hosts
out=$(cctl create --replicas 1 $NET.1{1,2,3}:6379 $NET.1{1,2,3}:6380 2>&1)
rc=$?
check "$rc -eq 0" "create: 3 hosts x 2 instances"
[ $rc -eq 0 ] || sed 's/^/# /' <<<"$out"
ok "one master per host" one_master_per_host 1 6379

# --- drill 1: destroy host 2, rebuild, add, heal ----------------------------
writer_start "$TOPO_DIR/writer1.log"
ok "the writer gets acknowledged writes" wait_until 10 \
	eval "grep -q 'acked=1' '$TOPO_DIR/writer1.log'"
sleep 1
t_kill=$(date +%s%3N)
host_destroy 2
ok "writes resume within node-timeout + 8 s" wait_until 10 wrote_after "$TOPO_DIR/writer1.log" "$t_kill"
failed_over() { rcli 1 6379 cluster nodes | awk '$3 ~ /(^|,)fail(,|$)/ { f++ } END { exit f != 2 }' && state_ok 1 6379; }
ok "both nodes of host 2 marked failed, cluster ok" wait_until 30 failed_over
json=$(cctl check --json "$NET.11:6379")
rc=$?
check "$rc -eq 1" "check exits 1 (degraded) ($rc)"
check "'$(jq -c '.failed | sort' <<<"$json")' = '[\"$NET.12:6379\",\"$NET.12:6380\"]'" \
	"check names the failed nodes of host 2"
two=$(jq -r '.over_share[0] // empty' <<<"$json")
check "-n '$two'" "check names the host holding two masters ($two)"
out=$(cctl check "$NET.11:6379")
ok "...in its text report too" grep -q "failure domain $two holds 2 masters" <<<"$out"

redis_start 2 6379
redis_start 2 6380
ok "rebuilt host 2 answers" wait_until 10 eval 'pong 2 6379 && pong 2 6380'
out=$(cctl add "$NET.12:6379" "$NET.12:6380" --to "$NET.11:6379" 2>&1)
rc=$?
check "$rc -eq 0" "add joins the rebuilt nodes ($rc)"
sed 's/^/# /' <<<"$out"
ok "...as replicas of masters on other hosts" grep -q "joins as replica of" <<<"$out"
out=$(cctl add "$NET.12:6379" --to "$NET.11:6379" 2>&1)
ok "add again: already a member, nothing done" grep -q "already a member" <<<"$out"
out=$(cctl heal "$NET.11:6379" 2>&1)
rc=$?
check "$rc -eq 0" "heal exits 0 ($rc)"
sed 's/^/# /' <<<"$out"
ok "heal forgot the dead nodes" grep -q "forget .*serves no slot" <<<"$out"
ok "heal failed over to a replica on host 2" grep -q "failover to $NET.12" <<<"$out"
ok "one master per host after heal" one_master_per_host 1 6379
cctl check "$NET.11:6379" >"$TOPO_DIR/check1.out" 2>&1
rc=$?
check "$rc -eq 0" "check exits 0 after heal ($rc)"
[ $rc -eq 0 ] || sed 's/^/# /' "$TOPO_DIR/check1.out"
ok "all slots take writes" eval "topo_exec ${P}c $PROBE $SEEDS allslots drill1 | grep -q '^ok allslots 16384'"
topo_kill "$WRITER"
ok "every acknowledged key is readable" acked_readable "$TOPO_DIR/writer1.log"

# --- drill 2: the same with clusterctl watch on every host ---------------------
watch_start() { # H
	topo_spawn "${P}r$1" "$TOPO_DIR/watch$1.log" "$CLUSTERCTL" watch --interval 1 \
		"$NET.1$1:6379" "$NET.11:6379" "$NET.12:6379" "$NET.13:6379"
	WATCHER[$1]=$TOPO_LAST_PID
}
for h in 1 2 3; do watch_start $h; done
writer_start "$TOPO_DIR/writer2.log"
sleep 3
ok "watchers see a healthy cluster" eval "grep -q 'healthy' '$TOPO_DIR/watch1.log'"
t_kill=$(date +%s%3N)
topo_kill "${WATCHER[2]}"
host_destroy 2
ok "writes resume within node-timeout + 8 s" wait_until 10 wrote_after "$TOPO_DIR/writer2.log" "$t_kill"
# Rebuild only once the cluster has failed host 2 over, as in drill 1: a
# fresh node answering at a dead node's address before then would make the
# others mark the dead one noaddr instead of failing it over.
# The watchers may already have forgotten host 2's failed nodes: here
# "failed over" means no live entry of host 2 is left and the state is ok.
failed_or_forgotten() {
	rcli 1 6379 cluster nodes | awk -v h="$NET.12:" 'index($2, h) == 1 && $3 !~ /(^|,)fail(,|$)/ { live++ } END { exit live > 0 }' &&
		state_ok 1 6379
}
ok "host 2 failed over, cluster ok" wait_until 30 failed_or_forgotten
redis_start 2 6379
redis_start 2 6380
ok "rebuilt host 2 answers" wait_until 10 eval 'pong 2 6379 && pong 2 6380'
out=$(cctl add "$NET.12:6379" "$NET.12:6380" --to "$NET.11:6379" 2>&1)
rc=$?
check "$rc -eq 0" "add joins the rebuilt nodes again ($rc)"
[ $rc -eq 0 ] || sed 's/^/# /' <<<"$out"
watch_start 2
t_synced=$(date +%s)
ok "watchers restore one master per host within 60 s, no manual heal" \
	wait_until 60 one_master_per_host 1 6379
echo "# balanced after $(( $(date +%s) - t_synced )) s"
ok "check healthy (watch healed)" wait_until 60 eval "cctl check $NET.11:6379 >/dev/null 2>&1"
grep -h 'lease' "$TOPO_DIR"/watch*.log | sed 's/^/# /'
# Lease windows from every log: "<taken> <released>" as UTC timestamps of
# one fixed width, so they order as strings; none may overlap.
lease_windows() {
	local f
	for f in "$TOPO_DIR"/watch*.log; do
		awk '/lease .* taken/ { t = $1 }
		     /lease .* (released|not released)/ && t != "" { print t, $1; t = "" }' "$f"
	done | sort
}
has_window() { [ -n "$(lease_windows)" ]; }
wait_until 30 has_window # the healer may still be finishing its last step
windows=$(lease_windows)
check "-n '$windows'" "some watcher took the lease and healed"
ok "heal windows never overlap: one watcher healed at a time" \
	awk 'NR > 1 && ("x" $1) < ("x" last) { bad = 1 } { last = $2 } END { exit bad }' <<<"$windows"
ok "the watcher logged its failover with a reason" \
	eval "grep -h 'failover to' '$TOPO_DIR'/watch*.log | grep -q 'fair share'"
topo_kill "$WRITER"
ok "every acknowledged key is readable" acked_readable "$TOPO_DIR/writer2.log"

# --- a second host lost: every slot still takes writes -------------------------
for port in 6379 6380; do topo_kill "${PID[3:$port]}" KILL; done
topo_kill "${WATCHER[3]}"
ok "after losing host 3 too, all slots take writes" wait_until 30 \
	eval "topo_exec ${P}c $PROBE $SEEDS allslots drill3 | grep -q '^ok allslots 16384'"

for h in 1 2 3; do topo_kill "${WATCHER[$h]}" TERM; done
ok "watch exits 0 on SIGTERM" eval "grep -q 'stopped by signal' '$TOPO_DIR/watch1.log'"

[ "$TAP_FAILED" -eq 0 ] || for f in "$TOPO_DIR"/*.log; do
	echo "# ---- ${f##*/} (last 15 lines)"
	tail -n 15 "$f" | sed 's/^/#   /'
done
topo_destroy
tap_done
