#!/bin/bash
# 45-backup.sh - continuous archiving and point-in-time restore, the drill
# of issue 14: three host namespaces (10.99.45.11-13) with two redis-server
# each make one cluster; clusterctl archive runs in the client namespace as
# an ACL user that may replicate but not write. A writer makes durable
# writes (each acknowledged by a replica: WAIT 1) of unique keys and logs
# when each started and when it was acknowledged. During the run a master
# is SIGKILLed (failover; it comes back as a replica and heal fails the
# master back over), host 2 is destroyed and rebuilt (clusterctl add, heal),
# and the archive is restarted. Then the accident: FLUSHALL on every master
# in second T. clusterctl restore --at T-1s into six new empty nodes holds
# every write acknowledged before T-1 with its value (a hash, a list and an
# expiry too) and none started after it. Then
# every source node is SIGKILLed, and restore --latest loses no write
# acknowledged more than 1 s before the kill. backups --json shows the
# window and its gaps; bad input (TIME malformed, outside the window, in a
# gap; non-empty targets; an unreadable archive) gets one line and a
# non-zero exit, and the target nodes stay as they were.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/redis.sh"
second_suite_only "one run is enough"

PROBE=${CLUSTER_PROBE:-$BUILD/tests/tools/cluster-probe}
cluster_test_begin c45 10.99.45 3
[ -x "$CLUSTERCTL" ] || skip_all "no clusterctl at $CLUSTERCTL (make first)"
[ -x "$PROBE" ] || skip_all "no cluster-probe at $PROBE (make tests-build first)"
command -v redis-check-aof >/dev/null || skip_all "redis-check-aof is not installed"

ARCH=$TOPO_DIR/archive
SEEDS="$NET.11:6379,$NET.12:6379,$NET.13:6379,$NET.11:6380,$NET.12:6380,$NET.13:6380"
# The archive's user: replication and reading the cluster's shape, no data
# commands at all.
ACL=(--user archiver on '>archpw' +psync +replconf +ping '+cluster|nodes' +info)

src_start() { redis_start "$1" "$2" "${ACL[@]}"; }

host_destroy() { # H: both instances SIGKILLed, their data gone
	local port
	for port in 6379 6380; do
		topo_kill "${PID[$1:$port]}" KILL
		rm -rf "$TOPO_DIR/r$1-$port"
	done
}

# "ip:port" of every master serving slots, seen from H PORT.
masters() { rcli "$1" "$2" cluster nodes | awk '$3 ~ /master/ && $3 !~ /fail/ && NF > 8 { sub(/@.*/, "", $2); print $2 }'; }

archive_start() {
	topo_spawn "${P}c" "$TOPO_DIR/archive.log" env CLUSTERCTL_AUTH=archpw "$CLUSTERCTL" archive \
		--to "$ARCH" --user archiver "$NET.11:6379" "$NET.12:6379" "$NET.13:6379"
	ARCHIVER=$TOPO_LAST_PID
}
archive_stop() { # exit status of the archive
	kill -TERM "$ARCHIVER"
	wait "$ARCHIVER"
}

backups_json() { cctl backups --from "$ARCH" --json 2>/dev/null; }
restorable() { [ "$(backups_json | jq -r .restorable)" = true ]; }
latest_at_least() { [ "$(backups_json | jq -r '.latest // 0')" -ge "$1" ]; }

# The writer: one cluster-probe session; per durable SET of key:N (one
# replica, 1 s) a line "<started> <acknowledged> <N> <reply>", the times
# unix seconds with microseconds. About 50 writes a second.
writer_start() { # LOG
	topo_spawn "${P}c" "$1" bash -c '
		exec 3<> <(:)
		coproc W { exec "$0" -c 300 -t 1000 "$1" -; }
		i=0
		while :; do
			i=$((i + 1))
			t0=$EPOCHREALTIME
			echo "durable key:$i val:$i 1 1000" >&"${W[1]}"
			IFS= read -r line <&"${W[0]}" || exit 1
			echo "$t0 $EPOCHREALTIME $i $line"
			read -r -t 0.02 _ <&3
		done' "$PROBE" "$SEEDS"
	WRITER=$TOPO_LAST_PID
}
acked_after() { awk -v t="$2" '$2 > t && $5 == "acked=1" && $6 == "reply=status:OK" { f = 1 } END { exit !f }' "$1"; }

# Read keys back from a cluster: "get key:N" lines in, "N ok string:val:N"
# or "N ok nil" out.
read_keys() { # SEEDS FILE-OF-N
	sed 's/^/get key:/' "$2" | topo_exec "${P}c" "$PROBE" "$1" - | paste -d' ' "$2" -
}

# --- the source cluster, the archive, the writer ------------------------------
for h in 1 2 3; do for port in 6379 6380; do src_start $h $port; done; done
for h in 1 2 3; do for port in 6379 6380; do
	ok "redis $NET.1$h:$port answers" wait_until 10 pong $h $port
done; done
out=$(cctl create --replicas 1 $NET.1{1,2,3}:6379 $NET.1{1,2,3}:6380 2>&1)
rc=$?
check "$rc -eq 0" "create: 3 hosts x 2 instances"
[ $rc -eq 0 ] || { diag "$out"; bail_out "no cluster"; }

out=$(rcli 1 6379 --user archiver --pass archpw set probe 1 2>&1)
has "$out" "NOPERM" "the archive's user cannot write"
out=$(rcli 1 6379 --user archiver --pass archpw get probe 2>&1)
has "$out" "NOPERM" "...nor read keys"

archive_start
ok "the archive is restorable within 20 s" wait_until 20 restorable
is "$(backups_json | jq '.histories | length')" 3 "one history per master"

writer_start "$TOPO_DIR/writer.log"
ok "the writer gets acknowledged writes" wait_until 10 eval "grep -q 'acked=1' '$TOPO_DIR/writer.log'"
sleep 2

# --- a master killed: failover; the node comes back as a replica --------------
victim=$(masters 1 6379 | head -1)
vh=${victim%:*}; vh=${vh##*.}; vh=${vh#1}; vport=${victim##*:}
t_kill=$(date +%s.%N)
topo_kill "${PID[$vh:$vport]}" KILL
ok "writes resume after the master $victim is killed" wait_until 20 acked_after "$TOPO_DIR/writer.log" "$t_kill"
ok "the archive follows the promoted replica" wait_until 20 \
	eval "grep -q 'continues it under replid' '$TOPO_DIR/archive.log'"
src_start "$vh" "$vport"
ok "$victim is back" wait_until 10 pong "$vh" "$vport"
# One master per host again (heal fails the master back over: the
# archive follows that too), so that losing a host loses one master.
back_as_replica() { rcli "$vh" "$vport" cluster nodes | grep -q 'myself,slave'; }
ok "$victim rejoins as a replica" wait_until 20 back_as_replica
out=$(cctl heal "$NET.11:6379" 2>&1)
rc=$?
check "$rc -eq 0" "heal puts one master on each host ($rc)"
[ $rc -eq 0 ] || diag "$out"
sleep 2

# --- host 2 destroyed and rebuilt, added, healed --------------------------------
t_kill=$(date +%s.%N)
host_destroy 2
ok "writes resume after host 2 is destroyed" wait_until 20 acked_after "$TOPO_DIR/writer.log" "$t_kill"
# Rebuild only once host 2's slots are served elsewhere: a fresh node
# answering at a dead master's address before then would be taken for it
# by its replica, which would copy the empty node and lose every key.
failed_over() {
	rcli 1 6379 cluster nodes | awk -v h="$NET.12:" 'index($2, h) == 1 && NF > 8 { bad++ } END { exit bad > 0 }' &&
		state_ok 1 6379
}
ok "host 2's slots failed over to other hosts, cluster ok" wait_until 30 failed_over
src_start 2 6379
src_start 2 6380
ok "rebuilt host 2 answers" wait_until 10 eval 'pong 2 6379 && pong 2 6380'
out=$(cctl add "$NET.12:6379" "$NET.12:6380" --to "$NET.11:6379" 2>&1)
rc=$?
check "$rc -eq 0" "add joins the rebuilt nodes ($rc)"
[ $rc -eq 0 ] || diag "$out"
out=$(cctl heal "$NET.11:6379" 2>&1)
rc=$?
check "$rc -eq 0" "heal balances the masters again ($rc)"
[ $rc -eq 0 ] || diag "$out"

# --- the archive restarted --------------------------------------------------------
sleep 2
archive_stop
rc=$?
check "$rc -eq 0" "archive exits 0 on SIGTERM ($rc)"
sleep 1.5
archive_start
ok "the restarted archive resumes its histories" wait_until 10 \
	eval "[ \$(grep -c 'resumes at offset' '$TOPO_DIR/archive.log') -ge 3 ]"
# Other types and an expiry, which DUMP and RESTORE must carry over.
rcli 1 6379 -c set ttl:key tv EX 3600 >/dev/null
rcli 1 6379 -c hset hash:key f hv >/dev/null
rcli 1 6379 -c rpush list:key a b c >/dev/null
sleep 3

# The cluster itself kept every acknowledged write through all this.
awk '$4 == "ok" && $5 == "acked=1" && $6 == "reply=status:OK" { print $3 }' "$TOPO_DIR/writer.log" >"$TOPO_DIR/acked"
read_keys "$SEEDS" "$TOPO_DIR/acked" >"$TOPO_DIR/acked.got"
n=$(wc -l <"$TOPO_DIR/acked")
good=$(awk '$3 == "string:val:" $1' "$TOPO_DIR/acked.got" | wc -l)
check "$good -eq $n" "the live cluster holds every acknowledged write before the accident ($good of $n)"

# --- the accident: FLUSHALL on every master, in second T ---------------------------
# The archive keeps the second each write arrived in, so a restore is cut
# at a second: the accident is made right after one begins, and T-1 is a
# whole second.
while [ "${EPOCHREALTIME#*.}" -gt 050000 ]; do sleep 0.01; done
T=${EPOCHREALTIME%.*}
for m in $(masters 1 6379); do
	topo_exec "${P}c" redis-cli -h "${m%:*}" -p "${m##*:}" flushall >/dev/null
done
sleep 3
ok "the archive covers the accident" wait_until 10 latest_at_least "$T"
json=$(backups_json)
at=$(date -u -d "@$((T - 1))" +%Y-%m-%dT%H:%M:%SZ)
diag "accident at $T; restoring to $at ($((T - 1)))"

# --- restore --at T-1s into six new empty nodes -------------------------------------
out=$(cctl restore --from "$ARCH" --at "$at" --check $NET.1{1,2,3}:6379 $NET.1{1,2,3}:6380 2>&1)
rc=$?
check "$rc -eq 0" "restore --check answers from the archive alone, the source nodes full as they are ($rc)"
has "$out" "no node was touched" "...and says so"

for h in 1 2 3; do for port in 7379 7380; do redis_start $h $port; done; done
for h in 1 2 3; do for port in 7379 7380; do wait_until 10 pong $h $port; done; done
t0=$(date +%s%N)
out=$(cctl restore --from "$ARCH" --at "$at" $NET.1{1,2,3}:7379 $NET.1{1,2,3}:7380 2>&1)
rc=$?
check "$rc -eq 0" "restore --at T-1s builds a new cluster ($rc, $(( ($(date +%s%N) - t0) / 1000000 )) ms)"
diag "$out"
NEW="$NET.11:7379,$NET.12:7379,$NET.13:7379"
awk -v t=$((T - 1)) '$2 < t && $4 == "ok" && $5 == "acked=1" && $6 == "reply=status:OK" { print $3 }' \
	"$TOPO_DIR/writer.log" >"$TOPO_DIR/before"
awk -v t=$((T - 1)) '$1 > t { print $3 }' "$TOPO_DIR/writer.log" >"$TOPO_DIR/after"
read_keys "$NEW" "$TOPO_DIR/before" >"$TOPO_DIR/before.got"
read_keys "$NEW" "$TOPO_DIR/after" >"$TOPO_DIR/after.got"
n=$(wc -l <"$TOPO_DIR/before")
good=$(awk '$3 == "string:val:" $1' "$TOPO_DIR/before.got" | wc -l)
check "$n -gt 500 -a $good -eq $n" "every write acknowledged before T-1s is there with its value ($good of $n)"
[ "$good" -eq "$n" ] || awk '$3 != "string:val:" $1' "$TOPO_DIR/before.got" | head -5 | sed 's/^/# missing: /'
n=$(wc -l <"$TOPO_DIR/after")
none=$(awk '$3 == "nil"' "$TOPO_DIR/after.got" | wc -l)
check "$n -gt 100 -a $none -eq $n" "no write started after T-1s is there ($none of $n absent)"
[ "$none" -eq "$n" ] || awk '$3 != "nil"' "$TOPO_DIR/after.got" | head -5 | sed 's/^/# present: /'
ok "the restored cluster is healthy" eval "cctl check $NET.11:7379 >/dev/null"
is "$(rcli 1 7379 -c hget hash:key f) $(rcli 1 7379 -c lrange list:key 0 -1 | tr '\n' ' ')" "hv a b c " \
	"a hash and a list come back"
ttl=$(rcli 1 7379 -c pttl ttl:key)
check "${ttl:-0} -gt 3500000 -a ${ttl:-0} -le 3600000" "an expiry comes back as the same moment ($ttl ms left)"

# --- what backups says -----------------------------------------------------------------
earliest=$(jq -r .earliest <<<"$json")
latest=$(jq -r .latest <<<"$json")
check "$earliest -lt $((T - 1)) -a $latest -ge $T" "backups: the window $earliest..$latest holds T-1s"
is "$(jq '.histories | length' <<<"$json")" 3 \
	"failover, rebuilt host, heal and restart continued the same 3 histories (no new base copy)"
is "$(jq -c '[.gaps[] | select(.kind != "blind")]' <<<"$json")" "[]" \
	"backups: no gap lost writes (only seconds whose writes arrived late)"
is "$(jq -c --argjson t $((T - 1)) '[.gaps[] | select(.from <= $t and $t <= .to)]' <<<"$json")" "[]" \
	"backups: T-1s is in no gap"
diag "gaps: $(jq -c '[.gaps[] | {slots, from, to, kind}]' <<<"$json")"
fields() {
	jq -e '(.ranges | length) >= 1 and all(.ranges[]; .earliest and .latest) and
	       all(.histories[]; .master and .size > 0) and
	       all(.histories[] | select(.closed == null); .lag_seconds < 5)' <<<"$json" >/dev/null
}
ok "backups --json: every range and history has its fields" fields
out=$(cctl backups --from "$ARCH")
has "$out" "Restorable:" "backups: the window in text"

# --- bad input: one line, non-zero exit, nothing changed ---------------------------------
for h in 1 2 3; do for port in 8379 8380; do redis_start $h $port; done; done
for h in 1 2 3; do for port in 8379 8380; do wait_until 10 pong $h $port; done; done
EMPTY=($NET.1{1,2,3}:8379 $NET.1{1,2,3}:8380)
untouched() {
	local h port
	for h in 1 2 3; do for port in 8379 8380; do
		[ "$(rcli $h $port dbsize)" = 0 ] && [ "$(rcli $h $port cluster nodes | wc -l)" = 1 ] || return 1
	done; done
}
refused() { # DESC WANT-RC TEXT ARGS...: one line, that exit status, that text
	local desc=$1 want=$2 text=$3 out rc
	shift 3
	out=$(cctl restore "$@" 2>&1)
	rc=$?
	check "$rc -eq $want" "$desc: exit $want ($rc)"
	is "$(wc -l <<<"$out")" 1 "$desc: one line" || diag "$out"
	has "$out" "$text" "$desc: says why"
}
refused "unknown TIME format" 3 "not a time" --from "$ARCH" --at yesterday "${EMPTY[@]}"
refused "TIME outside the window" 1 "outside the restorable window" --from "$ARCH" \
	--at $((earliest - 3600)) "${EMPTY[@]}"
gap=$(jq -r '[.gaps[] | select(.to >= .from)][0].from // empty' <<<"$json")
if [ -n "$gap" ]; then
	refused "TIME in a gap" 1 "falls in a gap" --from "$ARCH" --at "$gap" "${EMPTY[@]}"
else
	skip "TIME in a gap" "the archive recorded no gap this run"
fi
refused "non-empty target nodes" 1 "nothing was changed" --from "$ARCH" --at "$at" $NET.1{1,2,3}:7379 $NET.1{1,2,3}:7380
refused "an unreadable archive directory" 1 "Not a directory" --from "$TOPO_DIR/writer.log" \
	--at "$at" "${EMPTY[@]}"
ok "the empty target nodes are untouched" untouched
ok "the restored cluster still holds its keys" eval "[ \$(rcli 1 7379 dbsize) -gt 0 ]"

# --- every source node lost: restore --latest ----------------------------------------------
sleep 3
for m in "${!PID[@]}"; do
	case $m in *:6379|*:6380) topo_kill "${PID[$m]}" KILL ;; esac
done
K=$EPOCHREALTIME
sleep 3
topo_kill "$WRITER"
out=$(cctl restore --from "$ARCH" --latest "${EMPTY[@]}" 2>&1)
rc=$?
check "$rc -eq 0" "restore --latest after every source node is lost ($rc)"
diag "$out"
LATEST="$NET.11:8379,$NET.12:8379,$NET.13:8379"
awk -v t="$T" -v k="$K" '$1 > t + 1 && $2 < k - 1 && $4 == "ok" && $5 == "acked=1" && $6 == "reply=status:OK" { print $3 }' \
	"$TOPO_DIR/writer.log" >"$TOPO_DIR/last"
read_keys "$LATEST" "$TOPO_DIR/last" >"$TOPO_DIR/last.got"
n=$(wc -l <"$TOPO_DIR/last")
good=$(awk '$3 == "string:val:" $1' "$TOPO_DIR/last.got" | wc -l)
check "$n -gt 100 -a $good -eq $n" "--latest: no write acknowledged more than 1 s before the loss is lost ($good of $n)"
[ "$good" -eq "$n" ] || awk '$3 != "string:val:" $1' "$TOPO_DIR/last.got" | head -5 | sed 's/^/# missing: /'
read_keys "$LATEST" "$TOPO_DIR/before" >"$TOPO_DIR/flushed.got"
n=$(wc -l <"$TOPO_DIR/before")
none=$(awk '$3 == "nil"' "$TOPO_DIR/flushed.got" | wc -l)
check "$none -eq $n" "--latest: what the accident deleted stays deleted ($none of $n)"

archive_stop
rc=$?
check "$rc -eq 0" "archive exits 0 on SIGTERM with every source gone ($rc)"
grep -E 'GAP|follows|continues it under|caught up|resumes' "$TOPO_DIR/archive.log" | sed 's/^/# /' | head -40

[ "$TAP_FAILED" -eq 0 ] || for f in "$TOPO_DIR"/archive.log "$TOPO_DIR"/writer.log; do
	echo "# ---- ${f##*/} (last 15 lines)"
	tail -n 15 "$f" | sed 's/^/#   /'
done
topo_destroy
tap_done
