#!/bin/bash
# 27-groups-notify-metrics.sh - sync groups, notify hooks and metrics.
#   - group web { a, b }: a's track fails on the master, a faults and b
#     follows; both come back together; a giveup of a takes b along.
#   - notify: arguments NAME OLD NEW PRIORITY REASON; calls for one instance
#     run one at a time, in the order of the state changes, also under
#     flapping; a slow hook does not delay the adverts; exit 1 is retried
#     (bounded), exit 2 is not, a hook past its timeout is killed with
#     what it started, and every outcome is counted.
#   - metrics: GET /metrics, validated by promtool check metrics (Debian's
#     prometheus package), values agree with vipctl status; 404, 405;
#     a reload moves the listener.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
vipd_need
command -v curl >/dev/null || skip_all "curl is not installed (apt-get install curl)"
command -v promtool >/dev/null || skip_all "promtool is not installed (apt-get install prometheus)"
lab_up i27 10.99.32 2

NET=10.99.32
IO=$TOPO_DIR/io          # hooks and checks run as an unprivileged user
mkdir -p "$IO" && chmod 1777 "$IO"
METRICS_PORT=9650

# notify hooks: each appends its arguments to $IO/NAME.log.
cat >"$IO/log.sh" <<'EOF'
#!/bin/sh
# log.sh NAME OLD NEW PRIO REASON: record the call; sleep as $IO/delay says.
d=$(dirname "$0")
echo "start $(date +%s.%N) $*" >>"$d/$1.log"
sleep "$(cat "$d/delay" 2>/dev/null || echo 0)"
echo "end $(date +%s.%N) $1" >>"$d/$1.log"
EOF
cat >"$IO/retry.sh" <<'EOF'
#!/bin/sh
# retry.sh: exit 1 twice, then 0, over and over.
d=$(dirname "$0")
n=$(( $(cat "$d/retry.count" 2>/dev/null || echo 0) + 1 ))
echo $n >"$d/retry.count"
echo "run $n $*" >>"$d/$1.log"
echo "not yet ($n)"
[ $((n % 3)) = 0 ]
EOF
cat >"$IO/fail2.sh" <<'EOF'
#!/bin/sh
d=$(dirname "$0")
echo "run $*" >>"$d/$1.log"
echo "refusing: exit 2" >&2
exit 2
EOF
cat >"$IO/slow.sh" <<'EOF'
#!/bin/sh
# slow.sh: outlives its timeout, with a child of its own.
d=$(dirname "$0")
sleep 30 &
echo "$! $$" >>"$d/slow.pids"
echo "run $*" >>"$d/$1.log"
wait
EOF
chmod 0755 "$IO"/*.sh
touch "$IO/ok-r1" "$IO/ok-r2"
chmod 0666 "$IO/ok-r1" "$IO/ok-r2"

conf() { # NODE PRIO [METRICS_PORT]
	local n=$1 p=$2 mp=${3:-$METRICS_PORT} hook=
	conf_header "$n"
	echo "metrics = \"127.0.0.1:$mp\""
	vi() { # NAME VRID [LINES...]
		local name=$1 vrid=$2
		shift 2
		printf 'vip %s {\n    interface = "eth0"\n    vrid = %s\n    priority = %s\n' "$name" "$vrid" "$p"
		printf '    advert_interval = 0.1\n    address = { "%s.%s/24" }\n' "$NET" "$vrid"
		printf '    %s\n' "$@"
		printf '}\n'
	}
	vi a 210 "track_script flag { command = \"test -f $IO/ok-$n\" interval = 0.1 rise = 2 fall = 2 }"
	vi b 211
	if [ "$n" = r1 ]; then
		vi n1 212 "notify = \"$IO/log.sh\""
		vi n2 213 "notify = \"$IO/retry.sh\"" "notify_retries = 2"
		vi n3 214 "notify = \"$IO/fail2.sh\""
		vi n4 215 "notify = \"$IO/slow.sh\"" "notify_timeout = 0.5" "notify_retries = 1"
	else
		vi n1 212; vi n2 213; vi n3 214; vi n4 215
	fi
	echo 'group web { members = { "a", "b" } }'
}
conf r1 150 >"$TOPO_DIR/r1.conf"
conf r2 100 >"$TOPO_DIR/r2.conf"

vipd_start r1
vipd_start r2
all_on() { # NODE: NODE is master of every instance
	local i
	for i in a b n1 n2 n3 n4; do is_state "$1" $i master || return 1; done
}
ok "r1 is master of every instance" wait_until 10 all_on r1
ok "status --json names the group of a and b, and none for n1" \
	eval '[ "$(vfield r1 a .group)" = web ] && [ "$(vfield r1 b .group)" = web ] && [ "$(vfield r1 n1 .group)" = null ]'

# --- sync group ---------------------------------------------------------------
rm -f "$IO/ok-r1"
ok "a's track fails on r1: a faults and r2 takes $NET.210" eval 'wait_until 5 only_holder r2 $NET.210 && is_state r1 a fault'
ok "b, a's group member, follows: r2 takes $NET.211 too" eval 'wait_until 5 only_holder r2 $NET.211'
ok "r1's b is backup, held by its group, and says why" \
	eval 'is_state r1 b backup && [ "$(vfield r1 b .held)" = true ] && vfield r1 b .held_reason | grep -q "sync group web: vip a is fault"'
ok "b stays on r2 for 2 s although r1 has the higher priority" steady_window 2 only_holder r2 $NET.211
ok "the other instances stay on r1" eval 'only_holder r1 $NET.212 && only_holder r1 $NET.213'
touch "$IO/ok-r1"
ok "a's track passes again: a and b return to r1 together" \
	eval 'wait_until 5 only_holder r1 $NET.210 && wait_until 5 only_holder r1 $NET.211'
ok "b is no longer held" eval '[ "$(vfield r1 b .held)" = false ]'
vctl r1 giveup a >/dev/null
ok "giveup of a on r1: b goes with it to r2" \
	eval 'wait_until 5 only_holder r2 $NET.210 && wait_until 5 only_holder r2 $NET.211'
vctl r1 resume a >/dev/null
ok "resume: both back on r1" eval 'wait_until 5 only_holder r1 $NET.210 && wait_until 5 only_holder r1 $NET.211'
# r2's group moved as one too: each time one of its members became master
# the other did within 0.3 s.
paired() {
	local ta tb
	ta=$(awk '/vip a: [a-z]* -> master/ { split($1, t, ":"); print t[1] * 3600 + t[2] * 60 + t[3] }' "$TOPO_DIR/r2.log")
	tb=$(awk '/vip b: [a-z]* -> master/ { split($1, t, ":"); print t[1] * 3600 + t[2] * 60 + t[3] }' "$TOPO_DIR/r2.log")
	[ -n "$ta" ] && [ "$(echo "$ta" | wc -l)" = "$(echo "$tb" | wc -l)" ] &&
		paste <(echo "$ta") <(echo "$tb") | awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 0.3) exit 1 }'
}
ok "on r2 too, a and b became master together every time" paired

# --- notify -------------------------------------------------------------------
ok "n1's hook ran for init -> backup with the priority and reason" \
	eval 'grep -q "^start [0-9.]* n1 init backup 150 started$" "$IO/n1.log"'
ok "and for backup -> master" eval 'grep -q "^start [0-9.]* n1 backup master 150 master down timer expired$" "$IO/n1.log"'

# Flapping: five giveup/resume rounds while each call takes 0.3 s. The
# calls queue up and run one at a time, in the order of the changes.
echo 0.3 >"$IO/delay"
for i in 1 2 3 4 5; do
	vctl r1 giveup n1 >/dev/null
	sleep 0.25
	vctl r1 resume n1 >/dev/null
	sleep 0.6
done
ok "n1's calls have drained" wait_until 15 eval '[ "$(vfield r1 n1 .notify.queued)" = 0 ]'
changes=$(grep -o 'vip n1: [a-z]* -> [a-z]*' "$TOPO_DIR/r1.log" | awk '{print $3, $5}')
calls=$(awk '$1 == "start" { print $4, $5 }' "$IO/n1.log")
check "$(echo "$changes" | wc -l) -ge 12" "n1 changed state $(echo "$changes" | wc -l) times"
ok "the hook saw every state change, in order" eval '[ "$changes" = "$calls" ]'
ok "one call at a time: each started after the previous one ended" \
	eval 'awk "\$1 == \"start\" { if (busy) exit 1; busy = 1 } \$1 == \"end\" { busy = 0 }" "$IO/n1.log"'

# A slow hook does not slow the adverts: while a 2 s call runs, r1 keeps
# advertising at 0.1 s and r2 never takes over.
echo 2 >"$IO/delay"
sent0=$(vfield r1 n1 .counters.adverts_sent)
vctl r1 giveup n1 >/dev/null; vctl r1 resume n1 >/dev/null
ok "during a 2 s hook call r2 stays backup of every other instance" \
	steady_window 2 eval 'is_state r2 a backup && is_state r2 n2 backup && is_state r2 n3 backup'
sent1=$(vfield r1 n1 .counters.adverts_sent)
check "$((sent1 - sent0)) -ge 12" "n1 sent $((sent1 - sent0)) adverts in the 2 s its hook ran (0.1 s interval)"
echo 0 >"$IO/delay"

# Retry policy.
ok "retry.sh: exit 1, exit 1, exit 0 for each of its two changes (6 runs)" \
	wait_until 10 eval '[ "$(vfield r1 n2 ".notify | [.calls, .retried, .succeeded, .failed] | join(\" \")")" = "6 4 2 0" ]'
ok "its runs were in order: three for init -> backup, then three for backup -> master" \
	eval '[ "$(awk "{print \$4}" "$IO/n2.log" | uniq -c | awk "{print \$1}" | tr "\n" " ")" = "3 3 " ]'
ok "the retry is logged with what the hook said" \
	eval 'grep -q "vip n2: notify init -> backup: exit 1: not yet (1); run 2 of 3 again in 1 s" "$TOPO_DIR/r1.log"'
ok "fail2.sh: exit 2 is not retried (2 calls, 2 failed)" \
	eval '[ "$(vfield r1 n3 ".notify | [.calls, .retried, .failed] | join(\" \")")" = "2 0 2" ]'
ok "the give-up is logged with the hook's own words" \
	eval 'grep -q "vip n3: notify init -> backup: exit 2: refusing: exit 2; giving up after 1 run(s)" "$TOPO_DIR/r1.log"'
ok "slow.sh: killed at its 0.5 s timeout, run once more, then given up, for both changes" \
	wait_until 10 eval '[ "$(vfield r1 n4 ".notify | [.calls, .retried, .failed, .queued] | join(\" \")")" = "4 2 2 0" ]'
ok "the timeout is logged" eval 'grep -q "vip n4: notify .*: timed out after 0.5 s, killed" "$TOPO_DIR/r1.log"'
alive=
for pid in $(cat "$IO/slow.pids"); do pid_alive "$pid" && alive="$alive $pid"; done
ok "the killed hooks and the sleeps they started are gone" eval '[ -z "$alive" ]'

# --- metrics ------------------------------------------------------------------
scrape() { topo_exec "$(ns_of r1)" curl -sS --max-time 2 "$@"; }
scrape -o "$TOPO_DIR/metrics.txt" -D "$TOPO_DIR/metrics.hdr" "http://127.0.0.1:$METRICS_PORT/metrics"
ok "GET /metrics answers 200 with the Prometheus text format" \
	eval 'head -1 "$TOPO_DIR/metrics.hdr" | grep -q " 200" && grep -qi "^content-type: text/plain; version=0.0.4" "$TOPO_DIR/metrics.hdr"'
promtool check metrics <"$TOPO_DIR/metrics.txt" >"$TOPO_DIR/promtool.out" 2>&1
rc=$?
check "$rc -eq 0" "promtool check metrics accepts it$([ $rc -eq 0 ] || echo ": $(head -3 "$TOPO_DIR/promtool.out" | tr '\n' ' ')")"
metric() { grep -F "$1 " "$TOPO_DIR/metrics.txt" | awk '{print $NF}'; }
ok "state: a is master, n1 is master" \
	eval '[ "$(metric "vipd_instance_state{instance=\"a\",state=\"master\"}")" = 1 ] && [ "$(metric "vipd_instance_state{instance=\"a\",state=\"backup\"}")" = 0 ]'
ok "effective priority 150" eval '[ "$(metric "vipd_instance_effective_priority{instance=\"a\"}")" = 150 ]'
ok "the track's state and checks" \
	eval '[ "$(metric "vipd_track_state{instance=\"a\",track=\"flag\",kind=\"script\",state=\"up\"}")" = 1 ] && [ "$(metric "vipd_track_checks_total{instance=\"a\",track=\"flag\",result=\"fail\"}")" -ge 2 ]'
ok "transitions agree with vipctl status" \
	eval '[ "$(metric "vipd_instance_transitions_total{instance=\"n1\"}")" = "$(vfield r1 n1 .counters.transitions)" ]'
ok "adverts sent and received are counted" \
	eval '[ "$(metric "vipd_instance_adverts_sent_total{instance=\"b\"}")" -gt 10 ] && [ -n "$(metric "vipd_instance_adverts_received_total{instance=\"b\"}")" ]'
ok "notify outcomes per instance" \
	eval '[ "$(metric "vipd_notify_retried_total{instance=\"n2\"}")" = 4 ] && [ "$(metric "vipd_notify_failed_total{instance=\"n3\"}")" = 2 ]'
ok "drops by reason are there" eval 'grep -q "^vipd_instance_drops_total{instance=\"a\",reason=\"bad_ttl\"} 0$" "$TOPO_DIR/metrics.txt"'
ts=$(metric 'vipd_instance_last_transition_timestamp_seconds{instance="n1"}')
ok "time of the last transition agrees with status (unix seconds)" eval '[ "$ts" = "$(vfield r1 n1 .since)" ]'
ok "group membership is in vipd_instance_info" eval 'grep -q "^vipd_instance_info{instance=\"b\",.*group=\"web\"} 1$" "$TOPO_DIR/metrics.txt"'
ok "GET /other: 404" eval '[ "$(scrape -o /dev/null -w "%{http_code}" "http://127.0.0.1:$METRICS_PORT/other")" = 404 ]'
ok "POST /metrics: 405" eval '[ "$(scrape -o /dev/null -w "%{http_code}" -X POST -d x "http://127.0.0.1:$METRICS_PORT/metrics")" = 405 ]'
ok "r2's metrics answer in its own namespace" \
	eval 'topo_exec "$(ns_of r2)" curl -sS --max-time 2 "http://127.0.0.1:$METRICS_PORT/metrics" | grep -q "^vipd_instance_state{instance=\"a\",state=\"backup\"} 1$"'

# Libraries are loaded for the features that are configured: metrics
# here, no HTTP checks.
ok "r1 has libmicrohttpd loaded for its metrics, and no libcurl (no track_http)" \
	eval 'grep -q libmicrohttpd "/proc/${VIPD_PID[r1]}/maps" && ! grep -q libcurl "/proc/${VIPD_PID[r1]}/maps"'

conf r1 150 9651 >"$TOPO_DIR/r1.conf"
ok "reload with metrics on another port" eval 'vctl r1 reload'
ok "the new port answers" eval 'scrape -o /dev/null "http://127.0.0.1:9651/metrics"'
ok "the old one is closed" eval '! scrape -o /dev/null "http://127.0.0.1:$METRICS_PORT/metrics" 2>/dev/null'
ok "the reload moved no VIP" eval 'all_on r1'

# A reload that takes the group away frees its members, also one the
# group holds back at that moment.
rm -f "$IO/ok-r1"
ok "a's track fails again: a and b leave r1 together" \
	eval 'wait_until 5 only_holder r2 $NET.210 && wait_until 5 only_holder r2 $NET.211'
ok "r1's b is held by the group" eval '[ "$(vfield r1 b .held)" = true ]'
conf r1 150 9651 | sed '/^group web/d' >"$TOPO_DIR/r1.conf"
ok "reload without the group" eval 'vctl r1 reload'
ok "b, free now, takes its VIP back to r1 while a stays on r2" \
	eval 'wait_until 5 only_holder r1 $NET.211 && only_holder r2 $NET.210'
ok "and is not held, in no group" eval '[ "$(vfield r1 b .held)" = false ] && [ "$(vfield r1 b .group)" = null ]'
touch "$IO/ok-r1"
ok "a comes back" eval 'wait_until 5 only_holder r1 $NET.210'

lab_finish
