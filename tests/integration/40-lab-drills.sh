#!/bin/bash
# 40-lab-drills.sh - the failure drills of the first hand-built deployment,
# end to end on provisioning/lab, with client traffic running throughout:
#
#   1 lab up: every VIP answers, the cluster is healthy, one master per host
#   2 lab destroy redis02: the site keeps serving and takes new stories again
#     within cluster-node-timeout and a few seconds; no acknowledged story lost
#   3 lab rebuild redis02: it rejoins as replicas, one master per host again,
#     healthy; and clusterctl watch (no command given) undoes a master moved
#     by hand to a host that already has one
#   4 lab halt front02, front03: front01 holds and serves all three VIPs
#   5 lab boot front02, front03: each VIP back home, never two holders
#   6 vipctl giveup 200 on front01: 200 moves and still answers; resume: back
#  6b nginx stops on front01: its /healthz track fails, 200 moves and still
#     answers; lab up starts nginx again and 200 comes back once it passes
#   7 a logged-in user whose front-end is halted stays logged in
#   8 the reset-password mail reaches the lab's mail sink
#   9 headless chromium on the client opens https://news.lab/ by name
#  10 every story deleted by mistake (the writers stopped, a story written
#     after a second R): lab restore --at R rebuilds the cluster from the
#     backup host's archive; the site lists the same stories as before,
#     every acknowledged one readable, the later one gone
#
# The traffic: in the client host, one loop per VIP GETs / (curl --max-time 2),
# about five requests a second in all, and one loop submits a story every
# ~0.5 s through the API (rotating over the VIPs; each acknowledged news_id is
# logged) and now and then a comment. Each request is logged with the step it
# started in; the failures per step are printed as "# step N: ..." lines.
#
# Runs beside an operator's lab and beside the other suite of tests/run:
# namespaces e40TAG-*, subnet 10.97.X (X from TEST_NS_TAG), a state directory
# of its own. Needs root, redis-server, nginx, dnsmasq, python3 aiosmtpd, curl
# and jq; the browser item also node, npm and chromium (skipped without).
# On failure (or with KEEP_LOGS=1) the lab's and the traffic's logs are kept
# in tests/out/lab-drills-TAG/.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tree=$(cd "$here/../.." && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"   # wait_until
. "$here/../lib/lab.sh"       # lab_need, lab_env, lab
second_suite_only "one run is enough"

lab_need ip redis-server redis-cli nginx dnsmasq curl jq flock timeout awk
# One run per tag at a time (lab_env then removes what a killed run left).
exec {lock_fd}>"${TMPDIR:-/tmp}/vipd-lab-e40${TEST_NS_TAG:-}.lock"
flock -w 300 "$lock_fd" || echo "# another 40-lab-drills run with tag '${TEST_NS_TAG:-}' still holds the lock; going ahead"
lab_env e40 10.97
TR=$(mktemp -d "${TMPDIR:-/tmp}/e40$TAG-traffic.XXXXXX")   # the traffic's files
export TR TR_NET=$LAB_NET TR_AUTH='' TR_SECRET='' TR_TITLE="Drill story $TAG" TR_STAMP
TR_STAMP=$(date +%s)
TRAFFIC_PIDS=()
SAMPLER_PIDS=()
ANCHOR=tap   # where the run got to, for the failure logs

cl() { ip netns exec "${LAB_PREFIX}client" "$@"; }   # on the client host
now_us() { echo "${EPOCHREALTIME/./}"; }
secs_since() { local d=$(($(now_us) - $1)); printf '%d.%01d' $((d / 1000000)) $((d % 1000000 / 100000)); }
note() { printf '# %s\n' "$@"; }

# ---- looking at the lab -------------------------------------------------

vip_line() { lab status | grep "^VIP $LAB_NET\.$1 ($1) held by: "; }
holder_is() { lab status | grep -q "^VIP $LAB_NET\.$1 ($1) held by: $2 \$"; }   # VIP FRONT
# The VIP is held by exactly one front-end other than FRONT.
held_elsewhere() { vip_line "$1" | grep -qE "held by: front[0-9]+ \$" && ! holder_is "$1" "$2"; }
all_home() {
	local s i
	s=$(lab status)
	for i in 1 2 3; do
		grep -q "^VIP $LAB_NET\.$((199 + i)) ($((199 + i))) held by: front0$i \$" <<<"$s" || return 1
	done
}
one_master_per_host() { [ "$(lab status | grep -c '^cluster on redis0[1-3]: 1 master(s)')" -eq 3 ]; }
cluster_healthy() { lab exec redis01 clusterctl check "$LAB_BACK_NET.11:6379" >/dev/null 2>&1; }
http_code() { cl curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" 2>/dev/null; }
vip_200() { [ "$(http_code "https://$LAB_NET.$1/")" = 200 ]; }
all_vips_200() { vip_200 200 && vip_200 201 && vip_200 202; }

# The fronts holding VIP now (the same look as lab status's, faster).
holders_now() {
	local h o=
	for h in front01 front02 front03; do
		ip -n "$LAB_PREFIX$h" -br addr show dev eth0 2>/dev/null | grep -qw "$LAB_NET\.$1/24" && o="$o$h,"
	done
	echo "${o%,}"
}

# ---- client traffic (runs in the client host) ----------------------------

# traffic_get VIP: GET / about every 0.6 s. Log: STEP VIP START END CODE.
traffic_get() {
	local v=$1 step t0 code
	while [ ! -e "$TR/stop" ]; do
		read -r step <"$TR/step" || step=0
		t0=${EPOCHREALTIME/./}
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "https://$TR_NET.$v/")
		echo "$step $v $t0 ${EPOCHREALTIME/./} ${code:-000}" >>"$TR/get-$v"
		sleep 0.6
	done
}

# traffic_why BODY: an API error's message (else the body's start) as one
# word, blanks made underscores.
traffic_why() {
	local w
	w=$(jq -r '.error // empty' <<<"$1" 2>/dev/null) || w=
	[ -n "$w" ] || w=${1:0:60}
	w=${w:0:40}
	w=${w//[[:space:]]/_}
	echo "${w:-no_answer}"
}

# traffic_write: a story every ~0.5 s, a comment every fourth round.
# Log: STEP KIND VIP ok|fail START END CODE [WHY]; the acknowledged
# stories: ID STEP START END VIP.
traffic_write() {
	local i=0 v step t0 t1 res code body id last=
	while [ ! -e "$TR/stop" ]; do
		i=$((i + 1)) v=$((200 + i % 3))
		read -r step <"$TR/step" || step=0
		t0=${EPOCHREALTIME/./}
		res=$(curl -s --max-time 3 -b "auth=$TR_AUTH" -w '\n%{http_code}' \
			--data-urlencode "apisecret=$TR_SECRET" --data news_id=-1 \
			--data-urlencode "title=$TR_TITLE $i" --data-urlencode "url=http://example.test/$TR_STAMP/$i" \
			--data text= "https://$TR_NET.$v/api/submit")
		t1=${EPOCHREALTIME/./}
		code=${res##*$'\n'} body=${res%$'\n'*}
		id=$(jq -r 'select(.status == "ok") | .news_id' <<<"$body" 2>/dev/null)
		if [ "$code" = 200 ] && [ -n "$id" ]; then
			echo "$id $step $t0 $t1 $v" >>"$TR/acked"
			echo "$step submit $v ok $t0 $t1 $code" >>"$TR/writes"
			last=$id
		else
			echo "$step submit $v fail $t0 $t1 ${code:-000} $(traffic_why "$body")" >>"$TR/writes"
		fi
		if [ $((i % 4)) = 0 ] && [ -n "$last" ]; then
			read -r step <"$TR/step" || step=0
			t0=${EPOCHREALTIME/./}
			res=$(curl -s --max-time 3 -b "auth=$TR_AUTH" -w '\n%{http_code}' \
				--data-urlencode "apisecret=$TR_SECRET" --data "news_id=$last" --data comment_id=-1 \
				--data parent_id=-1 --data-urlencode "comment=Drill comment $i" \
				"https://$TR_NET.$v/api/postcomment")
			t1=${EPOCHREALTIME/./}
			code=${res##*$'\n'} body=${res%$'\n'*}
			if [ "$code" = 200 ] && [ "$(jq -r .status <<<"$body" 2>/dev/null)" = ok ]; then
				echo "$step comment $v ok $t0 $t1 $code" >>"$TR/writes"
			else
				echo "$step comment $v fail $t0 $t1 ${code:-000} $(traffic_why "$body")" >>"$TR/writes"
			fi
		fi
		sleep 0.5
	done
}
export -f traffic_get traffic_write traffic_why

start_traffic() {
	local v
	: >"$TR/writes"; : >"$TR/acked"
	for v in 200 201 202; do
		: >"$TR/get-$v"
		cl bash -c "traffic_get $v" </dev/null &
		TRAFFIC_PIDS+=($!)
	done
	cl bash -c traffic_write </dev/null &
	TRAFFIC_PIDS+=($!)
}

stop_traffic() {
	local p
	[ ${#TRAFFIC_PIDS[@]} -gt 0 ] || return 0
	touch "$TR/stop"
	wait_until 8 eval '! kill -0 ${TRAFFIC_PIDS[*]} 2>/dev/null'
	for p in "${TRAFFIC_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	TRAFFIC_PIDS=()
}

# step N DESCRIPTION: what the traffic's requests are counted under.
step() {
	echo "$1" >"$TR/step.new" && mv "$TR/step.new" "$TR/step"
	echo "$1 $(now_us) $2" >>"$TR/steps"
	note "--- step $1: $2"
}

# step_errors N: "a of b GETs failed, c of d writes failed" and, per VIP and
# answer, what failed and when (seconds into the step).
step_errors() {
	local s=$1 t0 gets writes
	t0=$(awk -v s="$s" '$1 == s { print $2 }' "$TR/steps")
	gets=$(cat "$TR"/get-20? | awk -v s="$s" '$1 == s { n++; if ($5 != 200) f++ } END { printf "%d of %d GETs failed", f, n }')
	writes=$(awk -v s="$s" '$1 == s { n++; if ($4 != "ok") f++ } END { printf "%d of %d writes failed", f, n }' "$TR/writes")
	echo "step $s: $gets, $writes"
	cat "$TR"/get-20? | awk -v s="$s" -v t0="$t0" '$1 == s && $5 != 200 {
		k = "GET " $2 " -> " $5; n[k]++; a = ($3 - t0) / 1e6; d = ($4 - $3) / 1e6
		if (!(k in lo) || a < lo[k]) lo[k] = a; if (!(k in hi) || a > hi[k]) hi[k] = a; if (d > dd[k]) dd[k] = d }
		END { for (k in n) printf "  %s: %d (started +%.1f..+%.1f s, each %.2f s at most)\n", k, n[k], lo[k], hi[k], dd[k] }' | sort
	awk -v s="$s" -v t0="$t0" '$1 == s && $4 != "ok" {
		w = $8; gsub(/_/, " ", w); k = $2 " " $3 " -> " $7 (w != "" ? " " w : ""); n[k]++; a = ($5 - t0) / 1e6
		d = ($6 - $5) / 1e6; if (!(k in lo) || a < lo[k]) lo[k] = a; if (!(k in hi) || a > hi[k]) hi[k] = a; if (d > dd[k]) dd[k] = d }
		END { for (k in n) printf "  %s: %d (started +%.1f..+%.1f s, each %.2f s at most)\n", k, n[k], lo[k], hi[k], dd[k] }' "$TR/writes" | sort
}

# acked_readable VIP: every acknowledged story answers 200 on /news/ID
# (past nginx's micro-cache: a cookie makes the request bypass it). Leaves
# "N of M" in ACKED_WHY and the missing ids in $TR/missing.
acked_readable() {
	local v=$1 n
	cp "$TR/acked" "$TR/acked.snap"
	n=$(wc -l <"$TR/acked.snap")
	awk -v b="https://$LAB_NET.$v/news/" '{ printf "url = \"%s%s\"\noutput = \"/dev/null\"\n", b, $1 }' \
		"$TR/acked.snap" >"$TR/check.cfg"
	cl curl -s --max-time 5 -b auth=none -K "$TR/check.cfg" -w '%{http_code} %{url_effective}\n' \
		>"$TR/check.out" 2>/dev/null
	grep -v '^200 ' "$TR/check.out" >"$TR/missing"
	ACKED_WHY="$(grep -c '^200 ' "$TR/check.out") of $n acknowledged stories readable through $v"
	[ "$n" -gt 0 ] && [ "$(grep -c '^200 ' "$TR/check.out")" -eq "$n" ]
}
check_acked() { # WHEN VIP
	if acked_readable "$2"; then
		tap_ok "$1: no acknowledged story lost ($ACKED_WHY)"
	else
		tap_fail "$1: no acknowledged story lost ($ACKED_WHY)"
		head -5 "$TR/missing" | sed 's/^/#   /'
	fi
}

# poll_until DEADLINE_US CMD...: CMD every 50 ms until it succeeds.
poll_until() {
	local end=$1; shift
	until "$@" >/dev/null 2>&1; do
		[ "$(now_us)" -lt "$end" ] || return 1
		sleep 0.05
	done
}
# redis01's view: redis02's nodes are marked failed (not just suspected)
# and no failed master serves slots any more.
failover_done() {
	lab exec redis01 redis-cli -h "$LAB_BACK_NET.11" -p 6379 cluster nodes 2>/dev/null |
		awk -v dead="$LAB_BACK_NET.12:" 'index($2, dead) == 1 && $3 ~ /(^|,)fail(,|$)/ { seen = 1 }
			$3 ~ /master/ && $3 ~ /fail/ && NF > 8 { bad = 1 } END { exit !(seen && !bad) }'
}
# A clusterctl watch logged a failover since WATCH_MARK; which ones in $healer.
declare -A WATCH_MARK=()
watch_acted() {
	local h
	healer=
	for h in redis01 redis02 redis03; do
		tail -n +"$((WATCH_MARK[$h] + 1))" "$LAB_STATE/$h/watch.log" | grep -q 'watch: failover to' && healer="$healer $h"
	done
	[ -n "$healer" ]
}
# No clusterctl watch is healing (holds the lease in the cluster).
lease_free() { [ "$(lab exec redis01 redis-cli -c -h "$LAB_BACK_NET.11" -p 6379 exists clusterctl:lease 2>/dev/null)" = 0 ]; }
acked_after() { awk -v t="$1" '$3 > t { found = 1 } END { exit !found }' "$TR/acked"; }   # START_US

# ---- two watchers for dual VIP holders (steps 5 and 6) --------------------
# One reads lab status's VIP lines back to back (~0.2 s a round), and on a line
# with two holders looks again at once; the other reads the fronts' addresses
# directly, one ip(8) call per front-end, every few tens of ms. A handover seen in the middle of one round can look
# like two holders for that one read; two holders that last are seen twice.
sample_status() { # OUT
	local o=$1 t line v hs
	local -a held
	while [ ! -e "$o.stop" ]; do
		t=$(now_us)
		while read -r line; do
			v=${line#*(} v=${v%%)*} hs=${line#*held by: }
			read -r -a held <<<"$hs"
			if [ ${#held[@]} -gt 1 ]; then
				echo "$t $v dual ${held[*]} again:$(holders_now "$v")"
			else
				echo "$t $v one ${held[*]}"
			fi
		done < <(lab status 2>/dev/null | grep '^VIP ')
	done >>"$o"
}
sample_fast() { # OUT
	local o=$1 t h v a addrs
	local -A has
	while [ ! -e "$o.stop" ]; do
		t=$(now_us) has=()
		for h in front01 front02 front03; do
			addrs=" $(ip -n "$LAB_PREFIX$h" -br addr show dev eth0 2>/dev/null) "
			for v in 200 201 202; do
				[[ $addrs == *" $LAB_NET.$v/24 "* ]] && has[$v]+="$h,"
			done
		done
		a=
		for v in 200 201 202; do h=${has[$v]:-}; a="$a $v=${h%,}"; done
		echo "$t$a"
		sleep 0.02
	done >>"$o"
}
SAMPLING=
start_samplers() { # NAME
	SAMPLING=$1
	rm -f "$TR/$1.status" "$TR/$1.fast" "$TR/$1.status.stop" "$TR/$1.fast.stop"
	sample_status "$TR/$1.status" &
	SAMPLER_PIDS+=($!)
	sample_fast "$TR/$1.fast" &
	SAMPLER_PIDS+=($!)
}
stop_samplers() {
	local p
	[ ${#SAMPLER_PIDS[@]} -gt 0 ] || return 0
	touch "$TR/$SAMPLING.status.stop" "$TR/$SAMPLING.fast.stop"
	wait_until 10 eval '! kill -0 ${SAMPLER_PIDS[*]} 2>/dev/null'
	for p in "${SAMPLER_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	SAMPLER_PIDS=()
}
# dual_seen NAME FROM_US: as TAP comments, how often the watchers looked and
# every read that showed two holders, in seconds from FROM_US.
dual_seen() {
	local name=$1 from=$2
	note "$name: lab status read $(awk '{ print $1 }' "$TR/$name.status" | sort -u | wc -l) times, the addresses $(wc -l <"$TR/$name.fast") times"
	awk -v f="$from" '$3 == "dual" { printf "#   lab status at %+.2f s: VIP %s held by %s %s %s\n", ($1 - f) / 1e6, $2, $4, $5, $6 }' "$TR/$name.status"
	awk -v f="$from" '{ for (i = 2; i <= NF; i++) if ($i ~ /,/) printf "#   addresses at %+.3f s: %s\n", ($1 - f) / 1e6, $i }' "$TR/$name.fast"
}
# dual_persisted NAME FROM_US: from FROM_US on, two holders of one VIP were
# seen in two reads in a row (a lab status line and its second look at once,
# or two rounds of the fast watcher).
dual_persisted() {
	awk -v f="$2" '$1 >= f && $3 == "dual" && $NF ~ /,/ { found = 1 } END { exit !found }' "$TR/$1.status" && return 0
	awk -v f="$2" '$1 >= f { d = ""; for (i = 2; i <= NF; i++) if ($i ~ /,/) { split($i, x, "="); d = d " " x[1] }
		n = split(d, a, " "); for (j = 1; j <= n; j++) if (a[j] in prev) found = 1
		split("", prev); for (j = 1; j <= n; j++) prev[a[j]] = 1 } END { exit !found }' "$TR/$1.fast"
}

# vipd's own account (ms stamps) of a handover of VIP to FRONT in this step.
# vipd logs a transition after carrying it out: a new master once its VIPs
# are up and it has advertised, a master that hears a better one once its
# VIPs are down (one that leaves on purpose logs at once and keeps its VIPs
# until it hears the new master: make-before-break).
handover_ms() { # VIP FROM-FRONT TO-FRONT
	local a b
	a=$(tail -n +"$((${VIPD_MARK[$3]} + 1))" "$LAB_STATE/$3/vipd.log" | grep "vip $1: .* -> master" | tail -1 | cut -c1-12)
	b=$(tail -n +"$((${VIPD_MARK[$2]} + 1))" "$LAB_STATE/$2/vipd.log" | grep "vip $1: master -> " | tail -1 | cut -c1-12)
	if [ -z "$a" ] || [ -z "$b" ]; then echo "VIP $1: no handover $2 -> $3 in the vipd logs"; return; fi
	echo "VIP $1: vipd logs $3 -> master at $a, $2 master -> at $b ($(($(ms_of "$b") - $(ms_of "$a"))) ms)"
}
ms_of() { local h m s; IFS=: read -r h m s <<<"$1"; echo $(((10#$h * 3600 + 10#$m * 60) * 1000 + 10#${s%.*} * 1000 + 10#${s#*.})); }
declare -A VIPD_MARK=()
mark_vipd_logs() { local h; for h in front01 front02 front03; do VIPD_MARK[$h]=$(wc -l <"$LAB_STATE/$h/vipd.log" 2>/dev/null || echo 0); done; }

# ---- the end ----------------------------------------------------------------

save_logs() {
	local d=$out/lab-drills${TAG:+-$TAG} h
	rm -rf "$d"; mkdir -p "$d"
	for h in "$LAB_STATE"/*/; do
		[ -d "$h" ] || continue
		h=$(basename "$h")
		for f in "$LAB_STATE/$h"/*.log "$LAB_STATE/$h"/nginx/error.log; do
			[ -f "$f" ] && cp "$f" "$d/$h-$(basename "$f")"
		done
	done
	cp "$LAB_STATE.up.log" "$d/lab-up.log" 2>/dev/null
	cp -r "$TR" "$d/traffic" 2>/dev/null
	echo "# logs: $d (the run stopped after: $ANCHOR)"
}

cleanup() {
	stop_samplers
	stop_traffic
	[ "$TAP_FAILED" = 0 ] || [ ! -d "$LAB_STATE" ] || [ "$ANCHOR" = end ] || save_logs
	lab down >/dev/null 2>&1
	rm -rf "$LAB_STATE" "$LAB_STATE.up.log" "$TR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
T_START=$(now_us)

# ---- 1: up --------------------------------------------------------------------
step 1 "lab up"
ANCHOR="lab up"
if lab up >"$LAB_STATE.up.log" 2>&1; then
	tap_ok "lab up succeeds (namespaces $LAB_PREFIX*, $LAB_NET.0/24)"
else
	tap_fail "lab up succeeds (namespaces $LAB_PREFIX*, $LAB_NET.0/24)"
	tail -n 20 "$LAB_STATE.up.log" | sed 's/^/#   /'
	cp "$LAB_STATE.up.log" "$out/lab-drills${TAG:+-$TAG}-up.log"
	tap_done; exit 1
fi
note "lab up took $(secs_since "$T_START") s"
ok "every VIP is held by its home front-end" wait_until 10 all_home
ok "every VIP answers 200 to the client" wait_until 10 all_vips_200
ok "clusterctl check (on redis01): healthy, exit 0" wait_until 10 cluster_healthy
ok "lab status: 1 master(s) on each redis host" one_master_per_host
check "\"$(http_code -b auth=none "https://$LAB_NET.200/news/999999999")\" = 404" "a story that does not exist answers 404"

# The traffic's user: the first account, made an administrator (no break
# between two stories; no account is one by itself). The second, for steps 7
# and 8, from another host: one account per client address a day.
PW='drill password 1'
U1=drill$TAG U2=reader$TAG
json=$(cl curl -s --max-time 10 --data-urlencode "username=$U1" --data-urlencode "password=$PW" \
	"https://$LAB_NET.200/api/create_account")
TR_AUTH=$(jq -r '.auth // empty' <<<"$json" 2>/dev/null) TR_SECRET=$(jq -r '.apisecret // empty' <<<"$json" 2>/dev/null)
check "-n \"$TR_AUTH\" -a -n \"$TR_SECRET\"" "the client creates the traffic's account $U1 ($(head -c 80 <<<"$json"))"
ok "newsd --grant-admin $U1 (on front01)" \
	eval 'lab exec front01 newsd -c "$LAB_STATE/front01/newsd.conf" --grant-admin "$U1" >/dev/null'
json=$(ip netns exec "${LAB_PREFIX}dns" curl -s --max-time 10 --data-urlencode "username=$U2" \
	--data-urlencode "password=$PW" "https://$LAB_NET.202/api/create_account")
check "\"$(jq -r .status <<<"$json" 2>/dev/null)\" = ok" "the dns host creates a second account, $U2"
start_traffic
ok "the traffic's first story is acknowledged" wait_until 10 eval '[ -s "$TR/acked" ]'
if [ "$TAP_FAILED" != 0 ]; then
	note "the lab is not in shape for the drills; stopping here"
	lab status 2>&1 | sed 's/^/#   /'
	for h in front01 front02 front03; do
		tail -n 3 "$LAB_STATE/$h/vipd.log" 2>/dev/null | sed "s/^/#   $h vipd.log: /"
	done
	tap_done; exit 1
fi
sleep 2

# ---- 2: a redis host lost -------------------------------------------------------
step 2 "lab destroy redis02"
ANCHOR="destroy redis02"
t_destroy=$(now_us)
ok "lab destroy redis02" eval 'lab destroy redis02 >/dev/null'
t_gone=$(now_us)
note "lab destroy took $(secs_since "$t_destroy") s"
if poll_until $((t_gone + 10000000)) failover_done; then
	t_fo=$(now_us)
	tap_ok "the cluster fails over: redis02's nodes marked failed, no failed master serves slots ($(secs_since "$t_gone") s after the destroy)"
	ok "a story started after the failover is acknowledged, within 10 s of the destroy" \
		poll_until $((t_gone + 10000000)) acked_after "$t_fo"
	t_ack=$(awk -v t="$t_fo" '$3 > t { print $4; exit }' "$TR/acked")
	[ -n "$t_ack" ] && note "acknowledged $(( (t_ack - t_gone) / 1000000 )).$(( (t_ack - t_gone) / 100000 % 10 )) s after the destroy"
else
	tap_fail "the cluster fails over within 10 s: redis02's nodes marked failed, no failed master serves slots"
	lab exec redis01 redis-cli -h "$LAB_BACK_NET.11" -p 6379 cluster nodes 2>&1 | sed 's/^/#   /'
fi
ok "every VIP still answers 200" wait_until 5 all_vips_200
check_acked "after the destroy" 201

# ---- 3: the host rebuilt ------------------------------------------------------------
step 3 "lab rebuild redis02"
ANCHOR="rebuild redis02"
t3=$(now_us)
ok "lab rebuild redis02" eval 'lab rebuild redis02 >"$TR/rebuild.log" 2>&1'
check "$(grep -c 'joins as replica of' "$TR/rebuild.log") -eq 2" "both its instances rejoin as replicas"
grep -E 'clusterctl (heal|add): (failover|done)' "$TR/rebuild.log" | sed 's/^/#   /'
ok "one master per redis host again (lab status, 60 s)" wait_until 60 one_master_per_host
note "one master per host $(secs_since "$t3") s after the rebuild began"
ok "clusterctl check: healthy" wait_until 30 cluster_healthy
# The rebuild's own clusterctl heal already moved a master back, leaving
# clusterctl watch nothing to do. Give it something: a replica takes over
# its master's slots (CLUSTER FAILOVER), so its host holds two masters and
# another none; watch alone must undo that. The pair is one that redis02's
# return did not just fail over: a replica that won an election moments ago
# can be handed a stale victory by redis (the election's timeout, twice
# cluster-node-timeout, has not run out).
# And only once no watch is busy healing what the rebuild left.
t3a=$(now_us)
wait_until 45 lease_free || note "a clusterctl watch still holds the lease after 45 s"
[ $(($(now_us) - t3a)) -lt 1000000 ] || note "waited $(secs_since "$t3a") s for the watchers' lease to be free"
rep=$(lab exec redis01 redis-cli -h "$LAB_BACK_NET.11" -p 6379 cluster nodes 2>/dev/null | awk -v r2="$LAB_BACK_NET.12:" '
	{ split($2, a, "@"); addr[$1] = a[1] }
	$3 ~ /slave/ { master[$1] = $4 }
	END { for (r in master) if (index(addr[r], r2) != 1 && index(addr[master[r]], r2) != 1) { print addr[r]; exit } }')
rep_host=redis$(printf '%02d' $(( $(echo "${rep%%:*}" | cut -d. -f4) - 10 )))
for h in redis01 redis02 redis03; do WATCH_MARK[$h]=$(wc -l <"$LAB_STATE/$h/watch.log"); done
if [ -n "$rep" ] && [ "$(lab exec "$rep_host" redis-cli -h "${rep%%:*}" -p "${rep##*:}" cluster failover 2>&1)" = OK ]; then
	tap_ok "the replica $rep on $rep_host is made a master by hand (CLUSTER FAILOVER)"
	t3b=$(now_us)
	healer=
	ok "a clusterctl watch makes a failover of its own (its log)" wait_until 30 watch_acted
	note "watch on${healer:- none} logged it $(secs_since "$t3b") s after ours"
	ok "one master per redis host again (lab status, 60 s)" wait_until 60 one_master_per_host
	note "one master per host again $(secs_since "$t3b") s after our failover"
	ok "clusterctl check: healthy" wait_until 30 cluster_healthy
else
	tap_fail "a replica (not of redis02's, nor on it) is made a master by hand (found '$rep')"
fi
check_acked "after the rebuild" 202

# ---- 4: two front-ends halted -----------------------------------------------------------
step 4 "lab halt front02, lab halt front03"
ANCHOR="halt front02 front03"
ok "lab halt front02" eval 'lab halt front02 >/dev/null'
ok "lab halt front03" eval 'lab halt front03 >/dev/null'
for v in 200 201 202; do
	ok "front01 holds $v alone (lab status)" wait_until 10 holder_is $v front01
done
for v in 200 201 202; do
	ok "$v answers 200" wait_until 5 vip_200 $v
done

# ---- 5: and booted again -------------------------------------------------------------
step 5 "lab boot front02, lab boot front03"
ANCHOR="boot front02 front03"
mark_vipd_logs
start_samplers boot
sleep 0.5
t_boot=$(now_us)
ok "lab boot front02" eval 'lab boot front02 >/dev/null'
ok "lab boot front03" eval 'lab boot front03 >/dev/null'
t_booted=$(now_us)
ok "each VIP returns to its home front-end (200 front01, 201 front02, 202 front03)" wait_until 15 all_home
note "all home $(secs_since "$t_booted") s after the boot commands returned"
sleep 2
stop_samplers
note "the boot commands ran from +0.0 to +$(( (t_booted - t_boot) / 1000000 )).$(( (t_booted - t_boot) / 100000 % 10 )) s"
dual_seen boot "$t_boot"
if dual_persisted boot "$t_booted"; then
	tap_fail "no VIP has two holders after the boot commands returned (seen in two reads in a row)"
else
	tap_ok "no VIP has two holders after the boot commands returned"
fi
note "$(handover_ms 201 front01 front02)" "$(handover_ms 202 front01 front03)"
for v in 200 201 202; do
	ok "$v answers 200" wait_until 5 vip_200 $v
done

# ---- 6: giveup and resume -------------------------------------------------------------------
step 6 "vipctl giveup 200 on front01, then resume"
ANCHOR="giveup/resume 200"
mark_vipd_logs
start_samplers giveup
t6=$(now_us)
ok "lab exec front01 vipctl giveup 200" eval 'lab exec front01 vipctl giveup 200 >/dev/null'
ok "200 moves to another front-end" wait_until 10 held_elsewhere 200 front01
note "$(vip_line 200)"
ok "200 still answers 200" wait_until 5 vip_200 200
ok "lab exec front01 vipctl resume 200" eval 'lab exec front01 vipctl resume 200 >/dev/null'
ok "200 comes back to front01" wait_until 10 holder_is 200 front01
ok "200 answers 200" wait_until 5 vip_200 200
sleep 1
stop_samplers
dual_seen giveup "$t6"
if dual_persisted giveup "$t6"; then
	tap_fail "no VIP has two holders during giveup and resume (seen in two reads in a row)"
else
	tap_ok "no VIP has two holders during giveup and resume"
fi
note "$(handover_ms 200 front01 front02)" "$(handover_ms 200 front02 front01)"

# ---- 6b: the web server fails ------------------------------------------------------------
step 6b "nginx stops on front01, then lab up starts it again"
ANCHOR="nginx stopped on front01"
ngpid=$(cat "$LAB_STATE/front01/nginx/nginx.pid" 2>/dev/null)
t6b=$(now_us)
ok "nginx stops on front01 (SIGQUIT to its master process, $ngpid)" eval '[ -n "$ngpid" ] && kill -QUIT "$ngpid"'
ok "200 leaves front01 once its web track fails (fall 5 x 1 s, then the election)" \
	wait_until 20 held_elsewhere 200 front01
note "$(vip_line 200) $(secs_since "$t6b") s after nginx stopped"
ok "front01's vipctl status says why: priority 90, track web down" \
	eval 'lab exec front01 vipctl status | grep -q "priority 90: track web down"'
ok "200 answers 200 from its new holder" wait_until 5 vip_200 200
# Stopped means gone: lab up starts what does not run.
ok "nginx on front01 has exited (worker_shutdown_timeout 5 s)" wait_until 15 eval '! kill -0 "$ngpid" 2>/dev/null'
t6b=$(now_us)
ok "lab up starts nginx on front01 again" eval 'lab up >"$TR/up-6b.log" 2>&1'
ok "200 returns to front01 once /healthz passes twice" wait_until 20 holder_is 200 front01
note "back $(secs_since "$t6b") s after lab up began"
ok "200 answers 200" wait_until 5 vip_200 200

# ---- 7: a session survives its front-end ------------------------------------------------------
step 7 "a logged-in user's front-end is halted"
ANCHOR="session across halt"
jar=$TR/jar-$U2
json=$(cl curl -s --max-time 10 -c "$jar" -G --data-urlencode "username=$U2" --data-urlencode "password=$PW" \
	"https://$LAB_NET.201/api/login")
AUTH2=$(jq -r '.auth // empty' <<<"$json" 2>/dev/null) SECRET2=$(jq -r '.apisecret // empty' <<<"$json" 2>/dev/null)
check "-n \"$AUTH2\"" "$U2 logs in through 201 (front02's)"
logged_in_201() { cl curl -s --max-time 2 -b "$jar" "https://$LAB_NET.201/" | grep -q ">$U2 ("; }
ok "/ through 201 names $U2 in nav#account" logged_in_201
ok "lab halt front02" eval 'lab halt front02 >/dev/null'
ok "201 moves to front03" wait_until 10 holder_is 201 front03
ok "/ through 201, now from front03, with the same cookie: still $U2" wait_until 5 logged_in_201
ok "lab boot front02" eval 'lab boot front02 >/dev/null'
ok "201 returns to front02" wait_until 15 holder_is 201 front02
ok "$U2 is still logged in through 201" wait_until 5 logged_in_201

# ---- 8: the password reset mail --------------------------------------------------------
step 8 "reset-password mail"
ANCHOR="reset-password mail"
maildir=$LAB_STATE/mail/maildir/new
ls "$maildir" 2>/dev/null | sort >"$TR/mail.before"
json=$(cl curl -s --max-time 10 -b "auth=$AUTH2" --data-urlencode "apisecret=$SECRET2" --data about= \
	--data-urlencode "email=$U2@news.lab" --data password= "https://$LAB_NET.200/api/updateprofile")
check "\"$(jq -r .status <<<"$json" 2>/dev/null)\" = ok" "$U2 sets an e-mail address (/api/updateprofile)"
json=$(cl curl -s --max-time 10 --data-urlencode "username=$U2" --data-urlencode "email=$U2@news.lab" \
	"https://$LAB_NET.202/api/reset-password")
check "\"$(jq -r .status <<<"$json" 2>/dev/null)\" = ok" "/api/reset-password accepts ($(head -c 80 <<<"$json"))"
new_reset_mail() {
	local f
	for f in $(ls "$maildir" 2>/dev/null | sort | comm -13 "$TR/mail.before" -); do
		grep -q set-new-password "$maildir/$f" && grep -q "$U2" "$maildir/$f" && return 0
	done
	return 1
}
ok "a new mail in the sink's maildir links to set-new-password for $U2" wait_until 10 new_reset_mail

# ---- 9: a browser, by name ---------------------------------------------------------------
step 9 "chromium on the client opens https://news.lab/"
ANCHOR="browser"
browser=$tree/tests/browser
chromium=${CHROMIUM:-/usr/bin/chromium}
why=
command -v node >/dev/null || why="node is not installed"
command -v npm >/dev/null || why=${why:-"npm is not installed"}
[ -x "$chromium" ] || why=${why:-"no chromium at $chromium"}
if [ -z "$why" ] && [ ! -f "$browser/node_modules/playwright-core/package.json" ]; then
	exec {npm_lock}>"${TMPDIR:-/tmp}/vipd-web-npm.lock"   # the lock 31-web-browser.sh takes
	flock -w 300 "$npm_lock"
	if [ ! -f "$browser/node_modules/playwright-core/package.json" ] &&
		! (cd "$browser" && timeout 300 npm ci --no-audit --no-fund) >"$TR/npm.log" 2>&1; then
		why="npm ci in tests/browser failed (no registry access?)"
	fi
	exec {npm_lock}>&-
fi
if [ -n "$why" ]; then
	skip "headless chromium through https://news.lab/" "$why"
else
	shot=$out/lab-drills-news${TAG:+-$TAG}.png
	rm -f "$shot"
	cl env BASE_URL=https://news.lab/ TRUST_SPKI="$(cat "$LAB_STATE/tls/site.spki")" \
		EXPECT_STORY="$TR_TITLE" CHROMIUM="$chromium" SCREENSHOT="$shot" \
		timeout 120 node "$browser/lab.mjs" >"$TR/browser.tap" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok "*) TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - browser: ${line#ok * - }" ;;
		"not ok "*) TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - browser: ${line#not ok * - }" ;;
		1..*) ;;
		*) echo "# $line" ;;
		esac
	done <"$TR/browser.tap"
	[ "$rc" = 0 ] || [ "$TAP_FAILED" != 0 ] || tap_fail "lab.mjs exited with status $rc"
fi

# ---- 10: the accident ----------------------------------------------------------------------
step 10 "every story deleted by mistake, then lab restore to a second before"
ANCHOR="accident"
# The writers stop first, so that every acknowledged story is older than
# the moment restored to; one marker story is written after that moment.
stop_traffic
front_ids() { cl curl -s --max-time 5 "https://$LAB_NET.200/api/getnews/latest/0/30" | jq -r '.news[].id' | paste -sd' '; }
before_ids=$(front_ids)
sleep 1.1
R=$(date +%s)   # restored to second R: every write received before R began
sleep "$(awk -v r="$R" -v n="${EPOCHREALTIME}" 'BEGIN { printf "%.3f", r + 1.05 - n }')"
marker=$(cl curl -s --max-time 5 -b "auth=$TR_AUTH" --data-urlencode "apisecret=$TR_SECRET" --data news_id=-1 \
	--data-urlencode "title=Written after the restore point" --data-urlencode "url=http://example.test/$TR_STAMP/late" \
	--data text= "https://$LAB_NET.200/api/submit" | jq -r '.news_id // empty')
check "-n '$marker'" "a story written after the restore point ($marker)"
# The mistake: every story's hash and both story indexes deleted, on every master.
masters=$(lab exec redis01 redis-cli -h "$LAB_BACK_NET.11" -p 6379 cluster nodes 2>/dev/null |
	awk '$3 ~ /master/ && $3 !~ /fail/ && NF > 8 { sub(/@.*/, "", $2); print $2 }')
for m in $masters; do
	lab exec redis01 sh -c "redis-cli -h ${m%:*} -p ${m#*:} --scan --pattern 'news:*' | sed 's/^/DEL /' |
		redis-cli -h ${m%:*} -p ${m#*:} >/dev/null; redis-cli -c -h ${m%:*} -p ${m#*:} del news.top news.cron >/dev/null"
done
is "$(front_ids)" "" "after the mistake the site lists no story"
# The archive has had the mistake (so everything before it) within a second or so.
ok "the archive holds writes up to the mistake" wait_until 15 eval \
	'lab exec backup clusterctl backups --from "$LAB_STATE/backup/archive" --json 2>/dev/null |
	 jq -e --argjson r "$((R + 1))" ".latest >= \$r" >/dev/null'
ok "lab restore --at $(date -u -d "@$R" +%FT%TZ) (a second before the mistake)" eval \
	'lab restore --at "$(date -u -d "@$R" +%FT%TZ)" >"$TR/restore.log" 2>&1' ||
	sed 's/^/#   /' "$TR/restore.log" | tail -n 15
ok "the site lists the stories again" wait_until 60 eval '[ -n "$(front_ids)" ]'
is "$(front_ids)" "$before_ids" "...the same latest 30 as before the mistake"
check_acked "after the restore" 201
is "$(cl curl -s -o /dev/null -w '%{http_code}' --max-time 5 "https://$LAB_NET.200/news/$marker")" 404 \
	"the story written after the restore point is not there"
ok "the cluster is healthy after the restore" wait_until 60 eval \
	'lab exec redis01 clusterctl check "$LAB_BACK_NET.11:6379" >/dev/null 2>&1'
ok "the archive runs again" eval 'lab status | grep -Eq "^backup .* archive\$"'

# ---- the end ---------------------------------------------------------------------------
step 11 "end"
ANCHOR="end"
stop_traffic
if [ "$TAP_FAILED" != 0 ] || [ -n "${KEEP_LOGS:-}" ]; then save_logs; fi
note "client traffic, per step (requests counted in the step they started in):"
for s in 1 2 3 4 5 6 6b 7 8 9 10; do
	step_errors $s | sed 's/^/# /'
done
cat "$TR"/get-20? | awk '{ n++; if ($5 != 200) f++ } END { printf "# in all: %d of %d GETs failed", f, n }'
awk '{ n++; if ($4 != "ok") f++ } END { printf ", %d of %d writes failed", f, n }' "$TR/writes"
echo ", $(wc -l <"$TR/acked") stories acknowledged"
check_acked "at the end" 200
# Daemons that stopped during the drills (front02's and front03's) have
# written any sanitizer report by now; lab down takes the logs with it.
grep -lE 'ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:' "$LAB_STATE"/*/*.log >"$TR/sanitizer" 2>/dev/null
if [ -s "$TR/sanitizer" ]; then
	tap_fail "no sanitizer report in the lab's logs ($(sed "s|^$LAB_STATE/||" "$TR/sanitizer" | tr '\n' ' '))"
	save_logs
else
	tap_ok "no sanitizer report in the lab's logs"
fi
ok "lab down succeeds" eval 'lab down >/dev/null 2>&1'
check "$(ip netns list | grep -c "^$LAB_PREFIX") -eq 0" "no namespace named $LAB_PREFIX* remains"
ok "nor the uplinks ${LAB_PREFIX}up and ${LAB_PREFIX}upb" eval '! ip link show "${LAB_PREFIX}up" >/dev/null 2>&1 && ! ip link show "${LAB_PREFIX}upb" >/dev/null 2>&1'
note "total time $(secs_since "$T_START") s"
tap_done
