#!/bin/bash
# 52-lab-hostile.sh - a hostile client in provisioning/lab (2 front-ends,
# 3 redis hosts), and what each of its tries gets:
#
#   1 the two networks: the redis, backup, monitor and logs hosts have no
#     address on the front network; every redis port, every cluster bus
#     port and every metrics port of every host, and the monitor's
#     Prometheus, from the client: unanswered (the router forwards none of
#     it; the front-ends' own nftables on their front legs), also with the
#     client's route to the back network through this machine; the bus
#     from a front-end too: members only
#   2 the Redis ACL users: newsd may not FLUSHALL, CONFIG GET, KEYS, touch
#     another tool's keys; the default user is off; the ACL files hold no
#     password
#   3 forged VRRP adverts (priority 255) from the client's address: dropped
#     and counted by vipd, the VIP stays where it is
#   4 a login brute force: refused after the limit, the right password too,
#     for that name; the client's address banned by fail2ban
#   5 XSS payloads in every field a user writes: escaped on every page
#   6 a cross-site POST (the auth cookie, no or a wrong apisecret): refused
#   7 no file the lab wrote (logs of every service, the central logs)
#     holds a password the test sent
# and the site over HTTPS: HTTP redirected, HSTS, the auth cookie Secure,
# the certificate checked against the lab's CA, /healthz for the host's
# own vipd only.
#
# Beside an operator's lab: namespaces h52TAG-*, subnets 10.91.X and 10.91.X-100, a state
# directory of its own.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tree=$(cd "$here/../.." && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"   # wait_until
. "$here/../lib/lab.sh"       # lab_need, lab_env, lab
second_suite_only "one run is enough"

lab_need ip redis-server redis-cli nginx dnsmasq curl jq nft
lab_env h52 10.91
# fail2ban's bans last 15 s here, so the test sees one lifted.
export LAB_F2B_BANTIME=15
INJECT=$VIPD_BUILD/tests/tools/vrrp-inject

trap 'lab_finish lab-hostile' EXIT
trap 'exit 130' INT TERM

cl() { ip netns exec "${LAB_PREFIX}client" "$@"; }
# addr HOST: its address on the front network, "-" for none; baddr: on the back network.
addr() { awk -v h="$1" '$1 == h {print $2}' "$LAB_STATE/hosts"; }
baddr() { awk -v h="$1" '$1 == h {print $3}' "$LAB_STATE/hosts"; }
on() { local h=$1; shift; ip netns exec "$LAB_PREFIX$h" "$@"; }
# reach HOST ADDR PORT: a TCP connection from HOST's namespace opens.
reach() { on "$1" timeout 2 bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null; }
VIP=$LAB_NET.200
site() { cl curl -s --max-time 10 "$@"; }

if lab up --fronts 2 >"$LAB_STATE.out" 2>&1; then
	tap_ok "lab up --fronts 2 succeeds (namespaces $LAB_PREFIX*, $LAB_NET.0/24)"
else
	tap_fail "lab up --fronts 2 succeeds"
	diag "$(tail -n 30 "$LAB_STATE.out")"
	bail_out "no lab"
fi
ok "the site answers through VIP 200" wait_until 30 eval '[ "$(site -o /dev/null -w "%{http_code}" "https://$VIP/")" = 200 ]'

# ---- 1: networks and ports ---------------------------------------------------
is "$(for h in redis01 redis02 redis03 backup monitor logs; do addr "$h"; done | sort -u)" - \
	"the redis, backup, monitor and logs hosts have no address on the front network"
is "$(on redis01 ip -br -4 addr | grep -c " $LAB_NET\.")" 0 "...none in redis01's namespace either"
ok "the front-ends have a leg on each network" eval '
	[ "$(addr front01)" = "$LAB_NET.21" ] && [ "$(baddr front01)" = "$LAB_BACK_NET.21" ] &&
	on front01 ip -br -4 addr show dev eth1 | grep -q " $LAB_BACK_NET.21/24"'
# try: every port the client must not reach, "HOST:PORT" for each that opens.
try() {
	local h a p
	for h in redis01 redis02 redis03; do
		a=$(baddr "$h")
		for p in 6379 6380 16379 16380 9100 9652; do reach client "$a" "$p" && echo "$h:$p"; done
	done
	for h in front01 front02; do
		for a in "$(addr "$h")" "$(baddr "$h")"; do
			for p in 9100 9650 9651; do reach client "$a" "$p" && echo "$h/$a:$p"; done
		done
	done
	reach client "$(baddr backup)" 9653 && echo backup:9653
	for p in 9090 9093 9100; do reach client "$(baddr monitor)" "$p" && echo "monitor:$p"; done
	return 0
}
is "$(try | paste -sd' ')" "" "the client reaches no redis, cluster bus, metrics or monitor port (34 tried)"
fwd_drops() { on router nft list chain inet lab_filter forward | awk '/comment "dropped"/ {for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1)}'; }
d=$(fwd_drops)
check "${d:-0} -gt 0" "the router counted what it did not forward (${d:-0} packets)"
# The client's own way round: the back network through this machine's uplink.
on client ip route replace "$LAB_BACK_NET.0/24" via "$LAB_NET.1"
is "$(try | paste -sd' ')" "" "...nor with its route to the back network through this machine (which forwards nothing from the lab)"
on client ip route replace "$LAB_BACK_NET.0/24" via "$LAB_NET.254"
ok "...while the monitor reaches the client's probe (blackbox) through the router" reach monitor "$(addr client)" 9115
ok "...and the site's ports answer on the front-ends (443, and 80 for the redirect)" \
	eval 'reach client "$LAB_NET.21" 443 && reach client "$LAB_NET.21" 80'
ok "...on their front legs only" eval '! reach redis01 "$LAB_BACK_NET.21" 443'
R1=$LAB_BACK_NET.11
ok "a front-end reaches redis01's redis port" reach front01 "$R1" 6379
ok "...but not its cluster bus port: members only" eval '! reach front01 "$R1" 16379'
ok "...which another redis host reaches" reach redis02 "$R1" 16379
drops=$(on redis01 nft list chain inet lab_filter input | awk '/comment "dropped"/ {for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1)}')
check "${drops:-0} -gt 0" "redis01's firewall counted what it dropped (${drops:-0} packets)"

# ---- 2: Redis ACL users -------------------------------------------------------
NPW=$(cat "$LAB_STATE/newsd-password") APW=$(cat "$LAB_STATE/redis-password")
ncli() { on front01 timeout 5 redis-cli --no-auth-warning --user newsd --pass "$NPW" -h "$R1" -p 6379 "$@" 2>&1; }
is "$(ncli ping)" PONG "newsd's ACL user logs in from a front-end"
for c in flushall "config get requirepass" "keys *" "script flush" "set clusterctl:lease x" "acl list"; do
	# shellcheck disable=SC2086
	like "$(set -f; ncli $c)" "*NOPERM*" "...and may not $c"
done
like "$(on front01 timeout 5 redis-cli --no-auth-warning --pass "$APW" -h "$R1" -p 6379 ping 2>&1)" "*WRONGPASS*" \
	"the default user is off, even with the administration password"
like "$(on front01 timeout 5 redis-cli --no-auth-warning -h "$R1" -p 6379 get x 2>&1)" "*NOAUTH*" \
	"...and a client that names no user gets nothing"
is "$(grep -l -e "$NPW" -e "$APW" "$LAB_STATE"/redis0?/redis-users.acl | wc -l)" 0 \
	"the ACL files hold digests, no password"
is "$(stat -c %a "$LAB_STATE/front01/newsd.conf" "$LAB_STATE/redis01/redis-users.acl" | sort -u)" 600 \
	"newsd.conf and the ACL file are readable by root only"

# ---- HTTPS --------------------------------------------------------------------
hdr=$(site -s -o /dev/null -D - "http://news.lab/api/login?username=x&password=y" | tr -d '\r')
like "$(head -n 1 <<<"$hdr")" "HTTP/1.1 301*" "plain HTTP is answered with a redirect"
has "$hdr" "Location: https://news.lab/api/login?" "...to the same URL over HTTPS"
hdr=$(site -s -o /dev/null -D - "https://news.lab/" | tr -d '\r')
has "$hdr" "Strict-Transport-Security: max-age=31536000" "HTTPS pages carry HSTS"
is "$(cl env -u CURL_CA_BUNDLE curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert /dev/null "https://news.lab/")" 000 \
	"...and a client that does not trust the lab's CA refuses the certificate"
is "$(site -o /dev/null -w '%{http_code}' "https://$VIP/healthz")" 403 "/healthz is not served to the public (HTTPS)"
is "$(site -o /dev/null -w '%{http_code}' "http://$VIP/healthz")" 403 "...nor over plain HTTP"
is "$(on front01 curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1/healthz)" 200 \
	"...while the front-end's own vipd gets it over HTTP on the loopback"

# ---- 3: forged VRRP adverts from the client -----------------------------------
holder() { # the front-end that holds VIP 200 (one name, or nothing)
	local h
	for h in front01 front02; do
		on "$h" ip -br addr show dev eth0 | grep -q " $VIP/" && echo "$h"
	done
}
vstat() { lab exec "$1" vipctl status --json 2>/dev/null; }
not_peer() { vstat "$1" | jq '[.instances[] | select(.name == "200") | .counters.drops.not_peer // 0] | add // 0'; }
trans() { # the transitions of instance 200 on both front-ends
	local h
	for h in front01 front02; do
		vstat "$h" | jq -r '.instances[] | select(.name == "200") | .counters.transitions'
	done | paste -sd' '
}
before=$(holder)
is "$before" front01 "VIP 200 is on its home, front01"
n0=$(not_peer front01) t0=$(trans)
if [ -x "$INJECT" ]; then
	cl "$INJECT" -i eth0 --src "$LAB_NET.100" --vrid 200 --prio 255 --interval 10 --addr "$VIP" \
		--count 50 --gap 20 >/dev/null 2>&1
	sleep 1
	is "$(holder)" front01 "50 adverts of priority 255 from the client: VIP 200 stays on front01"
	is "$(trans)" "$t0" "...and neither front-end changed state, not even for a moment (transitions $t0)"
	n1=$(not_peer front01)
	check "$n1 -ge $((n0 + 50))" "...dropped and counted by front01's vipd as not_peer ($n0 -> $n1)"
	is "$(vstat front01 | jq -r '.instances[] | select(.name == "200") | .state')" master \
		"...which stays master of 200"
else
	skip "forged VRRP adverts from the client" "no $INJECT (make tests-build)"
fi

# ---- 4: a login brute force -------------------------------------------------------
# A user, then guesses at its password: from the dns host (never banned)
# up to newsd's per-name limit, then from the client up to fail2ban's.
U=victim$TAG PW="right horse battery $RANDOM"
json=$(on dns curl -s --max-time 10 --data-urlencode "username=$U" --data-urlencode "password=$PW" \
	"https://$VIP/api/create_account")
is "$(jq -r .status <<<"$json" 2>/dev/null)" ok "an account for $U"
hdr=$(on dns curl -s -o /dev/null -D - --max-time 10 --data-urlencode "username=$U" --data-urlencode "password=$PW" \
	"https://$VIP/login" | tr -d '\r')
like "$(grep -i '^set-cookie: auth=' <<<"$hdr")" "*; Secure" "the auth cookie is Secure over HTTPS"
login() { # FROM PASSWORD: the API's answer
	on "$1" curl -s --max-time 10 --data-urlencode "username=$U" --data-urlencode "password=$2" \
		"https://$VIP/api/login"
}
limit=$(awk '$1 == "login_fail_limit_user" {print $3}' "$LAB_STATE/front01/newsd.conf")
limit=${limit:-10}
for i in $(seq 1 "$limit"); do login dns "wrong guess $i" >/dev/null; done
res=$(login dns "$PW")
like "$(jq -r .error <<<"$res" 2>/dev/null)" "Too many failed logins*" \
	"after $limit wrong passwords for $U, even the right one is refused"
like "$(login dns "another guess")" "*Too many failed logins*" "...and so is the next guess, before it is hashed"
grep -h "login failed for user\|login refused" "$LAB_STATE"/front0?/newsd.log | tail -n 2 | sed 's/^/# /'
ok "newsd logged the failures with the address, no password" \
	eval 'grep -q "login failed for user \"$U\" from $(addr dns)" "$LAB_STATE"/front0?/newsd.log'

banned() { on front01 nft list table inet f2b-table 2>/dev/null | grep -qw "$1"; }
if [ -x "$(command -v fail2ban-server)" ]; then
	for i in 1 2 3 4 5 6; do login client "client guess $i" >/dev/null; done
	ok "fail2ban on front01 bans the client after its failed logins" wait_until 20 banned "$LAB_NET.100"
	ok "...so the client reaches the site through VIP 200 no more" \
		eval '[ "$(site -o /dev/null -w "%{http_code}" --max-time 3 "https://$VIP/")" != 200 ]'
	is "$(on dns curl -s -o /dev/null -w '%{http_code}' --max-time 5 "https://$VIP/")" 200 \
		"...while the dns host still does"
	# A scanner from a second client address: 404s, then banned too.
	on client ip addr add "$LAB_NET.101/24" dev eth0
	for i in $(seq 1 25); do
		on client curl -s -o /dev/null --max-time 3 --interface "$LAB_NET.101" "https://$VIP/no-such-page-$i"
	done
	ok "a scan for missing pages from $LAB_NET.101 gets that address banned" wait_until 20 banned "$LAB_NET.101"
	ok "the ban on the client lifts after the ban time (LAB_F2B_BANTIME=$LAB_F2B_BANTIME)" \
		wait_until $((LAB_F2B_BANTIME + 20)) eval '! banned "$LAB_NET.100"'
	is "$(site -o /dev/null -w '%{http_code}' "https://$VIP/")" 200 "...and the client reaches the site again"
else
	skip "fail2ban bans a brute force and a scan" "fail2ban is not installed"
fi

# ---- 5: XSS in every field --------------------------------------------------------
X='<script>alert(52)</script>'
XA='"><img src=x onerror=alert(52)>'
# (from the mail host: one account per client address a day)
json=$(on mail curl -s --max-time 10 --data-urlencode "username=xss$TAG" --data-urlencode "password=$PW" \
	"https://$LAB_NET.201/api/create_account")
XAUTH=$(jq -r '.auth // empty' <<<"$json") XSECRET=$(jq -r '.apisecret // empty' <<<"$json")
check "-n \"$XAUTH\"" "a second account, for the payloads"
post() { # PATH ARGS...: as that account
	local p=$1; shift
	on dns curl -s --max-time 10 -b "auth=$XAUTH" --data-urlencode "apisecret=$XSECRET" "$@" "https://$VIP$p"
}
json=$(post /api/submit --data news_id=-1 --data-urlencode "title=$X$XA" --data url= --data-urlencode "text=$X$XA")
NID=$(jq -r '.news_id // empty' <<<"$json")
check "-n \"$NID\"" "a story with a payload in its title and text ($(head -c 60 <<<"$json"))"
json=$(post /api/postcomment --data "news_id=$NID" --data comment_id=-1 --data parent_id=-1 --data-urlencode "comment=$X$XA")
is "$(jq -r .status <<<"$json")" ok "a comment with the payload"
json=$(post /api/updateprofile --data-urlencode "about=$X$XA" --data-urlencode "email=x@news.lab")
is "$(jq -r .status <<<"$json")" ok "an about text with the payload"
pages=$(for p in / /latest/0 "/news/$NID" "/user/xss$TAG" "/usercomments/xss$TAG/0" "/usernews/xss$TAG/0" "/editnews/$NID"; do
	on dns curl -s --max-time 10 -b "auth=$XAUTH" "https://$VIP$p"; done)
hasnt "$pages" "$X" "no page carries the script as markup"
hasnt "$pages" '<img src=x' "...nor the attribute payload"
has "$pages" "&lt;script&gt;alert(52)&lt;/script&gt;" "...each shows it escaped"
api=$(on dns curl -s --max-time 10 "https://$VIP/api/getnews/latest/0/5")
is "$(jq -r --arg id "$NID" '.news[] | select(.id == $id or .id == ($id | tonumber)) | .title' <<<"$api")" "$X$XA" \
	"the API gives the title back as it was written (JSON-escaped, intact)"

# ---- 6: cross-site POSTs ----------------------------------------------------------
for s in "" "apisecret=0000" ; do
	json=$(on dns curl -s --max-time 10 -b "auth=$XAUTH" ${s:+--data "$s"} --data news_id=-1 \
		--data-urlencode "title=csrf $RANDOM" --data url=http://example.invalid/ "https://$VIP/api/submit")
	is "$(jq -r .status <<<"$json" 2>/dev/null)" err "a POST with the auth cookie and ${s:-no apisecret} is refused"
done
json=$(on dns curl -s --max-time 10 -b "auth=$XAUTH" --data "news_id=$NID" --data vote_type=up "https://$VIP/api/votenews")
is "$(jq -r .status <<<"$json" 2>/dev/null)" err "...a vote without it too"

# ---- 7: no password in any file ------------------------------------------------------
found=$(grep -rlF -e "$PW" -e "client guess 1" -e "wrong guess 1" "$LAB_STATE" 2>/dev/null | grep -v '/data/' || true)
is "$found" "" "no file the lab wrote holds a password the test sent (logs of every service, central logs)"
# The site ran through every section above as the newsd user: the only
# commands or keys Redis refused it are the ones section 2 tried.
denied() { # every instance's ACL log: "USER OBJECT" per entry
	local n
	for n in $(baddr redis01) $(baddr redis02) $(baddr redis03); do
		for p in 6379 6380; do
			lab exec redis01 redis-cli -h "$n" -p "$p" acl log 128 2>/dev/null |
				awk 'k == "object" {o = $0} k == "username" {u = $0} {k = $0} $0 == "client-info" {print u, o}'
		done
	done
}
unexpected=$(denied | awk '$1 == "newsd"' | grep -vxE 'newsd (flushall|config\|get|keys|script\|flush|acl\|list|clusterctl:lease)' | sort | uniq -c)
is "$unexpected" "" "Redis refused newsd nothing but what section 2 tried (every instance's ACL LOG)"

tap_done
