#!/bin/bash
# 26-tracking.sh - vipd follows the service, not just the host. A real
# nginx (Debian's) runs in each router's namespace; track_http checks it.
#   - nginx stopped on the master: the VIP moves within
#     fall x interval + Master_Down_Interval, with the reason in vipctl
#     status, and comes back after rise passes once nginx is started again;
#     a weight track lowers the effective priority instead.
#   - track_script whose result flaps (alternating, or fewer failures in a
#     row than fall): the track never changes state and the VIP stays put;
#     flapping at the limit changes state no faster than rise/fall allow.
#   - track_interface: another link going down faults the instance.
#   - wait_for_tracks: a restarted router with nginx down stays backup
#     (held) and takes its VIP only once nginx answers.
# The checks run as the unprivileged user vipd drops to.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
vipd_need
command -v nginx >/dev/null || skip_all "nginx is not installed (apt-get install nginx)"
command -v curl >/dev/null || skip_all "curl is not installed (apt-get install curl)"
lab_up i26 10.99.31 2

NET=10.99.31
VIP_A=$NET.200      # instance web: fault on nginx
VIP_B=$NET.201      # instance weighted: weight -60 on nginx
VIP_C=$NET.202      # instance flappy: track_script
VIP_D=$NET.203      # instance link: track_interface eth1
IVAL=0.1            # advert_interval of every instance
CHECK=0.2           # track interval
RISE=2 FALL=2
IO=$TOPO_DIR/io     # files the checks (run as an unprivileged user) use
mkdir -p "$IO" && chmod 1777 "$IO"

declare -A NGINX_PID=()
nginx_start() { # NODE: nginx on 127.0.0.1:8081 in NODE's namespace
	local n=$1 dir=$TOPO_DIR/nginx-$1
	mkdir -p "$dir/logs" "$dir/tmp"
	cat >"$dir/nginx.conf" <<-EOF
	worker_processes 1;
	pid $dir/nginx.pid;
	error_log $dir/logs/error.log;
	events { worker_connections 64; }
	http {
	    access_log off;
	    client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp; fastcgi_temp_path $dir/tmp;
	    uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
	    server {
	        listen 127.0.0.1:8081;
	        location = /healthz { return 200 "ok\n"; }
	        location / { return 404; }
	    }
	}
	EOF
	topo_spawn "$(ns_of "$n")" "$dir/logs/stderr.log" nginx -c "$dir/nginx.conf" -p "$dir" -g 'daemon off;'
	NGINX_PID[$n]=$TOPO_LAST_PID
	wait_until 5 topo_exec "$(ns_of "$n")" curl -fsS -o /dev/null http://127.0.0.1:8081/healthz
}
nginx_stop() { topo_kill "${NGINX_PID[$1]}" QUIT; NGINX_PID[$1]=; }

# A second link on each router for track_interface: a veth pair whose far
# end stays in the router's namespace (its state is all that matters).
for r in r1 r2; do
	ip -n "$(ns_of $r)" link add eth1 type veth peer name eth1p
	ip -n "$(ns_of $r)" link set eth1p up
	ip -n "$(ns_of $r)" link set eth1 up
done

# The flapping check: its results follow a pattern of p(ass) and f(ail)
# letters in $IO/pattern-NODE, one letter per run, cycling.
cat >"$IO/flap.sh" <<'EOF'
#!/bin/sh
# flap.sh DIR NODE: pass or fail by the next letter of DIR/pattern-NODE.
p=$(cat "$1/pattern-$2" 2>/dev/null || echo p)
n=$(cat "$1/count-$2" 2>/dev/null || echo 0)
echo $((n + 1)) >"$1/count-$2"
i=$((n % ${#p}))
c=$(echo "$p" | cut -c$((i + 1)))
echo "run $n: $c"
[ "$c" = p ]
EOF
chmod 0755 "$IO/flap.sh"

conf() { # NODE PRIO [WAIT_FOR_TRACKS]
	local wait=${3:-false}
	conf_header "$1"
	cat <<-EOF
	vip web {
	    interface = "eth0"
	    vrid = 200
	    priority = $2
	    advert_interval = $IVAL
	    address = { "$VIP_A/24" }
	    wait_for_tracks = $wait
	    track_http nginx { url = "http://127.0.0.1:8081/healthz" expect = 200 interval = $CHECK
	                       timeout = 0.5 rise = $RISE fall = $FALL fault = true }
	}
	vip weighted {
	    interface = "eth0"
	    vrid = 201
	    priority = $2
	    advert_interval = $IVAL
	    address = { "$VIP_B/24" }
	    wait_for_tracks = $wait
	    track_http nginx { url = "http://127.0.0.1:8081/healthz" interval = $CHECK timeout = 0.5
	                       rise = $RISE fall = $FALL weight = -60 }
	}
	vip flappy {
	    interface = "eth0"
	    vrid = 202
	    priority = $2
	    advert_interval = $IVAL
	    address = { "$VIP_C/24" }
	    track_script flap { command = "$IO/flap.sh $IO $1" interval = 0.1 timeout = 1
	                        rise = 3 fall = 3 fault = true }
	}
	vip link {
	    interface = "eth0"
	    vrid = 203
	    priority = $2
	    advert_interval = $IVAL
	    address = { "$VIP_D/24" }
	    track_interface = { "eth1" }
	}
	EOF
}
conf r1 150 >"$TOPO_DIR/r1.conf"
conf r2 100 >"$TOPO_DIR/r2.conf"

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
# Master_Down_Interval of r2 (priority 100, 0.1 s) in ms: 3 x 100 + 61.
MDI_MS=361
BOUND_MS=$(awk -v f=$FALL -v c=$CHECK -v m=$MDI_MS 'BEGIN { printf "%d", f * c * 1000 + m }')
# The bounds are the protocol's; the slack is for a shared, busy machine.
SLACK_MS=${TRACK_SLACK_MS:-1500}

nginx_start r1 || tap_fail "nginx starts in r1"
nginx_start r2 || tap_fail "nginx starts in r2"
vipd_start r1
vipd_start r2

ok "r1 is master of every instance once its tracks pass" \
	eval 'wait_state 10 r1 web master && wait_state 5 r1 weighted master && wait_state 5 r1 flappy master && wait_state 5 r1 link master'
ok "r2 backs them up" eval 'is_state r2 web backup && is_state r2 weighted backup && is_state r2 link backup'
ok "status --json: the nginx track is up and passing" \
	eval '[ "$(vfield r1 web ".tracks[0].state")" = up ] && [ "$(vfield r1 web ".tracks[0].passes")" -ge $RISE ]'
ok "status --json: track kind, target and effect" \
	eval '[ "$(vfield r1 weighted ".tracks[0] | [.kind, .target, .weight, .fault] | join(\" \")")" = "http http://127.0.0.1:8081/healthz -60 false" ]'
ok "vipctl status (text) lists the track" eval 'vctl r1 status | grep -q "track nginx.*http.*up"'
ok "the checks run as the unprivileged user (flap.sh wrote its counter as nobody or vipd)" \
	eval '[ "$(stat -c %U "$IO/count-r1")" != root ]'

# --- nginx stops on the master -----------------------------------------
t0=$(date +%s%N)
nginx_stop r1
wait_until 10 only_holder r2 $VIP_A
move_a=$(ms_since "$t0")
wait_until 10 only_holder r2 $VIP_B
move_b=$(ms_since "$t0")
check "$move_a -le $((BOUND_MS + SLACK_MS))" \
	"nginx stopped: fault track moves $VIP_A to r2 in $move_a ms (fall x interval + MDI = $BOUND_MS ms)"
check "$move_b -le $((BOUND_MS + SLACK_MS))" \
	"nginx stopped: weight track moves $VIP_B to r2 in $move_b ms (fall x interval + MDI = $BOUND_MS ms)"
ok "r1's fault instance is in fault, the reason names the track and what it saw" \
	eval 'is_state r1 web fault && vfield r1 web .reason | grep -q "track nginx down (.*onnect"'
ok "r1's weight instance is backup with effective priority 90" \
	eval 'is_state r1 weighted backup && [ "$(vfield r1 weighted .effective_priority)" = 90 ]'
ok "the priority reason names the track and its weight" \
	eval 'vfield r1 weighted .priority_reason | grep -q "track nginx down .*weight -60"'
ok "vipctl status (text) shows the priority and its reason" \
	eval 'vctl r1 status | grep -q "priority 90: track nginx down"'
ok "the instances r1's nginx does not concern stay with r1" \
	eval 'only_holder r1 $VIP_C && only_holder r1 $VIP_D'

# --- nginx comes back -------------------------------------------------------
t0=$(date +%s%N)
nginx_start r1
wait_until 10 only_holder r1 $VIP_A
back_a=$(ms_since "$t0")
wait_until 10 only_holder r1 $VIP_B
back_b=$(ms_since "$t0")
RISE_MS=$(awk -v r=$RISE -v c=$CHECK 'BEGIN { printf "%d", r * c * 1000 }')
check "$back_a -le $((RISE_MS + 2 * MDI_MS + SLACK_MS))" \
	"nginx back: $VIP_A returns to r1 in $back_a ms (rise x interval = $RISE_MS ms, then preemption)"
check "$back_a -ge $(( (RISE - 1) * RISE_MS / RISE ))" "it did not return before rise passes could be seen ($back_a ms >= (rise - 1) x interval)"
check "$back_b -le $((RISE_MS + 2 * MDI_MS + SLACK_MS))" "nginx back: $VIP_B returns to r1 in $back_b ms"
ok "r1's effective priority is 150 again, with no reason left" \
	eval '[ "$(vfield r1 weighted .effective_priority)" = 150 ] && [ -z "$(vfield r1 weighted .priority_reason)" ]'
ok "the nginx track changed state twice (down, up)" eval '[ "$(vfield r1 web ".tracks[0].changes")" = 2 ]'

# --- flapping ----------------------------------------------------------------
# Alternating results, then two failures in three: with rise = fall = 3
# neither ever makes three in a row, so the track stays up.
flap_window() { # PATTERN SECONDS: the state/transition counts stay put
	local p=$1 s=$2 c0 t0 n0
	# From a clean start: passes first, then the pattern from its first
	# letter (the tail of the last pattern must not add to its failures).
	echo p >"$IO/pattern-r1"
	sleep 0.5
	echo 0 >"$IO/count-r1"
	echo "$p" >"$IO/pattern-r1"
	c0=$(vfield r1 flappy '.tracks[0].passes + .tracks[0].failures')
	t0=$(vfield r1 flappy .counters.transitions)
	n0=$(vfield r1 flappy '.tracks[0].changes')
	steady_window "$s" only_holder r1 $VIP_C || return 1
	[ "$(vfield r1 flappy .counters.transitions)" = "$t0" ] || return 1
	[ "$(vfield r1 flappy '.tracks[0].changes')" = "$n0" ] || return 1
	# The checks did run: about 10 a second.
	[ $(( $(vfield r1 flappy '.tracks[0].passes + .tracks[0].failures') - c0 )) -ge $(( s * 5 )) ]
}
ok "an alternating check (pass, fail, ...) for 4 s: no track change, the VIP stays on r1" flap_window pf 4
ok "pass, fail, fail, ... for 4 s (fall = 3): no track change, the VIP stays on r1" flap_window pff 4

# At the limit: three failures, three passes, over and over. Every change
# is allowed, but none can come sooner than three checks after the last.
echo fffppp >"$IO/pattern-r1"
n0=$(vfield r1 flappy '.tracks[0].changes')
tr0=$(vfield r1 flappy .counters.transitions)
sleep 6
echo p >"$IO/pattern-r1"
n1=$(vfield r1 flappy '.tracks[0].changes')
tr1=$(vfield r1 flappy .counters.transitions)
changes=$((n1 - n0))
# 6 s of 0.1 s checks, a change every 3 checks at most: 20 (the scheduler
# only ever makes checks later, never sooner).
check "$changes -ge 4 -a $changes -le 21" "at the limit (fffppp): $changes track changes in 6 s (at most 20 allowed by rise/fall 3 at 0.1 s)"
check "$((tr1 - tr0)) -le $((2 * changes + 2))" \
	"r1's instance changed state $((tr1 - tr0)) times: no more than its track allows"
ok "back to passing: r1 holds $VIP_C again" eval 'wait_until 10 only_holder r1 $VIP_C'
ok "the flapping never moved $VIP_A, $VIP_B or $VIP_D" \
	eval 'only_holder r1 $VIP_A && only_holder r1 $VIP_B && only_holder r1 $VIP_D'

# --- track_interface --------------------------------------------------------
ip -n "$(ns_of r1)" link set eth1 down
ok "eth1 down on r1: instance link faults and $VIP_D moves to r2" \
	eval 'wait_until 5 only_holder r2 $VIP_D && is_state r1 link fault'
ok "the reason names the interface" eval 'vfield r1 link .reason | grep -q "track eth1 down (down)"'
ok "the other instances stay with r1" eval 'only_holder r1 $VIP_A && only_holder r1 $VIP_C'
ip -n "$(ns_of r1)" link set eth1 up
ok "eth1 up again: $VIP_D comes back to r1" eval 'wait_until 5 only_holder r1 $VIP_D'

# --- wait_for_tracks: a restarted router waits for its service ----------
vipd_term_check r1
nginx_stop r1
ok "r1 gone: r2 holds every VIP" eval 'wait_until 5 only_holder r2 $VIP_A && wait_until 5 only_holder r2 $VIP_B'
conf r1 150 true >"$TOPO_DIR/r1.conf"
vipd_start r1
# The weight track alone would leave r1 at 90 < 100: it would not preempt
# anyway. What the gate adds shows on r1's own status and on the fault
# instance; nginx has never answered since the start.
ok "restarted with nginx down and wait_for_tracks: r1 stays backup for 3 s, held" \
	steady_window 3 eval 'is_state r1 weighted backup && [ "$(vfield r1 weighted .held)" = true ] && only_holder r2 $VIP_B'
ok "the held reason says what it waits for" eval 'vfield r1 weighted .held_reason | grep -q "waiting for tracks: nginx"'
ok "vipctl status (text) says it is held" eval 'vctl r1 status | grep -q "held as backup: waiting for tracks"'
t0=$(date +%s%N)
nginx_start r1
ok "nginx answers: r1 takes $VIP_A and $VIP_B back" \
	eval 'wait_until 10 only_holder r1 $VIP_A && wait_until 10 only_holder r1 $VIP_B'
ok "and is no longer held" eval '[ "$(vfield r1 weighted .held)" = false ]'
gate_ms=$(ms_since "$t0")
# Alone on the link, nobody's adverts wake a held backup: the gate's
# release itself must bring its overdue down timer back.
vipd_term_check r2
vipd_term_check r1
nginx_stop r1
vipd_start r1
ok "alone, restarted with nginx down: r1 holds nothing for 2 s" \
	steady_window 2 eval 'is_state r1 weighted backup && lacks_addr r1 $VIP_B && lacks_addr r1 $VIP_A'
nginx_start r1
ok "nginx answers: alone, r1 takes $VIP_A and $VIP_B" \
	eval 'wait_until 5 only_holder r1 $VIP_A && wait_until 5 only_holder r1 $VIP_B'

echo "# figures: nginx stop -> VIP moved: fault $move_a ms, weight $move_b ms (bound $BOUND_MS ms); nginx start -> back: $back_a ms, $back_b ms; gate released after $gate_ms ms"

nginx_stop r2
nginx_stop r1
lab_finish
