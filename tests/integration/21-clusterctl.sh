#!/bin/bash
# 21-clusterctl.sh - clusterctl create and check against real redis-server
# instances: three host namespaces (10.99.31.11-13) with two instances each
# (ports 6379 and 6380). create, over many orders of the same six nodes,
# always puts one master on each host and every replica on another host than
# its master; check agrees, and so does redis-cli read independently. Then
# one host dies (both instances SIGKILLed): check reports the failed nodes
# and the host left holding two masters. Bad input (unreachable seed,
# malformed address, wrong or missing password, a node already in a cluster)
# gets a clear message, the documented exit status, and changes nothing.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/redis.sh"

RUNS=12
cluster_test_begin c21 10.99.31 3
[ -x "$CLUSTERCTL" ] || skip_all "no clusterctl at $CLUSTERCTL (build it, or set VIPD_BUILD)"

NODES=()              # the six cluster nodes, "10.99.31.1h:port"





for h in 1 2 3; do
	for port in 6379 6380; do
		redis_start $h $port
		NODES+=("$NET.1$h:$port")
	done
done
for h in 1 2 3; do
	for port in 6379 6380; do
		ok "redis $NET.1$h:$port answers" wait_until 10 pong $h $port
	done
done

# Every node forgets the cluster: its keys, its peers, its slots, its id.
# A replica refuses FLUSHALL until RESET has made it a master again.
alone() {
	local h port
	for h in 1 2 3; do
		for port in 6379 6380; do
			[ "$(rcli $h $port cluster nodes | wc -l)" = 1 ] || return 1
			[ "$(rcli $h $port dbsize)" = 0 ] || return 1
		done
	done
}
reset_all() {
	local h port cmd
	for cmd in flushall "cluster reset hard" flushall; do
		for h in 1 2 3; do
			for port in 6379 6380; do
				# shellcheck disable=SC2086 # the command is several words
				rcli $h $port $cmd >/dev/null 2>&1
			done
		done
	done
	wait_until 10 alone
}

# The layout read straight from redis-cli, not from clusterctl: one line
# per master ("M ip:port") and replica ("S ip:port of ip:port"), sorted.
layout() {
	rcli 1 6379 cluster nodes | awk '
		{ split($2, a, "@"); addr[$1] = a[1]; flags[$1] = $3; of[$1] = $4; slots[$1] = NF - 8 }
		END {
			for (id in addr) {
				if (flags[id] ~ /master/ && slots[id] > 0) print "M " addr[id]
				if (flags[id] ~ /slave/) print "S " addr[id] " of " addr[of[id]]
			}
		}' | sort
}

# From that layout: three masters on three hosts, three replicas, each on
# another host than its master.
layout_sound() { # LAYOUT
	awk '
		function host(a) { sub(/:[0-9]+$/, "", a); return a }
		$1 == "M" { m++; per[host($2)]++ }
		$1 == "S" { r++; if (host($2) == host($4)) bad++ }
		END {
			for (h in per) { hosts++; if (per[h] != 1) bad++ }
			exit !(m == 3 && r == 3 && hosts == 3 && bad == 0)
		}' <<<"$1"
}

# --- create over many orders of the same six nodes -------------------------
RANDOM=21
orders=()
declare -A seen=()
while [ ${#orders[@]} -lt $RUNS ]; do
	seed=$RANDOM
	o=$(printf '%s\n' "${NODES[@]}" | awk -v seed=$seed 'BEGIN { srand(seed) } { print rand() "\t" $0 }' |
		sort | cut -f2 | tr '\n' ' ')
	[ -n "${seen[$o]:-}" ] && continue
	seen[$o]=1
	orders+=("$o")
done

create_logged() { # NAME ARGS...: clusterctl create, its output kept in $TOPO_DIR/create-NAME.out
	local name=$1; shift
	cctl create "$@" >"$TOPO_DIR/create-$name.out" 2>&1
}

first_layout=
for i in "${!orders[@]}"; do
	run=$((i + 1))
	order=${orders[$i]}
	failed_before=$TAP_FAILED
	if ! reset_all; then
		tap_fail "run $run: nodes reset"
		continue
	fi
	# shellcheck disable=SC2086
	# shellcheck disable=SC2086 # the order is six words
	ok "run $run: create --replicas 1 $order" create_logged $run --replicas 1 $order
	json=$(cctl check --json "$NET.11:6379")
	rc=$?
	check "$rc -eq 0" "run $run: check exits 0"
	v=$(jq '.violations | length' <<<"$json")
	masters=$(jq -c '[.domains[] | .masters]' <<<"$json")
	check "'$v' = 0 -a '$masters' = '[1,1,1]'" \
		"run $run: check --json: no anti-affinity violation, one master per host ($masters)"
	l=$(layout)
	ok "run $run: redis-cli agrees: one master per host, replicas on other hosts" layout_sound "$l"
	[ -z "$first_layout" ] && first_layout=$l
	check "'$(tr '\n' ' ' <<<"$l")' = '$(tr '\n' ' ' <<<"$first_layout")'" \
		"run $run: same layout as run 1, whatever the order"
	[ "$TAP_FAILED" -eq "$failed_before" ] || sed 's/^/# /' "$TOPO_DIR/create-$run.out" - <<<"$l"
done
check "\"$(grep -c '^M .*:6379$' <<<"$first_layout")\" = 3" "the masters are each host's first instance"
ok "create printed the layout per host" grep -q "^  $NET.13$" "$TOPO_DIR/create-1.out"

out=$(cctl check "$NET.12:6380")
rc=$?
check "$rc -eq 0" "check (text) exits 0 on the healthy cluster"
ok "...and says healthy" grep -qx healthy <<<"$out"

# --- bad input -------------------------------------------------------------
before=$(layout)
out=$(cctl check "$NET.100:6379" 2>&1)
rc=$?
check "$rc -eq 2" "check with an unreachable seed exits 2 ($rc)"
ok "...naming it" grep -q "$NET.100:6379: cannot connect" <<<"$out"

out=$(cctl create "$NET.11:6379" "$NET.12:6379" "$NET.13:63x79" 2>&1)
rc=$?
check "$rc -eq 3" "create with a malformed HOST:PORT exits 3 ($rc)"
ok "...quoting it" grep -q "'$NET.13:63x79'" <<<"$out"
out=$(cctl check nohost 2>&1)
rc=$?
check "$rc -eq 3" "check with a malformed HOST:PORT exits 3 ($rc)"

# A fresh node next to nodes of the running cluster: refused, nothing changes.
redis_start 1 6381
ok "fresh redis $NET.11:6381 answers" wait_until 10 pong 1 6381
out=$(cctl create --replicas 0 "$NET.11:6381" "$NET.12:6379" "$NET.13:6380" 2>&1)
rc=$?
check "$rc -eq 1" "create refuses nodes that are already in a cluster ($rc)"
ok "...naming them" grep -q "$NET.12:6379: already knows 5 other node(s)" <<<"$out"
ok "...and saying nothing changed" grep -q "nothing was changed" <<<"$out"
check "\"$(rcli 1 6381 cluster nodes | wc -l)\" = 1" "the fresh node still knows only itself"
ok "...and has no slots" eval "rcli 1 6381 cluster info | grep -q '^cluster_slots_assigned:0'"
check "'$(layout | tr '\n' ' ')' = '$(tr '\n' ' ' <<<"$before")'" "the running cluster is unchanged"

# Passwords: three more fresh nodes, all with requirepass.
redis_start 2 6381 --requirepass s3cret --masterauth s3cret
redis_start 3 6381 --requirepass s3cret --masterauth s3cret
rcli 1 6381 config set requirepass s3cret >/dev/null
ok "password-protected nodes answer" wait_until 10 eval \
	'pong 2 6381 -a s3cret && pong 3 6381 -a s3cret && pong 1 6381 -a s3cret'
pw_nodes=("$NET.11:6381" "$NET.12:6381" "$NET.13:6381")
out=$(cctl create --replicas 0 -a wrong "${pw_nodes[@]}" 2>&1)
rc=$?
check "$rc -eq 2" "create with a wrong password exits 2 ($rc)"
ok "...naming the node and the refusal" grep -q "$NET.12:6381: authentication failed: WRONGPASS" <<<"$out"
out=$(cctl create --replicas 0 "${pw_nodes[@]}" 2>&1)
rc=$?
check "$rc -eq 2" "create without the password exits 2 ($rc)"
ok "...saying a password is wanted" grep -q "$NET.13:6381: NOAUTH.*-a" <<<"$out"
check "\"$(rcli 2 6381 -a s3cret cluster nodes | wc -l)\" = 1" "...and nothing changed"
# A node alone but serving a slot is not empty either.
rcli 1 6381 -a s3cret cluster addslots 0 >/dev/null
out=$(cctl create --replicas 0 -a s3cret "${pw_nodes[@]}" 2>&1)
rc=$?
check "$rc -eq 1" "create refuses a node that serves slots ($rc)"
ok "...naming it" grep -q "$NET.11:6381: already serves 1 slot(s)" <<<"$out"
rcli 1 6381 -a s3cret cluster delslots 0 >/dev/null
ok "create with the right password works" \
	create_logged pw --replicas 0 -a s3cret --timeout 30 "${pw_nodes[@]}"
cctl check -a s3cret "$NET.11:6381" >/dev/null 2>&1
rc=$?
check "$rc -eq 1" "check -a: reachable, degraded (no replicas) ($rc)"
cctl check -a wrong "$NET.11:6381" >/dev/null 2>&1
rc=$?
check "$rc -eq 2" "check with a wrong password exits 2 ($rc)"

# --- one host dies -----------------------------------------------------------
check "\"$(cctl check --json "$NET.11:6379" | jq -r .status)\" = healthy" "healthy before the host dies"
topo_kill "${PID[3:6379]}" KILL
topo_kill "${PID[3:6380]}" KILL
# The replica of 10.99.31.13's master takes over once the others agree that
# it failed (node timeout 2 s, then an election).
failed_over() {
	rcli 1 6379 cluster nodes | awk '
		$3 ~ /(^|,)fail(,|$)/ { f++ }
		$3 ~ /master/ && $3 !~ /fail/ && NF > 8 { m++ }
		END { exit !(f == 2 && m == 3) }'
}
ok "the replicas take over (both dead nodes marked fail)" wait_until 30 failed_over
two=$(layout | awk '$1 == "M" { sub(/:[0-9]+$/, "", $2); n[$2]++ } END { for (h in n) if (n[h] == 2) print h }')
check "-n '$two'" "redis-cli: one host now holds two masters ($two)"

json=$(cctl check --json "$NET.11:6379")
rc=$?
check "$rc -eq 1" "check exits 1 (degraded) ($rc)"
check "'$(jq -c '.failed | sort' <<<"$json")' = '[\"$NET.13:6379\",\"$NET.13:6380\"]'" \
	"check --json lists both nodes of the dead host as failed"
check "'$(jq -c '.over_share' <<<"$json")' = '[\"$two\"]'" \
	"check --json names $two as holding more than its share of masters"
n=$(jq --arg h "$two" '.domains[] | select(.name == $h) | .masters' <<<"$json")
check "'$n' = 2" "...with two masters (fair share $(jq .fair_share <<<"$json"))"
out=$(cctl check "$NET.11:6379")
rc=$?
check "$rc -eq 1" "check (text) exits 1 too"
ok "...reporting $NET.13:6379 as failed" grep -q "$NET.13:6379 ($NET.13) is failed" <<<"$out"
ok "...and $two holding 2 masters" grep -q "failure domain $two holds 2 masters" <<<"$out"
out=$(cctl check "$NET.13:6379" 2>&1)
rc=$?
check "$rc -eq 2" "check seeded at a dead node exits 2 ($rc)"

[ "$TAP_FAILED" -eq 0 ] || for f in "$TOPO_DIR"/*.log; do
	echo "# ---- ${f##*/} (last 15 lines)"
	tail -n 15 "$f" | sed 's/^/#   /'
done
topo_destroy
tap_done
