#!/bin/bash
# 32-newsd-config.sh - newsd's command line and configuration, without any
# network beyond 127.0.0.1 and no cluster at all:
#   - newsd -t accepts provisioning/newsd.conf.example and a minimal file,
#     and opens nothing while checking;
#   - a bad file is refused with exit 2 and "FILE:LINE:", LINE being exactly
#     the culprit's (marked "#BAD" below, or the line of the unclosed quote
#     or brace), and the message names the key;
#   - the login limits, admins, and redis_password_file: found beside the
#     file or in $CREDENTIALS_DIRECTORY, refused (FILE:LINE, exit 2) when
#     missing, empty, not a file, open to group or others, or set together
#     with redis_password, and never shown in a message;
#   - a missing file, no -c, an unknown option: exit 2; --help: 0; -V;
#   - started with its only seed on a closed port (127.0.0.1:1), newsd stays
#     up, answers 503 (HTML page, JSON for the API, never cacheable), logs
#     the node, and leaves on SIGTERM with status 0 within 5 s; the same on a
#     unix socket (mode 0660); exit 1 when it cannot listen.
# Only the newsd processes started here are ever signalled, by PID.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tree=$(cd "$here/../.." && pwd)
. "$here/../lib/tap.sh"

BUILD=${VIPD_BUILD:-$tree}
NEWSD=${NEWSD:-$BUILD/webapp/newsd}
EXAMPLE=$tree/provisioning/newsd.conf.example

skip_all() { echo "1..0 # SKIP $*"; exit 0; }
[ -x "$NEWSD" ] || skip_all "no newsd at $NEWSD (build it, or set VIPD_BUILD)"
for t in curl timeout ss stat; do
	command -v "$t" >/dev/null || skip_all "$t is not installed"
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/newsd-config.XXXXXX") || exit 1
NEWSD_PID=
cleanup() {
	if [ -n "$NEWSD_PID" ] && kill -0 "$NEWSD_PID" 2>/dev/null; then
		kill -KILL "$NEWSD_PID" 2>/dev/null
		wait "$NEWSD_PID" 2>/dev/null
	fi
	if [ "$TAP_FAILED" != 0 ] && [ -f "$dir/newsd.log" ]; then
		sed 's/^/# /' "$dir"/newsd*.log
	fi
	rm -rf "$dir"
}
trap cleanup EXIT

# run ARGS...: newsd with at most 10 s; $rc, $out (stdout), $err (stderr).
run() {
	timeout 10 "$NEWSD" "$@" >"$dir/out" 2>"$dir/err"
	rc=$?
	out=$(cat "$dir/out") err=$(cat "$dir/err")
}
first() { head -n1 <<<"$1"; }
oneline() { head -n3 <<<"$1" | tr '\n' '|'; }

# ---- good files ---------------------------------------------------------

run -c "$EXAMPLE" -t
if [ "$rc" = 0 ] && grep -qF "configuration OK" <<<"$out"; then
	tap_ok "newsd -t accepts provisioning/newsd.conf.example"
else
	tap_fail "newsd -t accepts provisioning/newsd.conf.example: exit $rc: $(oneline "$err")"
fi

printf 'redis_nodes = { "127.0.0.1:6379" }\n' >"$dir/minimal.conf"
run -c "$dir/minimal.conf" -t
check "$rc = 0" "newsd -t accepts a one-line file ($(first "$out"))"
: >"$dir/empty.conf"
run -c "$dir/empty.conf" -t
check "$rc = 0" "newsd -t accepts an empty file: every key has a default"

# -t opens nothing: not even the unix socket it would listen on.
printf 'listen = "unix:%s/t.sock"\n' "$dir" >"$dir/t.conf"
run -c "$dir/t.conf" -t
if [ "$rc" = 0 ] && [ ! -e "$dir/t.sock" ]; then
	tap_ok "newsd -t creates no socket"
else
	tap_fail "newsd -t creates no socket: exit $rc, $(ls "$dir")"
fi

# ---- bad files ----------------------------------------------------------

# bad_case NAME WORD BODY: BODY is the file; the culprit is the first line
# holding "#BAD" (a comment). newsd -t must exit 2 and print FILE:LINE:
# with that very line, and WORD (a key, or part of the message).
n=0
bad_case() {
	local name=$1 word=$2 f want
	n=$((n + 1))
	f=$dir/bad$n.conf
	printf '%s\n' "$3" >"$f"
	want=$(grep -n '#BAD' "$f" | head -n1 | cut -d: -f1)
	run -c "$f" -t
	if [ "$rc" = 2 ] && grep -qF -- "$f:$want: " <<<"$err" && grep -qiF -- "$word" <<<"$err"; then
		tap_ok "refuses $name: exit 2, $(first "$err")"
	else
		tap_fail "refuses $name: want exit 2 and '${f##*/}:$want:' naming '$word'; got exit $rc: $(oneline "$err$out")"
	fi
}

bad_case "an unknown key on line 3" frobnicate 'workers = 4
listen = "127.0.0.1:8080"
frobnicate = 1 #BAD'
bad_case "workers = 0 (out of range)" workers '# a front-end
workers = 0 #BAD'
bad_case "workers = 257 (out of range)" workers 'site_name = "x"

workers = 257 #BAD
site_url = "http://x"'
bad_case "a rank_aging_factor out of range" rank_aging_factor 'rank_aging_factor = 11 #BAD'
bad_case "a word for an integer key" workers 'site_name = "x"
workers = many #BAD'
bad_case "a word for a decimal key" rank_aging_factor 'workers = 2
rank_aging_factor = fast #BAD'
bad_case "listen with a host name" listen 'workers = 2
listen = "localhost:8080" #BAD'
bad_case "listen without a port" listen 'listen = "127.0.0.1" #BAD'
bad_case "listen = unix: with a relative path" listen 'workers = 2
listen = "unix:run/newsd.sock" #BAD'
bad_case "a bad trusted_proxies address" trusted_proxies 'workers = 2
trusted_proxies = { "127.0.0.1", "10.0.0.256" } #BAD'
bad_case "an empty redis_nodes list" redis_nodes 'workers = 2
redis_nodes = { } #BAD
site_name = "x"'
bad_case "a redis_nodes entry without a port" redis_nodes 'workers = 2
redis_nodes = { "10.33.0.11:6379", "10.33.0.12" } #BAD'
bad_case "a bad redis_nodes entry inside a multi-line list" 10.33.0.12 'redis_nodes = {
    "10.33.0.11:6379",
    "10.33.0.12:0", #BAD
    "10.33.0.13:6379"
}'
bad_case "mail_relay not smtp://" mail_relay 'workers = 2
mail_relay = "mail.lab:25" #BAD
mail_from = "noreply@news.lab"'
bad_case "site_url not http(s)://" site_url 'workers = 2
site_url = "news.lab" #BAD'
bad_case "an unterminated quote" quot 'workers = 2
site_name = "Lab News #BAD
workers = 3'
bad_case "an unclosed brace" "{" 'workers = 2
redis_nodes = { "127.0.0.1:6379" #BAD
workers = 3'
bad_case "an error after comments of every kind" workers '# newsd.conf
// written by hand
/* a block comment
   over two lines */
site_name = "x"   # after a value
workers = 999 #BAD'
bad_case "an error after a quoted string over two lines" workers 'site_description = "two
lines"
workers = 0 #BAD'

# Every problem in one run, one line each, in line order, as vipd reports.
printf 'workers = 0\nsite_name = "x"\nredis_nodes = { "a:1", "b" }\nrank_aging_factor = fast\n' >"$dir/multi.conf"
run -c "$dir/multi.conf" -t
want="newsd: $dir/multi.conf:1: workers = 0: must be 1..256
newsd: $dir/multi.conf:3: redis_nodes \"b\": not host:port
newsd: $dir/multi.conf:4: rank_aging_factor = fast: not a number"
if [ "$rc" = 2 ] && [ "$err" = "$want" ]; then
	tap_ok "three problems: all three reported, each with its line, in line order"
else
	tap_fail "three problems: want exit 2 and
$want
got exit $rc:
$err"
fi

run -c "$dir/does-not-exist.conf" -t
if [ "$rc" = 2 ] && grep -qF "$dir/does-not-exist.conf" <<<"$err"; then
	tap_ok "a missing file: exit 2, names it ($(first "$err"))"
else
	tap_fail "a missing file: want exit 2 naming the file; got exit $rc: $(oneline "$err")"
fi

# ---- logins, administrators, the Redis password from a file ---------------

printf 'login_fail_limit_ip = 50\nlogin_fail_limit_user = 0\nlogin_fail_window = 600\nadmins = { "alice", "Bob_2" }\nadmin_user = "carol"\n' \
	>"$dir/accounts.conf"
run -c "$dir/accounts.conf" -t
check "$rc = 0" "newsd -t accepts the login limits, admins and admin_user ($(first "$out$err"))"
bad_case "login_fail_window = 0" login_fail_window 'login_fail_limit_user = 5
login_fail_window = 0 #BAD'
bad_case "a negative login_fail_limit_ip" login_fail_limit_ip 'login_fail_limit_ip = -1 #BAD'
bad_case "an admins entry that is no user name" '"1bad": not a user name' 'workers = 2
admins = { "alice", "1bad" } #BAD'

umask 077
printf 'redis secret\n' >"$dir/rpw"
mkdir -p "$dir/creds" "$dir/adir"
printf 'redis secret' >"$dir/creds/rpw-cred"
printf '\n' >"$dir/rpw-empty"
printf 'redis secret\n' >"$dir/rpw-open"
chmod 644 "$dir/rpw-open"
umask 022
first_pw_case=$((n + 1))
printf 'redis_password_file = "%s"\nredis_user = "newsd"\n' "$dir/rpw" >"$dir/pwfile.conf"
run -c "$dir/pwfile.conf" -t
check "$rc = 0" "newsd -t accepts redis_password_file (mode 0600), with redis_user ($(first "$out$err"))"
printf 'redis_password_file = "rpw"\n' >"$dir/pwrel.conf"
run -c "$dir/pwrel.conf" -t
check "$rc = 0" "a relative redis_password_file is found beside newsd.conf"
printf 'redis_password_file = "rpw-cred" #BAD\n' >"$dir/pwcred.conf"
export CREDENTIALS_DIRECTORY=$dir/creds
run -c "$dir/pwcred.conf" -t
check "$rc = 0" "... and in \$CREDENTIALS_DIRECTORY when systemd sets it ($(first "$out$err"))"
unset CREDENTIALS_DIRECTORY
bad_case "a credential name without \$CREDENTIALS_DIRECTORY" "cannot open $dir/rpw-cred" \
	'redis_password_file = "rpw-cred" #BAD'
bad_case "redis_password and redis_password_file both" "keep one of them" "redis_password = \"x\"
redis_password_file = \"$dir/rpw\" #BAD"
bad_case "a redis_password_file that does not exist" "cannot open $dir/nope" "workers = 2
redis_password_file = \"$dir/nope\" #BAD"
bad_case "a redis_password_file readable by others" "mode 0644" "redis_password_file = \"$dir/rpw-open\" #BAD"
bad_case "an empty redis_password_file" "is empty" "redis_password_file = \"$dir/rpw-empty\" #BAD"
bad_case "a redis_password_file that is a directory" "not a regular file" \
	"redis_password_file = \"$dir/adir\" #BAD"
bad_case "redis_user without any password" "redis_user is set but neither" 'redis_user = "newsd" #BAD'
all=
for f in "$dir/pwfile.conf" "$dir/pwrel.conf" $(seq -f "$dir/bad%g.conf" "$first_pw_case" "$n"); do
	run -c "$f" -t
	all="$all$out$err"
done
ok "no message of these shows the password" eval '[ -n "$all" ] && ! grep -qF "redis secret" <<<"$all"'

# ---- the command line ---------------------------------------------------

run -t
if [ "$rc" = 2 ] && grep -q '^usage: newsd' <<<"$err"; then
	tap_ok "no -c: exit 2 and the usage on stderr"
else
	tap_fail "no -c: want exit 2 and the usage; got exit $rc: $(oneline "$err")"
fi
run -c "$dir/minimal.conf" --frobnicate
if [ "$rc" = 2 ] && grep -q '^usage: newsd' <<<"$err"; then
	tap_ok "an unknown option: exit 2 and the usage on stderr"
else
	tap_fail "an unknown option: want exit 2 and the usage; got exit $rc: $(oneline "$err")"
fi
run -c "$dir/minimal.conf" -t extra
check "$rc = 2" "an extra argument: exit 2"
run --help
if [ "$rc" = 0 ] && grep -q '^usage: newsd' <<<"$out" && grep -qe '-c, --config' <<<"$out"; then
	tap_ok "--help: exit 0 and the usage on stdout"
else
	tap_fail "--help: want exit 0 and the usage on stdout; got exit $rc: $(oneline "$out")"
fi
version=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$tree/configure.ac")
run -V
if [ "$rc" = 0 ] && [ "$out" = "newsd ${version:-?}" ]; then
	tap_ok "-V prints '$out'"
else
	tap_fail "-V: want exit 0 and 'newsd ${version:-?}'; got exit $rc: '$out'"
fi

# ---- running without a cluster ------------------------------------------

# start_newsd CONFIG LOG: start newsd in the background ($NEWSD_PID) and wait
# up to 10 s for it to log that it listens. 0 when it does; 1 when it exited
# (its status in $rc) or never said so.
start_newsd() {
	"$NEWSD" -c "$1" 2>"$2" &
	NEWSD_PID=$!
	local i
	for i in $(seq 100); do
		grep -q 'listening on' "$2" 2>/dev/null && return 0
		if ! kill -0 "$NEWSD_PID" 2>/dev/null; then
			wait "$NEWSD_PID"
			rc=$? NEWSD_PID=
			return 1
		fi
		sleep 0.1
	done
	return 1
}

# stop_newsd SECONDS: SIGTERM, then the exit status in $rc, or 124 (and
# SIGKILL) when it is still running after SECONDS.
stop_newsd() {
	local i
	kill -TERM "$NEWSD_PID"
	for i in $(seq $(($1 * 10))); do
		kill -0 "$NEWSD_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$NEWSD_PID" 2>/dev/null; then
		kill -KILL "$NEWSD_PID"
		wait "$NEWSD_PID" 2>/dev/null
		rc=124
	else
		wait "$NEWSD_PID"
		rc=$?
	fi
	NEWSD_PID=
}

# A loopback port nobody listens on; newsd itself says when it is taken.
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 12000)) # below the ephemeral range
		[ -z "$(ss -Hltn "sport = :$p")" ] && { echo "$p"; return; }
	done
}

started=
for try in 1 2 3 4 5; do
	port=$(free_port)
	cat >"$dir/run.conf" <<-EOF
	listen           = "127.0.0.1:$port"
	workers          = 2
	redis_nodes      = { "127.0.0.1:1" }   # closed: no cluster at all
	redis_timeout_ms = 300
	EOF
	if start_newsd "$dir/run.conf" "$dir/newsd.log"; then
		started=1
		break
	fi
	[ "$rc" = 1 ] || break # another failure than "cannot listen": no retry
done
if [ -z "$started" ]; then
	tap_fail "newsd starts without a cluster: exit ${rc:-?}: $(oneline "$(cat "$dir/newsd.log")")"
	tap_done
	exit 1
fi
url=http://127.0.0.1:$port
tap_ok "newsd starts with its only seed on a closed port ($(first "$(cat "$dir/newsd.log")"))"

sleep 0.5
ok "it is still running half a second later" kill -0 "$NEWSD_PID"

code=$(curl -s -m 5 -o "$dir/healthz.body" -w '%{http_code}' "$url/healthz")
check "$code = 503" "GET /healthz answers 503 without the cluster"

code=$(curl -s -m 5 -D "$dir/top.head" -o "$dir/top.body" -w '%{http_code}' "$url/")
check "$code = 503" "GET / answers 503 without the cluster"
ok "... with an HTML page" grep -qi '^content-type: text/html' "$dir/top.head"
if grep -qi '<html' "$dir/top.body" && grep -qi 'database' "$dir/top.body"; then
	tap_ok "... that says the database cannot be reached"
else
	tap_fail "... that says the database cannot be reached: $(head -c 300 "$dir/top.body")"
fi
ok "... marked not cacheable (Cache-Control: private, no-store)" \
	grep -qi '^cache-control: private, no-store' "$dir/top.head"

code=$(curl -s -m 5 -o "$dir/api.body" -w '%{http_code}' "$url/api/getnews/top/0/10")
if [ "$code" = 503 ] && grep -q '"status":"err"' "$dir/api.body"; then
	tap_ok "GET /api/getnews answers 503 with {\"status\":\"err\",...}"
else
	tap_fail "GET /api/getnews: want 503 and a JSON error; got $code: $(head -c 200 "$dir/api.body")"
fi
ok "the log names the node that failed" grep -qF '127.0.0.1:1' "$dir/newsd.log"

kill -HUP "$NEWSD_PID"
sleep 0.3
if kill -0 "$NEWSD_PID" 2>/dev/null && grep -q 'SIGHUP' "$dir/newsd.log"; then
	tap_ok "SIGHUP is only logged: newsd keeps running"
else
	tap_fail "SIGHUP is only logged: running=$(kill -0 "$NEWSD_PID" 2>/dev/null && echo yes || echo no)"
fi

stop_newsd 5
check "$rc = 0" "SIGTERM: newsd exits 0 within 5 s"

# The same on a unix socket, as behind nginx: mode 0660, served.
sock=$dir/newsd.sock
printf 'listen = "unix:%s"\nworkers = 1\nredis_nodes = { "127.0.0.1:1" }\n' "$sock" >"$dir/unix.conf"
if start_newsd "$dir/unix.conf" "$dir/newsd-unix.log"; then
	tap_ok "newsd starts on a unix socket"
	check "\"$(stat -c %a "$sock" 2>/dev/null)\" = 660" "the socket is mode 0660"
	code=$(curl -s -m 5 --unix-socket "$sock" -o /dev/null -w '%{http_code}' http://news.lab/healthz)
	check "$code = 503" "GET /healthz over the socket answers 503 without the cluster"
	stop_newsd 5
	check "$rc = 0" "SIGTERM: newsd exits 0 within 5 s"
else
	tap_fail "newsd starts on a unix socket: exit ${rc:-?}: $(oneline "$(cat "$dir/newsd-unix.log")")"
fi

# Cannot listen: exit 1, before serving anything.
printf 'listen = "unix:%s/no/such/dir/newsd.sock"\n' "$dir" >"$dir/nodir.conf"
run -c "$dir/nodir.conf"
check "$rc = 1" "a socket in a missing directory: exit 1 ($(first "$err"))"
if ip -o addr show 2>/dev/null | grep -qF ' 192.0.2.1/'; then
	skip "an address not of this host: exit 1" "192.0.2.1 is configured here"
else
	printf 'listen = "192.0.2.1:%s"\n' "$port" >"$dir/notlocal.conf"
	run -c "$dir/notlocal.conf"
	check "$rc = 1" "an address not of this host: exit 1 ($(first "$err"))"
fi

tap_done
