# web.sh - newsd behind nginx on a loopback Redis Cluster, for the web
# tests and the web benchmark. Everything listens on 127.0.0.1 only. Sourced
# after tap.sh:
#
#   web_begin NAME [nginx] [mail] [node]   skip unless the tools are here;
#                                  ports, lock, temp dir ($WEB_DIR), EXIT trap
#   web_cluster                    6 redis-server (3 masters, 3 replicas) made
#                                  a cluster by clusterctl create
#   web_cluster_ok                 every running node says cluster_state:ok and
#                                  every master serving slots runs
#   web_rcli PORT ARGS...          redis-cli against 127.0.0.1:PORT
#   web_slot_owner SLOT            the port of the master serving SLOT
#   web_mail_sink                  an SMTP sink on $MAIL_PORT (aiosmtpd, Maildir)
#   web_mail_count, web_mail_last, web_mail_last_file
#                                  messages received; the newest one's decoded
#                                  body; its file (headers and all)
#   web_newsd [CONFIG-LINE...]     newsd on $NEWSD_PORT (test settings, see
#                                  below; the lines are appended), waits for
#                                  200 on /healthz, up to 20 s
#   web_nginx                      nginx on $NGINX_PORT in front of newsd
#   web_get PATH [CURL-ARGS...]    the body of GET $WEB_URL$PATH
#   web_status PATH [CURL-ARGS...] the HTTP status of it (000: no answer)
#   web_post PATH DATA [CURL-ARGS...]  the body of a form POST
#   web_signup USER PASS / web_login USER PASS   print the user's cookie jar
#   web_jar USER, web_auth USER, web_apisecret USER
#   web_api_ok JSON                true when JSON says "status":"ok"
#   web_kill_master_of KEY         SIGKILL the master serving KEY's slot
#   web_restart_node PORT          start that node again (same nodes.conf)
#   web_newsd_stop                 SIGTERM newsd; returns its exit status
#   web_end                        stop everything (by PID), remove $WEB_DIR;
#                                  runs by itself on exit
#   web_wait SECONDS CMD...        poll CMD every 0.1 s until it succeeds
#
# The helpers that start something (web_cluster, web_mail_sink, web_newsd,
# web_nginx, web_restart_node) must not run in $(...): the PIDs they record
# would be lost. They return non-zero, with "# " lines on stderr saying why,
# when what they start does not come up.
#
# newsd.conf: listen 127.0.0.1:$NEWSD_PORT, workers 4, the first two redis
# nodes as seeds, 127.0.0.1 as trusted proxy, site_url the nginx address,
# mail through $MAIL_PORT, password_iterations 1000 (low, for speed), and
# user_creation_delay, news_submission_break, password_reset_delay 0.
#
# Ports: WEB_BASE .. +5 redis (cluster bus: port + 10000), +10 newsd,
# +11 nginx, +20 SMTP. WEB_BASE is WEB_TEST_PORT when set, else 8400, or a
# base of its own per TEST_NS_TAG (tests/run runs the plain and the
# sanitized suites side by side): 8400 + 40 * (cksum % 20), which stays
# clear of 20-cluster-client.sh's 7101..8010. A lock per base makes a second
# run on the same ports wait.
#
# Binaries: newsd and clusterctl from VIPD_BUILD (default: this tree), or
# NEWSD, CLUSTERCTL. Environment: WEB_URL (where web_get and friends go:
# newsd, then nginx once it runs), WEB_STATIC_ROOT (default webapp/static),
# WEB_NGINX_SITE (the site template, default webapp/nginx/newsd.conf),
# WEB_NGINX_HTTP (extra lines for nginx's http block), WEB_NGINX_LOGIN_LIMIT
# (unset: the site's limit on logins and account changes, made for people,
# is lifted, since these tests make far more from one address; "shipped":
# kept as the site has it), WEB_REDIS_CONF (extra
# lines for every redis.conf), WEB_SKIP_HOOK (called instead of skip_all
# when something is missing: the benchmark dies instead), WEB_KEEP=1 keeps
# $WEB_DIR. When the script fails, newsd's log and nginx's error log are
# copied to tests/out/NAME[-TAG]-*.log.

WEB_TREE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WEB_BUILD=${VIPD_BUILD:-$WEB_TREE}
NEWSD=${NEWSD:-$WEB_BUILD/webapp/newsd}
CLUSTERCTL=${CLUSTERCTL:-$WEB_BUILD/cluster/clusterctl}
WEB_PYTHON=/usr/bin/python3

WEB_NAME='' WEB_DIR='' WEB_BASE='' WEB_URL=${WEB_URL:-} WEB_LOCK_FD='' WEB_ENDED=''
NEWSD_PORT='' NGINX_PORT='' MAIL_PORT='' NEWSD_PID='' NGINX_PID='' MAIL_PID=''
NEWSD_URL='' NGINX_URL=''
# shellcheck disable=SC2034 # set by web_kill_master_of, read by the caller
WEB_KILLED_PORT=
WEB_PORTS=()                  # the redis ports
declare -A WEB_REDIS_PID=()   # port -> PID of its redis-server
declare -A WEB_PROC=()        # PID -> its start time, for every process started here

if ! declare -F skip_all >/dev/null; then
	skip_all() { echo "1..0 # SKIP $*"; exit 0; }
fi
web_skip() { "${WEB_SKIP_HOOK:-skip_all}" "$@"; }
web_note() { printf '# %s\n' "$@" >&2; }

# web_wait SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
web_wait() {
	local end=$(($(date +%s) + $1)); shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

web_begin() { # NAME [nginx] [mail] [node]
	local t p q need
	WEB_NAME=$1; shift
	for t in redis-server redis-cli curl jq flock ss timeout; do
		command -v "$t" >/dev/null || web_skip "$t is not installed (provisioning/deps.sh test)"
	done
	[ -x "$NEWSD" ] || web_skip "no newsd at $NEWSD (build it, or set VIPD_BUILD)"
	[ -x "$CLUSTERCTL" ] || web_skip "no clusterctl at $CLUSTERCTL (build it, or set VIPD_BUILD)"
	for need in "$@"; do
		case $need in
		nginx)
			command -v nginx >/dev/null || web_skip "nginx is not installed (apt-get install nginx)"
			[ -f "${WEB_NGINX_SITE:-$WEB_TREE/webapp/nginx/newsd.conf}" ] ||
				web_skip "no nginx site template at ${WEB_NGINX_SITE:-webapp/nginx/newsd.conf}"
			;;
		mail)
			"$WEB_PYTHON" -c 'import aiosmtpd' 2>/dev/null ||
				web_skip "aiosmtpd is not installed (apt-get install python3-aiosmtpd)"
			;;
		node)
			command -v node >/dev/null || web_skip "node is not installed (Node.js 20 or later)"
			command -v npm >/dev/null || web_skip "npm is not installed"
			;;
		*) echo "web_begin: unknown need '$need'" >&2; exit 2 ;;
		esac
	done

	if [ -n "${WEB_TEST_PORT:-}" ]; then
		WEB_BASE=$WEB_TEST_PORT
	elif [ -n "${TEST_NS_TAG:-}" ]; then
		WEB_BASE=$((8400 + 40 * ($(printf '%s' "$TEST_NS_TAG" | cksum | cut -d' ' -f1) % 20)))
	else
		WEB_BASE=8400
	fi
	WEB_PORTS=()
	for p in 0 1 2 3 4 5; do WEB_PORTS+=($((WEB_BASE + p))); done
	NEWSD_PORT=$((WEB_BASE + 10)) NGINX_PORT=$((WEB_BASE + 11)) MAIL_PORT=$((WEB_BASE + 20))
	NEWSD_URL=http://127.0.0.1:$NEWSD_PORT NGINX_URL=http://127.0.0.1:$NGINX_PORT
	WEB_URL=${WEB_URL:-$NEWSD_URL}

	# Two runs on one machine would share the ports: the second waits.
	exec {WEB_LOCK_FD}>"${TMPDIR:-/tmp}/vipd-web-$WEB_BASE.lock"
	flock -w 300 "$WEB_LOCK_FD" || web_note "ports $WEB_BASE.. still locked by another run after 300 s; going ahead"
	for p in "${WEB_PORTS[@]}" $((WEB_BASE + 10000)) $((WEB_BASE + 10001)) $((WEB_BASE + 10002)) \
		$((WEB_BASE + 10003)) $((WEB_BASE + 10004)) $((WEB_BASE + 10005)) $NEWSD_PORT $NGINX_PORT $MAIL_PORT; do
		ss -Htln "sport = :$p" 2>/dev/null | grep . >/dev/null && web_skip "port $p is in use (set WEB_TEST_PORT)"
	done
	WEB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/web-$WEB_NAME.XXXXXX") || web_skip "cannot make a temp dir"
	trap '_web_exit $?' EXIT
	trap 'exit 130' INT TERM
}

# --- processes: each one started here is remembered with its start time,
# so that a PID reused by something else is never signalled.
_web_starttime() { # PID: its start time, nothing once it has exited (or is a zombie)
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '$1 != "Z" { print $20 }'
}
_web_ours() { # PID: still the process started here
	[ -n "$1" ] && [ -n "${WEB_PROC[$1]:-}" ] && [ "$(_web_starttime "$1")" = "${WEB_PROC[$1]}" ]
}
_web_spawn() { # LOG CMD...: start CMD in the background; its PID in WEB_LAST_PID
	local log=$1; shift
	"$@" >>"$log" 2>&1 </dev/null &
	WEB_LAST_PID=$!
	WEB_PROC[$WEB_LAST_PID]=$(_web_starttime "$WEB_LAST_PID")
	[ -n "${WEB_PROC[$WEB_LAST_PID]}" ] || WEB_PROC[$WEB_LAST_PID]=gone
}
# _web_stop PID [SECONDS]: SIGTERM, SIGKILL after SECONDS (default 5); sets
# WEB_STOP_RC to its exit status when it is a child of this shell.
_web_stop() {
	local pid=$1 secs=${2:-5} i
	WEB_STOP_RC=
	[ -n "$pid" ] || return 0
	if _web_ours "$pid"; then
		kill -CONT "$pid" 2>/dev/null
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < secs * 10; i++)); do
			_web_ours "$pid" || break
			sleep 0.1
		done
		if _web_ours "$pid"; then
			web_note "PID $pid did not stop within $secs s of SIGTERM: SIGKILL"
			kill -KILL "$pid" 2>/dev/null
		fi
	fi
	wait "$pid" 2>/dev/null
	WEB_STOP_RC=$?
	unset "WEB_PROC[$pid]"
}

# --- the Redis Cluster
web_rcli() { # PORT ARGS...
	local p=$1; shift
	timeout 10 redis-cli --no-auth-warning -h 127.0.0.1 -p "$p" "$@"
}
_web_pong() { [ "$(web_rcli "$1" ping 2>/dev/null)" = PONG ]; }
_web_state_ok() { web_rcli "$1" cluster info 2>/dev/null | grep '^cluster_state:ok' >/dev/null; }
# web_cluster_ok: every running node says cluster_state:ok, and every master
# that serves slots runs (a killed master is seen as up by its peers for
# cluster-node-timeout, 2 s: this waits out the failover too).
web_cluster_ok() {
	local p q live=
	for p in "${WEB_PORTS[@]}"; do
		_web_ours "${WEB_REDIS_PID[$p]:-}" || continue
		_web_state_ok "$p" || return 1
		live=$p
	done
	[ -n "$live" ] || return 1
	for q in $(web_rcli "$live" cluster nodes | awk '$3 ~ /master/ && NF > 8 { split($2, a, "[:@]"); print a[2] }'); do
		_web_ours "${WEB_REDIS_PID[$q]:-}" || return 1
	done
}
_web_live_port() { # a running node that answers
	local p
	for p in "${WEB_PORTS[@]}"; do
		_web_ours "${WEB_REDIS_PID[$p]:-}" && _web_pong "$p" && { echo "$p"; return 0; }
	done
	return 1
}

_web_redis_start() { # PORT
	local p=$1 d=$WEB_DIR/redis-$1
	mkdir -p "$d"
	[ -f "$d/redis.conf" ] || cat >"$d/redis.conf" <<-EOF
	port $p
	bind 127.0.0.1
	dir $d
	daemonize no
	cluster-enabled yes
	cluster-config-file nodes.conf
	cluster-node-timeout 2000
	appendonly no
	save ""
	repl-diskless-sync yes
	repl-diskless-sync-delay 0
	${WEB_REDIS_CONF:-}
	EOF
	_web_spawn "$d/log" redis-server "$d/redis.conf"
	WEB_REDIS_PID[$p]=$WEB_LAST_PID
	disown "$WEB_LAST_PID"   # no "Killed" notice when a test kills it
	web_wait 10 _web_pong "$p" || { web_note "redis-server on $p does not answer:"; sed 's/^/# /' "$d/log" >&2; return 1; }
}

# web_cluster: six nodes, labelled host0..host2 (two per label), so that
# clusterctl puts one master on each label and every replica on another:
# masters WEB_BASE..+2, replicas +3..+5.
web_cluster() {
	local p i addrs=()
	for i in 0 1 2 3 4 5; do
		p=${WEB_PORTS[$i]}
		_web_redis_start "$p" || return 1
		addrs+=("127.0.0.1:$p@host$((i % 3))")
	done
	if ! timeout 90 "$CLUSTERCTL" create --replicas 1 --timeout 60 "${addrs[@]}" >"$WEB_DIR/clusterctl-create.log" 2>&1; then
		web_note "clusterctl create failed:"
		sed 's/^/# /' "$WEB_DIR/clusterctl-create.log" >&2
		return 1
	fi
	web_wait 30 web_cluster_ok || { web_note "the cluster is not ok on every node after 30 s"; return 1; }
}

web_slot_owner() { # SLOT: the port of the master serving it
	local p
	p=$(_web_live_port) || return 1
	web_rcli "$p" cluster nodes | awk -v s="$1" '
		$3 ~ /master/ && $3 !~ /fail/ {
			for (i = 9; i <= NF; i++) {
				if ($i ~ /^\[/) continue
				n = split($i, r, "-"); lo = r[1]; hi = (n > 1) ? r[2] : r[1]
				if (s >= lo && s <= hi) { split($2, a, "[:@]"); print a[2]; exit }
			}
		}'
}

# web_kill_master_of KEY: SIGKILL the master serving KEY's slot; prints its
# port (also left in WEB_KILLED_PORT when not called in $(...)).
web_kill_master_of() {
	local p slot port pid
	p=$(_web_live_port) || return 1
	slot=$(web_rcli "$p" cluster keyslot "$1") || return 1
	port=$(web_slot_owner "$slot")
	pid=${WEB_REDIS_PID[$port]:-}
	if [ -z "$port" ] || ! _web_ours "$pid"; then
		web_note "no running master found for slot $slot"
		return 1
	fi
	kill -KILL "$pid"
	web_wait 5 eval "! kill -0 $pid"
	# shellcheck disable=SC2034 # read by the caller
	WEB_KILLED_PORT=$port
	echo "$port"
}

# web_restart_node PORT: start a node again from its own directory (its
# nodes.conf: it rejoins, as a replica once its master role has been taken
# over). Stops it first if it still runs.
web_restart_node() {
	local p=$1
	_web_ours "${WEB_REDIS_PID[$p]:-}" && _web_stop "${WEB_REDIS_PID[$p]}"
	_web_redis_start "$p"
}

# --- the mail sink: aiosmtpd's Mailbox handler writes each message to a
# file of the Maildir $WEB_DIR/maildir.
web_mail_sink() {
	mkdir -p "$WEB_DIR/maildir/"{tmp,new,cur}   # Maildir makes these only for a new folder
	_web_spawn "$WEB_DIR/smtp.log" "$WEB_PYTHON" -m aiosmtpd -n -l "127.0.0.1:$MAIL_PORT" \
		-c aiosmtpd.handlers.Mailbox "$WEB_DIR/maildir"
	MAIL_PID=$WEB_LAST_PID
	web_wait 10 eval "ss -Htln 'sport = :$MAIL_PORT' | grep . >/dev/null" ||
		{ web_note "the SMTP sink does not listen on $MAIL_PORT:"; sed 's/^/# /' "$WEB_DIR/smtp.log" >&2; return 1; }
}
web_mail_count() { find "$WEB_DIR/maildir/new" -type f 2>/dev/null | wc -l; }
web_mail_last_file() { # the newest message's file
	local f
	f=$(ls -t "$WEB_DIR/maildir/new" 2>/dev/null | head -1)
	[ -n "$f" ] && echo "$WEB_DIR/maildir/new/$f"
}
web_mail_last() { # the newest message's body, decoded (text/plain, else text/html)
	local f
	f=$(web_mail_last_file) || return 1
	"$WEB_PYTHON" -c '
import email, email.policy, sys
with open(sys.argv[1], "rb") as fh:
    m = email.message_from_binary_file(fh, policy=email.policy.default)
b = m.get_body(preferencelist=("plain", "html"))
sys.stdout.write(b.get_content() if b is not None else "")' "$f"
}

# --- newsd
web_newsd() { # [CONFIG-LINE...]
	local conf=$WEB_DIR/newsd.conf line
	{
		cat <<-EOF
		listen = "127.0.0.1:$NEWSD_PORT"
		workers = 4
		redis_nodes = { "127.0.0.1:${WEB_PORTS[0]}", "127.0.0.1:${WEB_PORTS[1]}" }
		trusted_proxies = { "127.0.0.1" }
		site_name = "Lamer News"
		site_url = "http://127.0.0.1:$NGINX_PORT"
		mail_relay = "smtp://127.0.0.1:$MAIL_PORT"
		mail_from = "noreply@news.lab"
		password_iterations = 1000
		user_creation_delay = 0
		news_submission_break = 0
		password_reset_delay = 0
		EOF
		for line; do printf '%s\n' "$line"; done
	} >"$conf"
	_web_spawn "$WEB_DIR/newsd.log" "$NEWSD" -c "$conf"
	NEWSD_PID=$WEB_LAST_PID
	if ! web_wait 20 eval '_web_ours $NEWSD_PID && [ "$(web_status /healthz --url-base "$NEWSD_URL")" = 200 ]'; then
		if _web_ours "$NEWSD_PID"; then
			web_note "newsd (PID $NEWSD_PID) does not answer 200 on $NEWSD_URL/healthz after 20 s"
		else
			wait "$NEWSD_PID"
			web_note "newsd exited with status $? before answering /healthz"
		fi
		tail -30 "$WEB_DIR/newsd.log" | sed 's/^/# newsd.log: /' >&2
		return 1
	fi
}
# web_newsd_stop: SIGTERM newsd (SIGKILL after 10 s); returns its exit
# status, so that a test can require a clean exit (no sanitizer report).
web_newsd_stop() {
	[ -n "$NEWSD_PID" ] || return 0
	_web_stop "$NEWSD_PID" 10
	NEWSD_PID=
	if [ "$WEB_STOP_RC" != 0 ]; then
		web_note "newsd exited with status $WEB_STOP_RC"
		grep -E 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' "$WEB_DIR/newsd.log" |
			head -5 | sed 's/^/# /' >&2
	fi
	return "$WEB_STOP_RC"
}

# --- nginx: a top-level nginx.conf of our own around the site template
# with its placeholders filled in; every path it writes is in $WEB_DIR.
web_nginx() {
	local n=$WEB_DIR/nginx
	local site=${WEB_NGINX_SITE:-$WEB_TREE/webapp/nginx/newsd.conf}
	local static=${WEB_STATIC_ROOT:-$WEB_TREE/webapp/static}
	mkdir -p "$n" "$WEB_DIR/cache"
	[ -f "$site" ] || { web_note "no nginx site template at $site"; return 1; }
	sed -e "s|@LISTEN@|127.0.0.1:$NGINX_PORT|g" -e "s|@SERVER_NAME@|news.lab|g" \
		-e "s|@STATIC_ROOT@|$static|g" -e "s|@UPSTREAM@|127.0.0.1:$NEWSD_PORT|g" \
		-e "s|@CACHE_DIR@|$WEB_DIR/cache|g" -e "s|/var/log/nginx/access.log|$WEB_DIR/nginx-access.log|g" \
		"$site" >"$WEB_DIR/site.conf"
	[ "${WEB_NGINX_LOGIN_LIMIT:-}" = shipped ] ||
		sed -i 's/^\( *limit_req zone=newsd_account\) burst=[0-9]*/\1 burst=100000/' "$WEB_DIR/site.conf"
	cat >"$WEB_DIR/nginx.conf" <<-EOF
	user root;
	daemon off;
	master_process on;
	worker_processes 2;
	pid $n/nginx.pid;
	error_log $WEB_DIR/nginx-error.log warn;
	events { worker_connections 1024; }
	http {
	    include /etc/nginx/mime.types;
	    default_type application/octet-stream;
	    access_log off;
	    client_body_temp_path $n/client_body;
	    proxy_temp_path $n/proxy;
	    fastcgi_temp_path $n/fastcgi;
	    uwsgi_temp_path $n/uwsgi;
	    scgi_temp_path $n/scgi;
	    ${WEB_NGINX_HTTP:-}
	    include $WEB_DIR/site.conf;
	}
	EOF
	if ! nginx -t -q -p "$n/" -e "$WEB_DIR/nginx-error.log" -c "$WEB_DIR/nginx.conf" >"$WEB_DIR/nginx-t.log" 2>&1; then
		web_note "nginx -t rejects the configuration:"
		sed 's/^/# /' "$WEB_DIR/nginx-t.log" >&2
		return 1
	fi
	_web_spawn "$WEB_DIR/nginx.out" nginx -p "$n/" -e "$WEB_DIR/nginx-error.log" -c "$WEB_DIR/nginx.conf"
	NGINX_PID=$WEB_LAST_PID
	if ! web_wait 10 eval '_web_ours $NGINX_PID && [ "$(web_status / --url-base "$NGINX_URL")" != 000 ]'; then
		web_note "nginx does not answer on $NGINX_URL"
		tail -20 "$WEB_DIR/nginx-error.log" "$WEB_DIR/nginx.out" 2>/dev/null | sed 's/^/# /' >&2
		return 1
	fi
	WEB_URL=$NGINX_URL
}

# --- HTTP, curl only. Each takes PATH and then curl's own arguments;
# "--url-base URL" among them goes elsewhere than $WEB_URL.
_web_curl() { # PATH ARGS...
	local path=$1 base=$WEB_URL args=(); shift
	while [ $# -gt 0 ]; do
		if [ "$1" = --url-base ]; then base=$2; shift 2; else args+=("$1"); shift; fi
	done
	curl -sS --max-time 10 "${args[@]}" "$base$path"
}
web_get() { _web_curl "$@"; }
web_status() {
	local path=$1; shift
	_web_curl "$path" "$@" -o /dev/null -w '%{http_code}' 2>/dev/null || true
}
web_post() { # PATH DATA [ARGS...]
	local path=$1 data=$2; shift 2
	_web_curl "$path" "$@" --data "$data"
}
web_api_ok() { [ "$(jq -r '.status // empty' <<<"$1" 2>/dev/null)" = ok ]; }

web_jar() { echo "$WEB_DIR/jar-$1"; }
web_auth() { awk '$6 == "auth" { v = $7 } END { if (v != "") print v; else exit 1 }' "$(web_jar "$1")" 2>/dev/null; }
web_apisecret() { cat "$WEB_DIR/apisecret-$1" 2>/dev/null; }

# _web_account USER JSON: keep the user's apisecret (from the answer, else
# from the page's <meta name="apisecret">) and check the auth cookie.
_web_account() {
	local u=$1 json=$2 s jar
	jar=$(web_jar "$u")
	if ! web_api_ok "$json"; then
		web_note "$u: $json"
		return 1
	fi
	s=$(jq -r '.apisecret // empty' <<<"$json")
	[ -n "$s" ] || s=$(web_get / -b "$jar" | grep -o '<meta name="apisecret" content="[^"]*"' | sed 's/.*content="//; s/"$//')
	printf '%s' "$s" >"$WEB_DIR/apisecret-$u"
	web_auth "$u" >/dev/null || { web_note "$u: no auth cookie was set"; return 1; }
	echo "$jar"
}
# web_signup USER PASS: create the account (POST /api/create_account);
# prints the user's cookie jar.
web_signup() {
	local jar json
	jar=$(web_jar "$1")
	json=$(web_post /api/create_account "username=$1&password=$2" -c "$jar" -b "$jar") || return 1
	_web_account "$1" "$json"
}
# web_login USER PASS: log in (GET /api/login); prints the cookie jar.
web_login() {
	local jar json
	jar=$(web_jar "$1")
	json=$(web_get /api/login -G --data-urlencode "username=$1" --data-urlencode "password=$2" \
		-c "$jar" -b "$jar") || return 1
	_web_account "$1" "$json"
}

# --- the end
_web_exit() { web_end "$1"; }
# web_end [STATUS]: stop what was started, copy the logs to tests/out when
# the script failed (STATUS non-zero or a "not ok"), remove $WEB_DIR.
web_end() {
	local rc=${1:-0} p out name
	[ -n "$WEB_ENDED" ] && return 0
	WEB_ENDED=1
	[ -n "$NGINX_PID" ] && _web_stop "$NGINX_PID"
	NGINX_PID=
	if [ -n "$NEWSD_PID" ]; then web_newsd_stop || rc=1; fi
	[ -n "$MAIL_PID" ] && _web_stop "$MAIL_PID"
	MAIL_PID=
	for p in "${WEB_PORTS[@]}"; do
		[ -n "${WEB_REDIS_PID[$p]:-}" ] && _web_stop "${WEB_REDIS_PID[$p]}"
	done
	for p in "${!WEB_PROC[@]}"; do _web_stop "$p"; done   # anything else started here
	[ -n "$WEB_DIR" ] && [ -d "$WEB_DIR" ] || return 0
	if [ "$rc" != 0 ] || [ "${TAP_FAILED:-0}" != 0 ]; then
		out=$WEB_TREE/tests/out
		name=$WEB_NAME${TEST_NS_TAG:+-$TEST_NS_TAG}
		mkdir -p "$out"
		[ -f "$WEB_DIR/newsd.log" ] && cp "$WEB_DIR/newsd.log" "$out/$name-newsd.log"
		[ -f "$WEB_DIR/nginx-error.log" ] && cp "$WEB_DIR/nginx-error.log" "$out/$name-nginx-error.log"
		[ -f "$WEB_DIR/clusterctl-create.log" ] && cp "$WEB_DIR/clusterctl-create.log" "$out/$name-clusterctl-create.log"
		echo "# logs: $out/$name-*.log" >&2
	fi
	if [ -n "${WEB_KEEP:-}" ]; then
		echo "# kept: $WEB_DIR" >&2
	else
		rm -rf "$WEB_DIR"
	fi
	[ -n "$WEB_LOCK_FD" ] && exec {WEB_LOCK_FD}>&-
	return 0
}
