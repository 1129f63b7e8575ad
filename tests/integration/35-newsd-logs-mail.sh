#!/bin/bash
# 35-newsd-logs-mail.sh - no secret in any log, nginx's limit on logins and
# account changes, and reset mails sent from a queue: real redis-server,
# newsd and nginx (webapp/nginx/newsd.conf) on loopback, driven with curl.
#   - logins by GET and POST, right and wrong, an account made with its
#     password in the query, a JavaScript-less login form, a reset link's
#     page, 502s (newsd stopped), a 504 (newsd frozen), 413s, malformed
#     requests, the limit's 429s, a 503 from newsd itself: no password,
#     reset token or auth cookie is in nginx's access and error logs (the
#     error log at "notice", the lab's level) nor in newsd's log, while a
#     control log in nginx's "combined" format shows the requests carried
#     them and the error log does show the same errors on another route;
#   - the limit: from one address the 22nd quick login is a 429 (JSON for
#     the API, a small page for /login) that never reaches newsd; other
#     routes and other addresses are unaffected;
#   - a relay that accepts connections and never answers: reset requests
#     answer at once and the site keeps serving; a full queue is a clear
#     error and a log line, never a wait; SIGTERM ends newsd within its
#     bounded wait, the dropped mails logged; the relay's login is never
#     logged;
#   - a working relay: the reset mail arrives, and its link works.
# Ports are web.sh's (per TEST_NS_TAG, or WEB_TEST_PORT); the metrics port
# is WEB_BASE + 14, the silent relay WEB_BASE + 21. Extra client addresses:
# 127.0.0.2 and 127.0.0.3 (loopback).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/web.sh"

web_begin newsd-logs-mail nginx mail
METRICS_PORT=$((WEB_BASE + 14)) DEAD_PORT=$((WEB_BASE + 21))
for p in $METRICS_PORT $DEAD_PORT; do
	ss -Htln "sport = :$p" | grep . >/dev/null && skip_all "port $p is in use (set WEB_TEST_PORT)"
done
METRICS_URL=http://127.0.0.1:$METRICS_PORT

# The secrets: each must end up in no log.
P_ALICE=Alice-pw-7Kq2xW P_BOB=Bob-pw-9Rt4zL P_WRONG=Wrong-pw-3Hd8vN P_NEW=New-pw-5Jm1cB
P_GUESS=Guess-pw-6Fy0pS RELAY_SECRET=Relay-pw-2Wn7eQ
SECRETS=("$P_ALICE" "$P_BOB" "$P_WRONG" "$P_NEW" "$P_GUESS" "$RELAY_SECRET")
CONTROL=Control-marker-4Zb8

# --- the site as installed, its access log in $WEB_DIR; and beside it a
# control log with the whole request line, to show what was sent.
site=$WEB_DIR/site-under-test.conf
sed -e "s|/var/log/nginx/access.log|$WEB_DIR/nginx-access.log|" "$WEB_TREE/webapp/nginx/newsd.conf" >"$site"
grep -qF "access_log $WEB_DIR/nginx-access.log newsd_noquery;" "$site" ||
	bail_out "the site logs through access_log /var/log/nginx/access.log newsd_noquery"
sed -i "s|^\( *access_log $WEB_DIR/nginx-access.log newsd_noquery;\)|\1\n    access_log $WEB_DIR/control-access.log combined;|" "$site"
WEB_NGINX_SITE=$site WEB_NGINX_LOGIN_LIMIT=shipped
WEB_NGINX_HTTP="error_log $WEB_DIR/nginx-error-http.log notice;"

# A relay that takes connections and never says a word.
cat >"$WEB_DIR/silent-relay.py" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
held = []
while True:
    c, _ = s.accept()
    held.append(c)
    print("accepted", flush=True)
EOF
# Raw requests nginx refuses before or while reading them.
cat >"$WEB_DIR/raw.py" <<'EOF'
import socket, sys
port, pw = int(sys.argv[1]), sys.argv[2].encode()
q = b"/api/login?username=alice&password=" + pw
cases = [
    b"GET " + q + b" HTTP/1.1\r\nHost: x\r\nBad\x01: y\r\n\r\n",
    b"GET " + q + b" HTTP/1.1\r\nHost: x\r\nCookie: " + b"a" * 10000 + b"\r\n\r\n",
    b"GET " + q + b" HTTP/1.1\r\n\r\n",
    b"GET " + q + b" HTTP/7.1\r\nHost: x\r\n\r\n",
    b"GET " + q + b" HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
    b"POST " + q + b" HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n",
    b"POST " + q + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n",
    b"GET " + q + b"&x=" + b"y" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /login?username=alice&password=" + pw + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc",
]
for c in cases:
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    s.sendall(c)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except socket.timeout:
        pass
    s.close()
    line = out.split(b"\r\n", 1)[0].decode("latin1")
    print(line.split(" ")[1] if line.startswith("HTTP/") else "none")
EOF

web_cluster || bail_out "the Redis Cluster starts"
web_mail_sink || bail_out "the SMTP sink starts"
_web_spawn "$WEB_DIR/silent-relay.log" "$WEB_PYTHON" "$WEB_DIR/silent-relay.py" "$DEAD_PORT"
web_wait 10 eval "ss -Htln 'sport = :$DEAD_PORT' | grep . >/dev/null" || bail_out "the silent relay listens"

# newsd's mail_relay: the silent relay, with a login (the lines appended
# to web.sh's configuration override its mail_relay).
web_newsd "mail_relay = \"smtp://relayuser:$RELAY_SECRET@127.0.0.1:$DEAD_PORT\"" \
	"metrics_listen = \"127.0.0.1:$METRICS_PORT\"" || bail_out "newsd starts"
web_nginx || bail_out "nginx starts"
WEB_URL=$NGINX_URL
grep -q "limit_req zone=newsd_account burst=20 nodelay;" "$WEB_DIR/site.conf" ||
	bail_out "nginx runs the site's limit as shipped (burst=20)"

jqv() { jq -r "$2" <<<"$1" 2>/dev/null; }
scrape() { curl -sS --max-time 10 "$METRICS_URL/metrics"; }
val() { awk -v s="$2" '$1 == s { v = $2 } END { print (v == "" ? 0 : v) }' <<<"$1"; }
# timed PATH CURL-ARGS...: "CODE SECONDS BODY" of one request
timed() {
	local path=$1; shift
	curl -sS --max-time 30 -w '\n%{http_code} %{time_total}' "$@" "$WEB_URL$path" 2>/dev/null |
		awk '{ l[NR] = $0 } END { printf "%s", l[NR]; for (i = 1; i < NR; i++) printf " %s", l[i]; print "" }'
}
under() { awk -v t="$1" -v max="$2" 'BEGIN { exit !(t < max) }'; } # SECONDS MAX

# --- accounts and logins, with the passwords where clients put them
r=$(web_post /api/create_account "username=alice&password=$P_ALICE" -c "$(web_jar alice)")
ok "alice signs up (POST, password in the body)" web_api_ok "$r" || diag "$r"
r=$(web_post "/api/create_account?username=bob&password=$P_BOB" "")
ok "bob signs up with his password in the query" web_api_ok "$r" || diag "$r"
alice=$(web_login alice "$P_ALICE") || bail_out "alice logs in with GET /api/login?...&password="
A=$(web_apisecret alice) AUTH=$(web_auth alice)
SECRETS+=("$AUTH")
r=$(web_post /api/login "username=alice&password=$P_ALICE")
ok "POST /api/login works" web_api_ok "$r" || diag "$r"
r=$(web_get "/api/login?username=alice&password=$P_WRONG")
has "$r" '"status":"err"' "a wrong password by GET is refused"
r=$(web_post /api/login "username=bob&password=$P_WRONG")
has "$r" '"status":"err"' "and by POST"
is "$(web_status "/login?username=alice&password=$P_ALICE&do_login=Login")" 200 \
	"a login form sent without JavaScript (GET /login?...&password=) gets the page"
r=$(web_post /api/updateprofile "about=hi&email=alice%40news.lab&password=&apisecret=$A" -b "$alice")
ok "alice sets her e-mail address" web_api_ok "$r" || diag "$r"
is "$(web_status / -b "$alice")" 200 "a page with her auth cookie"

# --- mail through a relay that never answers: nobody waits for it
read -r code secs body <<<"$(timed "/api/reset-password?username=alice&email=alice%40news.lab")"
ok "a reset request answers at once ($secs s) with the relay silent" eval \
	'[ "$code" = 200 ] && web_api_ok "$body" && under "$secs" 2' || diag "$code $secs $body"
ok "newsd's mail thread is at the relay" web_wait 10 grep -q accepted "$WEB_DIR/silent-relay.log"
# More resets at once than newsd has workers (4): before the queue each
# held a worker for up to 13 s.
bg=()
for i in 1 2 3 4 5 6 7 8; do
	curl -sS --max-time 30 -o "$WEB_DIR/bg-$i" -w '%{time_total}' \
		"$NEWSD_URL/api/reset-password?username=alice&email=alice%40news.lab" >"$WEB_DIR/bg-$i.t" 2>/dev/null &
	bg+=($!)
done
slowest=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	for p in /about /api/getnews/latest/0/10; do
		read -r code secs _ <<<"$(timed "$p")"
		[ "$code" = 200 ] || slowest=99
		under "$secs" "$slowest" || slowest=$secs
	done
done
wait "${bg[@]}"
ok "meanwhile 20 other requests are served, the slowest in $slowest s" under "$slowest" 1
okbg=0 slowbg=0
for i in 1 2 3 4 5 6 7 8; do
	web_api_ok "$(cat "$WEB_DIR/bg-$i")" && okbg=$((okbg + 1))
	under "$(cat "$WEB_DIR/bg-$i.t")" "$slowbg" || slowbg=$(cat "$WEB_DIR/bg-$i.t")
done
is "$okbg" 8 "the 8 concurrent resets are all queued"
ok "each answered within 2 s (slowest $slowbg s)" under "$slowbg" 2

# The queue holds 64: fill it, straight at newsd (not through the limit).
full=0 queued=0 other=0 t0=$(date +%s%N)
for i in $(seq 1 70); do
	r=$(curl -sS --max-time 10 "$NEWSD_URL/api/reset-password?username=alice&email=alice%40news.lab")
	if web_api_ok "$r"; then
		queued=$((queued + 1))
	elif [ "$(jqv "$r" .error)" = "Too many mails are waiting to be sent, please try again later." ]; then
		full=$((full + 1))
	else
		other=$((other + 1)) last=$r
	fi
done
ms=$((($(date +%s%N) - t0) / 1000000))
is "$((queued + full)):$other" "70:0" "70 more resets: each queued or refused as a full queue" || diag "$last"
is "$((1 + 8 + queued))" 64 "the queue took 64 in all, the one at the relay included"
check "$ms -lt 10000" "a full queue refuses at once (70 answers in $ms ms)"
ok "and logs it" grep -q "reset mail for user alice: not queued: the mail queue is full" "$WEB_DIR/newsd.log"
m=$(scrape)
is "$(val "$m" newsd_mails_queued_total)" 64 "newsd_mails_queued_total is 64"
is "$(val "$m" 'newsd_mails_total{result="rejected"}')" "$full" "newsd_mails_total{result=\"rejected\"} counts the refusals"

# newsd frozen: nginx answers 504 (after proxy_read_timeout, retried once).
kill -STOP "$NEWSD_PID"
read -r code secs _ <<<"$(timed "/api/login?username=alice&password=$P_ALICE")"
kill -CONT "$NEWSD_PID"
is "$code" 504 "newsd frozen: GET /api/login?...&password= is a 504 ($secs s)"

# SIGTERM with 64 mails for a relay that never answers: a bounded wait.
t0=$(date +%s%N)
ok "newsd exits 0 on SIGTERM" web_newsd_stop
ms=$((($(date +%s%N) - t0) / 1000000))
check "$ms -lt 7500" "within its 5 s wait for the mails and a second more ($ms ms)"
dropped=$(sed -n 's/.*mail: \([0-9]*\) mails dropped unsent at shutdown.*/\1/p' "$WEB_DIR/newsd.log")
is "$dropped" 64 "the 64 unsent mails are dropped, and logged"
ok "each one by name" eval '[ "$(grep -c "reset mail for user alice: dropped unsent at shutdown" "$WEB_DIR/newsd.log")" = 64 ]'
ok "the relay is logged without its login" grep -q "waiting up to 5 s for smtp://127.0.0.1:$DEAD_PORT" "$WEB_DIR/newsd.log"

# --- newsd down: nginx's 502s, and requests it refuses itself
for p in "/api/login?username=alice&password=$P_ALICE" "/login?username=alice&password=$P_ALICE" \
	"/set-new-password?user=alice&token=$P_ALICE" "/api/reset-password?username=alice&email=$P_ALICE"; do
	is "$(web_status "$p")" 502 "newsd down: GET ${p%%\?*}?... is a 502"
done
is "$(web_status "/api/login?username=alice&password=$P_ALICE" --data "x=1")" 502 "and a POST with the password in the query"
is "$(web_status "/news/1?marker=$CONTROL")" 502 "a story page is a 502 too (the control)"
big=$(head -c 70000 /dev/zero | tr '\0' a)
is "$(web_status "/api/login?username=alice&password=$P_ALICE" --data "x=$big")" 413 "a body over 64 KiB to /api/login is a 413"
is "$(web_status "/login?username=alice&password=$P_ALICE" --data "x=$big")" 413 "and to /login"
raw=$("$WEB_PYTHON" "$WEB_DIR/raw.py" "$NGINX_PORT" "$P_ALICE" | tr '\n' ' ')
is "$raw" "400 400 400 505 400 400 400 414 none " \
	"malformed requests (bad or huge header, no Host, bad version, two Hosts, bad length, bad chunk, long URI, short body)"

# --- newsd with a working relay
web_newsd "metrics_listen = \"127.0.0.1:$METRICS_PORT\"" || bail_out "newsd starts again"
n0=$(web_mail_count)
read -r code secs body <<<"$(timed "/api/reset-password?username=alice&email=alice%40news.lab")"
ok "with a working relay a reset answers at once ($secs s)" eval \
	'[ "$code" = 200 ] && web_api_ok "$body" && under "$secs" 2' || diag "$code $body"
ok "the mail arrives" web_wait 10 eval '[ "$(web_mail_count)" -gt "$n0" ]'
ok "newsd logs it as sent" web_wait 5 grep -q "reset mail for user alice: sent through smtp://127.0.0.1:$MAIL_PORT" "$WEB_DIR/newsd.log"
is "$(val "$(scrape)" 'newsd_mails_total{result="sent"}')" 1 "newsd_mails_total{result=\"sent\"} is 1"
link=$(web_mail_last | grep -o 'http://[^ ]*set-new-password[^ ]*' | tr -d '\r')
token=$(sed -n 's/.*[?&]token=\([^&]*\).*/\1/p' <<<"$link")
ok "it carries a reset link" test -n "$token"
SECRETS+=("$token")
is "$(web_status "${link#"$NGINX_URL"}")" 200 "the link's page opens (its token in the query)"
r=$(web_post /api/set-new-password "user=alice&token=$token&password=$P_NEW")
ok "the token sets a new password (POST)" web_api_ok "$r" || diag "$r"
r=$(web_get "/api/login?username=alice&password=$P_NEW")
ok "which logs in by GET" web_api_ok "$r" || diag "$r"

# --- the limit: per address, on login and account routes only
n_login0=$(val "$(scrape)" 'newsd_http_requests_total{route="/api/login",method="GET",code="200"}')
codes=()
for i in $(seq 1 30); do
	codes+=("$(curl -s -o "$WEB_DIR/limit-body" -w '%{http_code}' --max-time 10 --interface 127.0.0.2 \
		"$NGINX_URL/api/login?username=mallory&password=$P_GUESS")")
done
passed=0
for c in "${codes[@]}"; do [ "$c" = 429 ] && break; passed=$((passed + 1)); done
ok "from 127.0.0.2, logins pass up to the burst (21, or 22 with a token refilled), then 429s ($passed passed)" \
	eval '[ "$passed" -ge 21 ] && [ "$passed" -le 22 ]' || diag "codes: ${codes[*]}"
is "${codes[29]}" 429 "the 30th is a 429"
body=$(cat "$WEB_DIR/limit-body")
is "$(jqv "$body" .status)" err "the API's 429 is a JSON error, as newsd's" || diag "$body"
n_login1=$(val "$(scrape)" 'newsd_http_requests_total{route="/api/login",method="GET",code="200"}')
is "$((n_login1 - n_login0))" "$passed" "the refused ones never reached newsd"
h=$(curl -s -D - -o "$WEB_DIR/limit-page" --max-time 10 --interface 127.0.0.2 "$NGINX_URL/login?username=mallory&password=$P_GUESS")
like "$h" "HTTP/1.1 429*" "/login from 127.0.0.2 is a 429 too"
has "$h" "Retry-After: 60" "with Retry-After"
ok "and a small page that says why" grep -q "Too many requests" "$WEB_DIR/limit-page"
is "$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 "$NGINX_URL/api/create_account" --data "username=x&password=y")" 429 \
	"POST /api/create_account from 127.0.0.2 is limited"
is "$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 "$NGINX_URL/about")$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 "$NGINX_URL/api/getnews/latest/0/10")" \
	200200 "other pages and API calls from 127.0.0.2 are not"
r=$(curl -s --max-time 10 --interface 127.0.0.3 "$NGINX_URL/api/login?username=alice&password=$P_NEW")
ok "another address logs in meanwhile" web_api_ok "$r" || diag "$r"

# --- newsd's own line for a failed request: the path, never the query
for p in "${WEB_PORTS[@]}"; do kill -KILL "${WEB_REDIS_PID[$p]}" 2>/dev/null; done
for p in "${WEB_PORTS[@]}"; do wait "${WEB_REDIS_PID[$p]}" 2>/dev/null; unset "WEB_PROC[${WEB_REDIS_PID[$p]}]"; done
is "$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$NEWSD_URL/api/login?username=alice&password=$P_NEW")" 503 \
	"the cluster gone, a login at newsd is a 503"
ok "newsd logs the failed request by its path" grep -q "GET /api/login: 503" "$WEB_DIR/newsd.log"
ok "newsd exits 0 on SIGTERM again" web_newsd_stop

# --- the logs: every secret in the control log, none in the others
control=$(cat "$WEB_DIR/control-access.log")
for s in "$P_ALICE" "$P_BOB" "$P_WRONG" "$P_NEW" "$P_GUESS" "$token"; do
	has "$control" "$s" "the control log shows the requests carried ${s:0:12}..."
done
ok "the error log at notice shows a 502's request line on an ordinary route" \
	grep -q "request: \"GET /news/1?marker=$CONTROL" "$WEB_DIR/nginx-error-http.log"
for f in nginx-access.log nginx-error-http.log nginx-error.log newsd.log; do
	for s in "${SECRETS[@]}"; do
		hasnt "$(cat "$WEB_DIR/$f")" "$s" "$f holds no ${s:0:12}..."
	done
	hasnt "$(cat "$WEB_DIR/$f")" "password=" "$f holds no password= at all"
done
ok "the access log has no query string at all" eval '! grep -q "\"[A-Z]* [^ \"]*?" "$WEB_DIR/nginx-access.log"'
ok "but has the limited logins, as 429s" grep -q '"GET /api/login HTTP/1.1" 429 ' "$WEB_DIR/nginx-access.log"
ok "and the 502s with newsd's part" grep -q '"GET /api/login HTTP/1.1" 502 .* 502$' "$WEB_DIR/nginx-access.log"
tap_done
