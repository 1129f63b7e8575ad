#!/bin/bash
# 48-lab-logs.sh - the central logs of provisioning/lab, end to end:
#
#   1 lab up: the logs host runs rsyslogd with RELP, every other host a
#     forwarder; lab logs has lines from every host, and from vipd, newsd,
#     nginx (access and error log), both redis instances, clusterctl watch
#     and archive, dnsmasq and the mail sink; every line is TIME HOST
#     SERVICE: MESSAGE, the times in order
#   2 lab exec front01 logger -t drill MSG lands as front01's, service
#     drill; this machine gets no /dev/log of it
#   3 a drill (vipctl giveup 200 on front01, then resume) in lab logs
#     --since, in the order it happened: front01 gives 200 up, front02
#     takes it, front01 takes it back; --host and --grep filter; lab
#     destroy and rebuild redis02 in order too, and each line of its redis
#     logs once (the rebuilt host's forwarder reads them again from the start)
#   4 numbered lines from every host (logger through lab exec) while the
#     logs host is halted (rsyslogd stopped, link down) and booted, its
#     rsyslogd killed (SIGKILL) and started, and its link cut for a few
#     seconds: every line shows exactly once
#   5 numbered lines written to a service log of front02 while its
#     forwarder is stopped and started again (imfile's positions kept):
#     every line once, no copy in the store either; and after a SIGKILL
#     of the forwarder (it reads again what it had read): still once
#   6 the templates as the logs role writes them for real hosts (input
#     from syslog or the journal) pass rsyslogd -N1 beside Debian's
#     rsyslog.conf; site.yml passes ansible-playbook --syntax-check
#   7 lab down leaves no namespace and no process
#
# Runs once (second_suite_only: in the sanitize suite when tests/run builds
# one); beside an operator's lab: namespaces
# l48TAG-*, subnet 10.95.X, a state directory of its own. On failure (or
# with KEEP_LOGS=1) the lab's logs are kept in tests/out/lab-logs-TAG/.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tree=$(cd "$here/../.." && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"   # wait_until
. "$here/../lib/lab.sh"       # lab_need, lab_env, lab

second_suite_only "one lab run is enough"
lab_need ip redis-server nginx dnsmasq curl jq logger /usr/sbin/rsyslogd
for m in imrelp omrelp imfile; do
	ls /usr/lib/*/rsyslog/$m.so >/dev/null 2>&1 || skip_all "rsyslog's $m is missing (apt-get install rsyslog-relp)"
done
lab_env l48 10.95
W=$(mktemp -d "${TMPDIR:-/tmp}/l48$TAG-work.XXXXXX")   # the senders' records
SENDERS=()
WRITER=

save_logs() {
	local d=$out/lab-logs${TAG:+-$TAG} h f
	rm -rf "$d"; mkdir -p "$d"
	for h in "$LAB_STATE"/*/; do
		[ -d "$h" ] || continue
		h=$(basename "$h")
		for f in "$LAB_STATE/$h"/*.log; do [ -f "$f" ] && cp "$f" "$d/$h-$(basename "$f")"; done
	done
	cp -r "$LAB_STATE/logs/store" "$d/store" 2>/dev/null
	cp "$W/up.log" "$d/lab-up.log" 2>/dev/null
	echo "# logs: $d"
}
stop_senders() {
	local p
	touch "$W/stop"
	for p in "${SENDERS[@]}" $WRITER; do wait "$p" 2>/dev/null; done
	SENDERS=() WRITER=
}
cleanup() {
	stop_senders
	if [ "$TAP_FAILED" != 0 ] || [ -n "${KEEP_LOGS:-}" ]; then [ -d "$LAB_STATE" ] && save_logs; fi
	[ -f "$LAB_STATE/hosts" ] && lab down >/dev/null 2>&1
	rm -rf "$LAB_STATE" "$W"
}
trap cleanup EXIT

# The timeline, as lab logs prints it (ARGS: its options).
logs() { lab logs "$@" 2>&1; }
# "HOST SERVICE" of every line of the timeline, once each.
sources() { logs | awk '{ s = $3; sub(/:$/, "", s); print $2, s }' | sort -u; }
has_sources() { # "HOST SERVICE"...: all of them in the timeline
	local s have; have=$(sources)
	for s in "$@"; do grep -qxF "$s" <<<"$have" || return 1; done
}
hosts_of_lab() { awk '{ print $1 }' "$LAB_STATE/hosts"; }
holder_is() { lab status | grep -q "^VIP $LAB_NET\.$1 ($1) held by: $2 \$"; }   # VIP FRONT
secs_since() { awk -v t="$1" -v n="$EPOCHREALTIME" 'BEGIN { printf "%d", n - t + 1 }'; }

# ---- 1: up, every host and service --------------------------------------------

if ! lab up >"$W/up.log" 2>&1; then
	diag "$(tail -n 20 "$W/up.log")"
	bail_out "lab up"
fi
tap_ok "lab up"
status=$(lab status 2>&1)
hasnt "$status" "(forwarder down)" "every host but the logs host runs its forwarder" &&
	hasnt "$status" "(relp down)" "...and the logs host its rsyslogd"
has "$(grep '^logs ' <<<"$status")" " relp" "lab status lists the logs host's rsyslogd (relp)"

# Traffic for the access log and a mail for the sink.
lab exec client curl -s -o /dev/null --max-time 5 https://news.lab/
printf 'Subject: drill %s\n\nA line for the mail sink.\n' "$TAG" |
	lab exec client curl -s --max-time 5 --url "smtp://$LAB_NET.5:25" \
		--mail-from "drill@news.lab" --mail-rcpt "oncall@news.lab" -T - >/dev/null

want=()
for h in $(hosts_of_lab); do
	[ "$h" = logs ] || want+=("$h rsyslogd")   # every forwarder's start
done
for h in front01 front02 front03; do want+=("$h vipd" "$h newsd" "$h nginx-access" "$h nginx-error"); done
for h in redis01 redis02 redis03; do want+=("$h redis-6379" "$h redis-6380" "$h watch"); done
want+=("backup archive" "dns dnsmasq" "mail smtp" "logs rsyslogd")
if wait_until 30 has_sources "${want[@]}"; then
	tap_ok "lab logs has lines from every host, and from every service of the stack"
else
	tap_fail "lab logs has lines from every host, and from every service of the stack"
	have=$(sources)
	for s in "${want[@]}"; do grep -qxF "$s" <<<"$have" || diag "  none from: $s"; done
fi
timeline=$(logs)
is "$(grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}\+00:00 [a-z0-9]+ [^ ]+: ' <<<"$timeline")" 0 \
	"every line is TIME (UTC, microseconds) HOST SERVICE: MESSAGE"
is "$(awk '{ print $1 }' <<<"$timeline" | LC_ALL=C sort -c 2>&1 && echo sorted)" sorted "oldest first"

# ---- 2: logger through a host's forwarder ----------------------------------------

mark="logger line $TAG.$$.$RANDOM"
devlog_before=$(ls -la /dev/log 2>&1)
ok "lab exec front01 logger -t drill MSG succeeds" lab exec front01 logger -t drill "$mark"
wait_until 10 eval 'logs --grep "$mark" | grep -q .'
like "$(logs --grep "$mark")" "* front01 drill: $mark" "...and lands as front01's, service drill"
is "$(ls -la /dev/log 2>&1)" "$devlog_before" "this machine's /dev/log is as it was"
ok "lab exec keeps the command's exit status" eval 'lab exec front01 sh -c "exit 3"; [ $? = 3 ]'

# ---- 3: a drill in order -----------------------------------------------------------

t0=$EPOCHREALTIME
lab exec front01 logger -t drill "giveup 200 begins"
lab exec front01 vipctl giveup 200 >/dev/null
wait_until 10 holder_is 200 front02 || diag "200 did not move to front02: $(lab status | grep '^VIP')"
lab exec front01 vipctl resume 200 >/dev/null
wait_until 10 holder_is 200 front01 || diag "200 did not come back to front01: $(lab status | grep '^VIP')"
lab exec front01 logger -t drill "giveup 200 ends"
wait_until 10 eval 'logs --grep "drill: giveup 200 ends" | grep -q .'
drill=$(logs --since "$(secs_since "$t0")")
# The first line matching each pattern, each after the one before.
in_order() {
	awk -v pats="$1" 'BEGIN { n = split(pats, p, "\n"); i = 1 }
		i <= n && $0 ~ p[i] { i++ }
		END { if (i <= n) { print "missing, or out of order: " p[i]; exit 1 } }' <<<"$2"
}
steps='front01 drill: giveup 200 begins
front01 vipd: .*vip 200: master -> backup
front02 vipd: .*vip 200: backup -> master
front01 vipd: .*vip 200: operator resume
front01 vipd: .*vip 200: backup -> master
front01 drill: giveup 200 ends'
if out=$(in_order "$steps" "$drill"); then
	tap_ok "lab logs --since: the drill in the order it happened, across front01 and front02"
else
	tap_fail "lab logs --since: the drill in the order it happened, across front01 and front02"
	diag "  $out" "$(grep -v node-exporter <<<"$drill" | tail -n 30)"
fi
call=$EPOCHREALTIME since=$(secs_since "$t0")
drill=$(logs --since "$since")
cut=$(date -u -d "@$(awk -v c="$call" -v s="$since" 'BEGIN { printf "%.6f", c - s }')" +%FT%T.%6N)
is "$(awk -v t="$cut" '$1 < t' <<<"$drill")" "" "...and nothing older than --since"
only2=$(logs --since "$(secs_since "$t0")" --host front02)
check "$(grep -c . <<<"$only2") -gt 0" "--host front02 shows front02's lines"
is "$(awk '$2 != "front02"' <<<"$only2")" "" "...and no other host's"
g=$(logs --grep 'vip 200: [a-z]+ -> master')
check "$(grep -c . <<<"$g") -ge 2" "--grep shows the matching lines"
is "$(grep -vE 'vip 200: [a-z]+ -> master' <<<"$g")" "" "...and only those"
is "$(logs --host front03 --grep 'drill: giveup 200')" "" "--host and --grep together"

# A lost redis host and its rebuild: the other hosts see it fail, the new
# instances start; the rebuilt host's forwarder reads its logs again from
# the start, and every line of them shows once.
t1=$EPOCHREALTIME
ok "lab exec redis01 logger -t drill succeeds" lab exec redis01 logger -t drill "redis02 lost"
lab destroy redis02 >/dev/null
sleep 4
lab rebuild redis02 >/dev/null
lab exec redis01 logger -t drill "redis02 rebuilt"
one_line_each() { # FILE SERVICE: every line of redis02's FILE once in lab logs
	[ "$(logs --host redis02 --grep " $2: " | wc -l)" = "$(grep -c . "$LAB_STATE/redis02/$1")" ]
}
wait_until 30 eval 'one_line_each redis-6379.log redis-6379 && one_line_each redis-6380.log redis-6380 &&
	logs --grep "drill: redis02 (lost|rebuilt)" | wc -l | grep -qx 2'
steps='redis01 drill: redis02 lost
redis0[13] redis-63[0-9]+: .*(FAIL message received|as failing)
redis02 redis-6379: .*Ready to accept connections
redis01 drill: redis02 rebuilt'
if out=$(in_order "$steps" "$(logs --since "$(secs_since "$t1")")"); then
	tap_ok "lab destroy and lab rebuild redis02: in lab logs --since in the order it happened"
else
	tap_fail "lab destroy and lab rebuild redis02: in lab logs --since in the order it happened"
	diag "  $out" "$(logs --since "$(secs_since "$t1")" | grep -v node-exporter | tail -n 30)"
fi
for p in 6379 6380; do
	ok "every line of redis02's redis-$p.log, before and after, once in lab logs" one_line_each "redis-$p.log" "redis-$p"
done

# ---- 4: numbered lines while the logs host restarts and its link is cut ------------

# send HOST: numbered lines through HOST's forwarder until $W/stop; each
# one logger took is recorded in $W/sent-HOST.
send() {
	local h=$1 i=0
	while [ ! -e "$W/stop" ]; do
		i=$((i + 1))
		lab exec "$h" logger -t seq "$RUN $h $i" 2>/dev/null && echo "$i" >>"$W/sent-$h"
		sleep 0.05
	done
}
# send_batch HOST FROM TO: those lines at once.
send_batch() {
	local i
	for i in $(seq "$2" "$3"); do lab exec "$1" logger -t seq "$RUN $1 $i" && echo "$i" >>"$W/sent-$1"; done
}
RUN=seq${TAG:-x}$$
rm -f "$W/stop"
send_batch logs 1 20   # the logs host's own socket is away while it restarts
for h in $(hosts_of_lab | grep -vx logs); do send "$h" & SENDERS+=($!); done
sleep 2
lab halt logs >/dev/null
sleep 3
lab boot logs >/dev/null
sleep 2
kill -KILL "$(cat "$LAB_STATE/logs/relp.pid")"
sleep 2
lab boot logs >/dev/null   # starts what is not running
sleep 2
ip -n "${LAB_PREFIX}logs" link set eth0 down
sleep 4
ip -n "${LAB_PREFIX}logs" link set eth0 up
# The link's down took the route to the front network (the router) with
# it; the host's network configuration puts it back, as networkd would.
ip -n "${LAB_PREFIX}logs" route replace "$LAB_NET.0/24" via "$LAB_BACK_NET.254"
sleep 2
stop_senders
send_batch logs 21 40
nsent=$(cat "$W"/sent-* | wc -l)
arrived() { [ "$(logs --grep "seq: $RUN " | wc -l)" -ge "$nsent" ]; }
wait_until 60 arrived
seq_lines=$(logs --grep "seq: $RUN ")
missing= twice=
for h in $(hosts_of_lab); do
	got=$(awk -v h="$h" '$5 == h { print $6 }' <<<"$seq_lines" | sort)
	m=$(sort "$W/sent-$h" | comm -23 - <(sort -u <<<"$got") | sort -n | tr '\n' ' ')
	d=$(uniq -d <<<"$got" | sort -n | tr '\n' ' ')
	[ -z "$m" ] || missing="$missing$h: ${m% }; "
	[ -z "$d" ] || twice="$twice$h: ${d% }; "
done
diag "$nsent numbered lines sent from $(hosts_of_lab | wc -l) hosts"
is "$missing" "" "through a halt and boot, a crash and a cut link of the logs host, no line is lost"
is "$twice" "" "...and none shows twice"
raw=$(awk -v r="$RUN" '$3 == "seq" && $5 == r { c[$6 " " $7]++ } END { for (k in c) if (c[k] > 1) d++; print d + 0 }' \
	"$LAB_STATE/logs/store/all.log")
diag "the store holds $raw of them twice (RELP resent them; lab logs shows each once)"

# ---- 5: a forwarder restarted; a forwarder killed ---------------------------------

# write N FILE: numbered lines appended to FILE, one every 20 ms.
write() { local i; for i in $(seq 1 "$1"); do echo "$RUN $i" >>"$2"; sleep 0.02; done; }
fwd_restart() { # SIGNAL FILE: the forwarder of front02 stopped with SIGNAL, then started
	local p
	p=$(cat "$LAB_STATE/front02/forwarder.pid")
	kill "-$1" "$p"
	wait_until 15 eval "! kill -0 $p"
	lab boot front02 >/dev/null   # starts what is not running: the forwarder
}
shown_once() { # SERVICE N: lines 1..N of SERVICE on front02, each once, in lab logs
	local got
	got=$(logs --host front02 --grep "$1: $RUN " | awk '{ print $NF }' | sort -n | uniq -c)
	[ "$(awk '$1 == 1' <<<"$got" | wc -l)" = "$2" ] && [ "$(wc -l <<<"$got")" = "$2" ]
}
for sig in TERM KILL; do
	svc=written-$sig
	write 150 "$LAB_STATE/front02/$svc.log" & WRITER=$!
	sleep 1
	fwd_restart "$sig"
	wait "$WRITER"; WRITER=
	if wait_until 30 shown_once "$svc" 150; then
		tap_ok "a service log written through a SIG$sig of front02's forwarder: every line, once"
	else
		tap_fail "a service log written through a SIG$sig of front02's forwarder: every line, once"
		diag "$(logs --host front02 --grep "$svc: $RUN " | awk '{ print $NF }' | sort -n | uniq -c |
			awk '$1 != 1 { print "  line " $2 " shown " $1 " times" }' | head)"
	fi
	copies=$(awk -v s="$svc" '$2 == "front02" && $3 == s' "$LAB_STATE/logs/store/all.log" | wc -l)
	if [ "$sig" = TERM ]; then
		is "$copies" 150 "...and the store has no copy (imfile kept its positions)"
	else
		diag "after SIGKILL the store holds $((copies - 150)) copies (read again; lab logs drops them)"
	fi
done

# ---- 6: the same templates for real hosts ------------------------------------------

# What the logs role writes in /etc/rsyslog.d, for each logs_input, checked
# by rsyslogd -N1 (in the logs host's namespace) with Debian's rsyslog.conf.
real_vars() { # HOST ADDR INPUT
	printf '{"host":"%s","addr":"%s","net":"10.33.0","prefix_len":24,' "$1" "$2"
	printf '"logs_hosts":[{"name":"logs","addr":"10.33.0.7"}],"relp_port":2514,"logs_input":"%s",' "$3"
	printf '"logs_queue_max_disk":"1g","logs_store_dir":"/var/log/central"}'
}
rd=$W/real
for input in syslog journal; do
	rm -rf "$rd"; mkdir -p "$rd/rsyslog.d" "$rd/spool"
	real_vars logs 10.33.0.7 "$input" >"$rd/logs.json"
	"$tree/provisioning/render" "$tree/provisioning/templates/rsyslog-logs.conf.j2" "$rd/logs.json" \
		>"$rd/rsyslog.d/30-logs-server.conf" &&
	"$tree/provisioning/render" "$tree/provisioning/templates/rsyslog-forward.conf.j2" "$rd/logs.json" \
		>"$rd/rsyslog.d/40-logs-forward.conf"
	sed -e "s|/etc/rsyslog.d|$rd/rsyslog.d|; s|^\$WorkDirectory .*|\$WorkDirectory $rd/spool|" \
		/etc/rsyslog.conf >"$rd/rsyslog.conf"
	ok "logs_input $input: the logs host's files pass rsyslogd -N1 beside Debian's rsyslog.conf" \
		eval 'ip netns exec "${LAB_PREFIX}logs" /usr/sbin/rsyslogd -N1 -f "$rd/rsyslog.conf" >"$rd/check" 2>&1 ||
			{ diag "$(cat "$rd/check")"; false; }'
done
if command -v ansible-playbook >/dev/null; then
	ok "site.yml with the logs role passes ansible-playbook --syntax-check" eval \
		'(cd "$tree/provisioning/ansible" && ansible-playbook --syntax-check -i inventory.example.ini site.yml) >"$rd/check" 2>&1 ||
			{ diag "$(cat "$rd/check")"; false; }'
else
	skip "site.yml passes ansible-playbook --syntax-check" "no ansible-playbook"
fi

# ---- 7: down ---------------------------------------------------------------------

[ -z "${KEEP_LOGS:-}" ] || save_logs
ok "lab down" eval 'lab down >/dev/null 2>&1'
is "$(ip netns list | awk '{ print $1 }' | grep "^$LAB_PREFIX")" "" "no namespace left"
is "$(ps -eo pid=,args= | grep -F -- "$LAB_STATE" | grep -v grep)" "" "no process left"
tap_done
