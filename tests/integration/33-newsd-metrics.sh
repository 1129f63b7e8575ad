#!/bin/bash
# 33-newsd-metrics.sh - newsd's Prometheus metrics (metrics_listen) against a
# real six-node Redis Cluster on loopback, driven with curl:
#   - metrics_listen off (the default): newsd listens on its one address and
#     nothing answers on the metrics port;
#   - on: requests of several routes, a 404, a 405, a bad form (400), a HEAD
#     and a mail move newsd_http_requests_total by exactly what was asked,
#     under the route's pattern, never the path or the user name; the
#     latency histogram counts the same requests; the mail counts as
#     queued, then (from newsd's mail queue) as sent;
#   - 200 requests from 8 clients at once are all counted (atomics);
#   - `promtool check metrics` passes on the output;
#   - the cluster gone, a page is a 503 and newsd_unavailable_total and
#     newsd_cluster_failures_total move;
#   - a bad metrics_listen is refused by newsd -t with its line.
# Ports are web.sh's (per TEST_NS_TAG); the metrics port is WEB_BASE + 14.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/web.sh"

web_begin newsd-metrics mail
command -v promtool >/dev/null || skip_all "promtool is not installed (apt-get install prometheus)"
METRICS_PORT=$((WEB_BASE + 14))
METRICS_URL=http://127.0.0.1:$METRICS_PORT
ss -Htln "sport = :$METRICS_PORT" | grep . >/dev/null && skip_all "port $METRICS_PORT is in use (set WEB_TEST_PORT)"

# --- a bad metrics_listen is refused, naming its line
bad=$WEB_DIR/bad.conf
for v in "unix:/run/newsd/m.sock" "nonsense" "[::1]:9651" "127.0.0.1:8080"; do
	printf 'listen = "127.0.0.1:8080"\nmetrics_listen = "%s"\n' "$v" >"$bad"
	out=$("$NEWSD" -t -c "$bad" 2>&1); rc=$?
	ok "metrics_listen = \"$v\" is refused (exit 2, $bad:2)" \
		eval '[ "$rc" = 2 ] && grep -qF "$bad:2:" <<<"$out" && grep -qF metrics_listen <<<"$out"' ||
		diag "exit $rc: $out"
done
printf 'listen = "127.0.0.1:8080"\nmetrics_listen = ""\n' >"$bad"
out=$("$NEWSD" -t -c "$bad" 2>&1); rc=$?
ok "metrics_listen = \"\" is accepted (off)" eval '[ "$rc" = 0 ]' || diag "$out"

web_cluster || bail_out "the Redis Cluster starts"
web_mail_sink || bail_out "the SMTP sink starts"

# --- off: one listening socket, the metrics port silent
web_newsd || bail_out "newsd starts without metrics_listen"
socks=$(ss -Htlnp | grep -c "pid=$NEWSD_PID,")
is "$socks" 1 "without metrics_listen newsd listens on one socket only"
is "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$METRICS_URL/metrics")" 000 "and nothing answers on $METRICS_PORT"
web_newsd_stop || tap_fail "newsd exits cleanly"

# --- on
web_newsd "metrics_listen = \"127.0.0.1:$METRICS_PORT\"" || bail_out "newsd starts with metrics_listen"
socks=$(ss -Htlnp | grep -c "pid=$NEWSD_PID,")
is "$socks" 2 "with metrics_listen newsd listens on two sockets"
ok "and says where the metrics are" grep -qF "metrics at http://127.0.0.1:$METRICS_PORT/metrics" "$WEB_DIR/newsd.log"

scrape() { curl -sS --max-time 10 "$METRICS_URL/metrics"; }
# val TEXT SERIES: the value of the sample named exactly SERIES, 0 when absent.
val() { awk -v s="$2" '$1 == s { v = $2 } END { print (v == "" ? 0 : v) }' <<<"$1"; }
req() { echo "newsd_http_requests_total{route=\"$1\",method=\"$2\",code=\"$3\"}"; }
lat() { echo "newsd_http_request_duration_seconds_count{route=\"$1\"}"; }

m=$(curl -sS -D - --max-time 10 "$METRICS_URL/metrics")
has "$m" "Content-Type: text/plain; version=0.0.4" "GET /metrics is Prometheus text format 0.0.4"
is "$(curl -s -o /dev/null -w '%{http_code}' "$METRICS_URL/")" 404 "another path on the metrics port is a 404"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$METRICS_URL/metrics")" 405 "a POST to /metrics is a 405"
# The metrics port is not the site: no page is served there.
is "$(curl -s -o /dev/null -w '%{http_code}' "$METRICS_URL/about")" 404 "and it serves no page"

s0=$(scrape)
alice=$(web_signup alice secretpw1) || bail_out "alice signs up"
A=$(web_apisecret alice)
r=$(web_post /api/submit "news_id=-1&title=Counted&url=http://example.test/c&text=&apisecret=$A" -b "$alice")
n1=$(jq -r .news_id <<<"$r")
for i in 1 2 3; do web_status "/news/$n1" >/dev/null; done
web_status /news/999 >/dev/null                     # a 404 of a route
web_status /nowhere-alice >/dev/null                # a 404 of no route
web_status /user/alice >/dev/null
web_status /user/alice -b "$alice" >/dev/null
web_status "/latest/0?a=%zz" >/dev/null             # a malformed form: 400
web_status / -X POST >/dev/null                     # 405
curl -sS -o /dev/null -I --max-time 10 "$NEWSD_URL/about"
web_post /api/updateprofile "about=x&email=alice%40news.lab&password=&apisecret=$A" -b "$alice" >/dev/null
r=$(web_get "/api/reset-password?username=alice&email=alice%40news.lab")
web_api_ok "$r" || diag "reset: $r"
# The mail goes out from newsd's queue, after the answer.
sent0=$(val "$s0" 'newsd_mails_total{result="sent"}')
web_wait 10 eval '[ "$(val "$(scrape)" "newsd_mails_total{result=\"sent\"}")" -gt "$sent0" ]'
s1=$(scrape)

# check SERIES DELTA DESCRIPTION
check_delta() {
	local a b
	a=$(val "$s0" "$1") b=$(val "$s1" "$1")
	is "$((b - a))" "$2" "$3" || diag "$1: $a -> $b"
}
check_delta "$(req /api/create_account POST 200)" 1 "the signup counts once under /api/create_account"
check_delta "$(req /api/submit POST 200)" 1 "the submission once under /api/submit"
check_delta "$(req /news/:news_id GET 200)" 3 "three story pages under /news/:news_id, 200"
check_delta "$(req /news/:news_id GET 404)" 1 "the missing story under /news/:news_id, 404"
check_delta "$(req unmatched GET 404)" 1 "the unknown path as unmatched, 404"
check_delta "$(req /user/:username GET 200)" 2 "two user pages under /user/:username"
check_delta "$(req /latest/:start GET 400)" 1 "the malformed form under /latest/:start, 400"
check_delta "$(req unmatched POST 405)" 1 "the POST to a page as unmatched, 405"
check_delta "$(req /about HEAD 200)" 1 "the HEAD under /about, method HEAD"
check_delta "$(req /api/updateprofile POST 200)" 1 "the profile update under /api/updateprofile"
check_delta "$(req /api/reset-password GET 200)" 1 "the reset request under /api/reset-password"
check_delta 'newsd_mails_queued_total' 1 "the reset mail counts as queued"
check_delta 'newsd_mails_total{result="sent"}' 1 "then as sent"
check_delta 'newsd_mails_total{result="failed"}' 0 "and none as failed"
check_delta 'newsd_mails_total{result="rejected"}' 0 "nor rejected"
check_delta "$(lat /news/:news_id)" 4 "the latency histogram counts the four /news/:news_id requests"
check_delta "$(lat unmatched)" 2 "and the two unmatched ones"
sum() { awk '/^newsd_http_requests_total\{/ { n += $2 } END { print n + 0 }' <<<"$1"; }
is "$(($(sum "$s1") - $(sum "$s0")))" 14 "14 requests were made, 14 counted (scrapes are not)"
inf=$(val "$s1" 'newsd_http_request_duration_seconds_bucket{route="/news/:news_id",le="+Inf"}')
is "$inf" "$(val "$s1" "$(lat /news/:news_id)")" "the +Inf bucket equals _count"
le=$(awk '/^newsd_http_request_duration_seconds_bucket\{route="\/news\/:news_id"/ { print $2 }' <<<"$s1" | tr '\n' ' ')
ok "the buckets are cumulative ($le)" eval 'sort -n -c <<<"$(tr " " "\n" <<<"$le" | sed /^$/d)"'

# --- bounded labels: patterns only
labels=$(grep -v '^#' <<<"$s1" | grep -o '[a-z_]*="[^"]*"' | sort -u)
hasnt "$labels" "alice" "no label value holds the user name"
hasnt "$labels" "nowhere" "nor the path of the unknown page"
hasnt "$labels" "%zz" "nor the query"
routes=$(grep -o 'route="[^"]*"' <<<"$labels" | sed 's/route="//; s/"$//' | sort -u)
# The patterns of the route tables, as the source has them.
patterns=$( (echo unmatched; grep -ho '{ "\(GET\|POST\)", "/[^"]*"' "$WEB_TREE/webapp/pages.c" "$WEB_TREE/webapp/api.c" |
	sed 's/.*, "//; s/"$//') | sort -u)
bad_routes=$(comm -23 <(echo "$routes") <(echo "$patterns"))
is "$bad_routes" "" "every route label is a pattern of the route tables, or unmatched" || diag "routes: $routes"

# --- promtool
out=$(promtool check metrics <<<"$s1" 2>&1); rc=$?
ok "promtool check metrics passes" eval '[ "$rc" = 0 ] && [ -z "$out" ]' || diag "exit $rc: $out"

# --- many workers at once: every request counted
a0=$(val "$s1" "$(req /about GET 200)")
seq 1 200 | xargs -P 8 -I{} curl -s -o /dev/null --max-time 10 "$NEWSD_URL/about"
s2=$(scrape)
is "$(($(val "$s2" "$(req /about GET 200)") - a0))" 200 "200 requests from 8 clients at once: 200 counted"
is "$(val "$s2" newsd_workers)" 4 "newsd_workers is 4"
is "$(val "$s2" newsd_pool_connections)" 4 "newsd_pool_connections is 4"
is "$(val "$s2" newsd_pool_connections_busy)" 0 "none busy once the requests are answered"
ok "cluster connections were opened (newsd_cluster_connects_total > 0)" \
	eval '[ "$(val "$s2" newsd_cluster_connects_total)" -gt 0 ]'
out=$(promtool check metrics <<<"$s2" 2>&1); rc=$?
ok "promtool still passes after the burst" eval '[ "$rc" = 0 ] && [ -z "$out" ]' || diag "$out"

# --- the cluster gone: 503s and cluster failures counted
for p in "${WEB_PORTS[@]}"; do kill -KILL "${WEB_REDIS_PID[$p]}" 2>/dev/null; done
for p in "${WEB_PORTS[@]}"; do wait "${WEB_REDIS_PID[$p]}" 2>/dev/null; unset "WEB_PROC[${WEB_REDIS_PID[$p]}]"; done
is "$(web_status "/news/$n1")" 503 "with every redis node killed a story page is a 503"
s3=$(scrape)
is "$(($(val "$s3" newsd_unavailable_total) - $(val "$s2" newsd_unavailable_total)))" 1 "newsd_unavailable_total moved by 1"
is "$(($(val "$s3" "$(req /news/:news_id GET 503)") - $(val "$s2" "$(req /news/:news_id GET 503)")))" 1 \
	"and the request counts under /news/:news_id, 503"
ok "newsd_cluster_failures_total moved" \
	eval '[ "$(val "$s3" newsd_cluster_failures_total)" -gt "$(val "$s2" newsd_cluster_failures_total)" ]'
ok "newsd_cluster_node_failures_total moved" \
	eval '[ "$(val "$s3" newsd_cluster_node_failures_total)" -gt "$(val "$s2" newsd_cluster_node_failures_total)" ]'
# Back to back, the dead nodes' backoff answers most of them at once.
for _ in $(seq 1 20); do web_status "/news/$n1" >/dev/null; done
s4=$(scrape)
ok "newsd_cluster_fast_failures_total counts commands the backoff failed at once" \
	eval '[ "$(val "$s4" newsd_cluster_fast_failures_total)" -gt "$(val "$s3" newsd_cluster_fast_failures_total)" ]'
is "$(val "$s4" newsd_cluster_redirects_refused_total)" 0 "newsd_cluster_redirects_refused_total is 0: no redirect left the slot map"

ok "newsd exits cleanly on SIGTERM" web_newsd_stop
tap_done
