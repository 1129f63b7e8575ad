#!/bin/bash
# 34-newsd-accounts.sh - newsd's accounts and sessions against a real
# six-node Redis Cluster (loopback) and a real newsd, driven with curl:
#   - login by POST (the site's own forms and app.js) and by GET (Lamer News
#     clients), the same answer; the first account is an ordinary user,
#     administrators come from admins / admin_user in newsd.conf or from
#     newsd --grant-admin / --revoke-admin;
#   - the failed-login limiter: per user name (any case) and per client
#     address (X-Forwarded-For from the trusted 127.0.0.1), checked before
#     the password, the right password refused too until the window passes,
#     other names and addresses unaffected, a success clearing the name's
#     count, a counter that lost its expiry repaired, the log lines fail2ban
#     reads (and a name crafted to forge one), a dead counter node answered
#     503 and recovered from;
#   - a password change needs the current password and rotates the auth
#     token and the apisecret; logout and a reset by mail rotate both too;
#   - XSS payloads in every field come out escaped on every page and as
#     the same text in the API; writes without the apisecret are refused;
#     missing parameters get an error, never a 5xx;
#   - no password in newsd's log;
#   - redis_password_file against a node that requires a password, read
#     beside newsd.conf and from systemd's $CREDENTIALS_DIRECTORY.
# Every process is started here and stopped by PID (tests/lib/web.sh).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/web.sh"

web_begin 34-newsd-accounts mail
WINDOW=6
web_cluster || bail_out "the Redis Cluster starts"
web_mail_sink || bail_out "the SMTP sink starts"
web_newsd "login_fail_limit_user = 3" "login_fail_limit_ip = 8" "login_fail_window = $WINDOW" \
	'admins = { "Carol", "erin" }' 'admin_user = "dave"' || bail_out "newsd starts"
CONF=$WEB_DIR/newsd.conf
LOG=$WEB_DIR/newsd.log

jqv() { jq -r "$2" <<<"$1" 2>/dev/null; }
xff() { printf 'X-Forwarded-For: %s' "$1"; }
# login_post USER PASS [CURL-ARGS]: POST /api/login, form-encoded body.
login_post() { local u=$1 p=$2; shift 2; web_get /api/login --data-urlencode "username=$u" --data-urlencode "password=$p" "$@"; }
login_get() { local u=$1 p=$2; shift 2; web_get /api/login -G --data-urlencode "username=$u" --data-urlencode "password=$p" "$@"; }
# anon COOKIE: true when the top page with that auth cookie is anonymous.
anon() { web_get / -H "Cookie: auth=$1" | grep -q 'login / register'; }
vote_as() { web_post /api/votenews "news_id=$1&vote_type=up&apisecret=$3" -H "Cookie: auth=$2"; }
refused_re='^Too many failed logins, try again in [1-9][0-9]* seconds?\.$'
# Passwords used below, all looked for in newsd's log at the end.
PW_A=alicepass1 PW_B=bobpass123 PW_C=carolpass1 PW_D=davepass12 PW_NEW=alicenew99 PW_RESET=bobreset77
WRONG=notmypass9

# --- accounts, administrators --------------------------------------------
alice=$(web_signup alice "$PW_A") || bail_out "alice signs up"
bob=$(web_signup bob "$PW_B") || bail_out "bob signs up"
carol=$(web_signup carol "$PW_C") || bail_out "carol signs up"
dave=$(web_signup dave "$PW_D") || bail_out "dave signs up"
A=$(web_apisecret alice) B=$(web_apisecret bob)
is "$(web_status /admin -b "$alice")" 302 "the first account (alice, id 1) is not an administrator"
live=$(_web_live_port)
is "$(web_rcli "$live" -c hget "u:{1}" flags)" "" "and its flags are empty in the cluster"
is "$(web_status /admin -b "$carol")" 200 "carol is one: admins = { \"Carol\" } (any case)"
is "$(web_status /admin -b "$dave")" 200 "dave is one: admin_user, kept as an alias"
is "$(web_status /admin -b "$bob")" 302 "bob is not"

out=$("$NEWSD" -c "$CONF" --grant-admin BOB 2>&1)
rc=$?
ok "newsd --grant-admin BOB exits 0 ($out)" test "$rc" = 0
has "$out" "bob (user 2) is now an administrator" "and says so"
is "$(web_status /admin -b "$bob")" 200 "bob is an administrator now"
has "$(web_get / -b "$bob")" '<a href="/admin">admin</a>' "his pages link to /admin"
out=$("$NEWSD" -c "$CONF" --revoke-admin bob 2>&1)
ok "newsd --revoke-admin bob exits 0" test $? = 0
is "$(web_status /admin -b "$bob")" 302 "and bob is not any more"
out=$("$NEWSD" -c "$CONF" --grant-admin nobody 2>&1)
rc=$?
ok "--grant-admin of an unknown user exits 1, naming it ($out)" eval '[ "$rc" = 1 ] && grep -q "no user named nobody" <<<"$out"'
out=$("$NEWSD" -c "$CONF" --revoke-admin carol 2>&1)
has "$out" "stays one: newsd.conf names it in admins" "--revoke-admin of a configured admin says it stays one"
"$NEWSD" -c "$CONF" -t --grant-admin bob >/dev/null 2>&1
is "$?" 2 "--grant-admin with -t is a usage error (exit 2)"
has "$("$NEWSD" --help)" "--grant-admin NAME" "--help lists --grant-admin"

# --- login by POST and by GET --------------------------------------------
jar=$WEB_DIR/jar-post
r=$(login_post alice "$PW_A" -c "$jar")
ok "POST /api/login with a form body logs in" web_api_ok "$r"
ok "answering auth and apisecret, and setting the auth cookie to auth" \
	eval '[ -n "$(jqv "$r" .apisecret)" ] && [ "$(awk "\$6 == \"auth\" { print \$7 }" "$jar")" = "$(jqv "$r" .auth)" ]'
r2=$(login_get alice "$PW_A")
ok "GET /api/login?username=..&password=.. still works" web_api_ok "$r2"
is "$(jqv "$r2" 'keys | join(",")')" "$(jqv "$r" 'keys | join(",")')" "with the same answer's shape ($(jqv "$r" 'keys | join(",")'))"
is "$(jqv "$r2" .auth)" "$(jqv "$r" .auth)" "and the same session"
page=$(web_get /login)
has "$page" '<form id="loginform" method="post" action="/login">' "the login form posts (no password in an address without scripts)"
js=$(cat "$WEB_TREE/webapp/static/js/app.js")
ok "app.js logs in with POST /api/login, never GET" \
	eval 'grep -qF "api('"'"'POST'"'"', '"'"'/api/login'"'"'" <<<"$js" && ! grep -qF "api('"'"'GET'"'"', '"'"'/api/login'"'"'" <<<"$js"'
hdr=$(curl -sS --max-time 10 -D - -o /dev/null --data-urlencode "username=alice" --data-urlencode "password=$PW_A" "$WEB_URL/login")
ok "POST /login (the form without scripts) logs in: 302 to / with the auth cookie" \
	eval 'grep -q "^HTTP/1.1 302" <<<"$hdr" && grep -qi "^location: /" <<<"$hdr" && grep -qi "^set-cookie: auth=1-" <<<"$hdr"'
hasnt "$(grep -i '^set-cookie:' <<<"$hdr")" "Secure" "...over plain HTTP the cookie is not Secure"
# newsd itself, as a TLS-ending proxy on the loopback (trusted) asks.
hdr=$(curl -sS --max-time 10 -D - -o /dev/null -H "X-Forwarded-Proto: https" --data-urlencode "username=alice" \
	--data-urlencode "password=$PW_A" "$NEWSD_URL/login")
like "$(grep -i '^set-cookie:' <<<"$hdr" | tr -d '\r')" "*auth=1-*; HttpOnly; SameSite=Lax; Secure" \
	"...behind a proxy that ended HTTPS (X-Forwarded-Proto: https) it is Secure"

# --- the failed-login limiter: per user name ------------------------------
IPA=10.82.1.1 IPB=10.82.1.2 IPC=10.82.1.3 IPD=10.82.1.4
for u in alice ALICE alice; do
	r=$(login_post "$u" "$WRONG" -H "$(xff $IPA)")
	[ "$(jqv "$r" .error)" = "No match for the specified username / password pair." ] || diag "failure as $u: $r"
done
r=$(login_post alice "$PW_A" -H "$(xff $IPA)")
like "$(jqv "$r" .error)" "Too many failed logins, try again in [1-6] second*" \
	"after 3 failures (any case of the name), the right password is refused: $(jqv "$r" .error)"
ok "with the shape of an API error" eval '[ "$(jqv "$r" .status)" = err ] && grep -Eq "$refused_re" <<<"$(jqv "$r" .error)"'
r=$(login_post alice "$PW_A" -H "$(xff $IPB)")
ok "from another address too: the limit is the name's" grep -Eq "$refused_re" <<<"$(jqv "$r" .error)"
r=$(login_get Alice "$PW_A" -H "$(xff $IPB)")
ok "and by GET, whatever the case of the name" grep -Eq "$refused_re" <<<"$(jqv "$r" .error)"
page=$(web_get /login --data-urlencode "username=alice" --data-urlencode "password=$PW_A" -H "$(xff $IPB)")
ok "the login page says the same" eval 'grep -Eq "<div id=\"errormsg\">Too many failed logins, try again in [1-9][0-9]* seconds?\.</div>" <<<"$page"'
r=$(login_post bob "$PW_B" -H "$(xff $IPA)")
ok "bob logs in from the same address meanwhile (3 of its 8)" web_api_ok "$r"
ok "newsd logs each failure for fail2ban" \
	eval '[ "$(grep -c "login failed for user \"alice\" from $IPA\$" "$LOG")" = 2 ] && grep -q "login failed for user \"ALICE\" from $IPA\$" "$LOG"'
ok "and each refusal" grep -q "login refused (too many failures) for user \"alice\" from $IPB\$" "$LOG"

# --- per client address ---------------------------------------------------
for i in 1 2 3 4 5 6 7 8; do login_post "ghost$i" "$WRONG" -H "$(xff $IPC)" >/dev/null; done
r=$(login_post bob "$PW_B" -H "$(xff $IPC)")
ok "8 failures over 8 names from one address refuse its next login, bob's right one" \
	grep -Eq "$refused_re" <<<"$(jqv "$r" .error)"
r=$(login_post bob "$PW_B" -H "$(xff $IPD)")
ok "bob from another address is not affected" web_api_ok "$r"
r=$(login_post bob "$PW_B" -H "X-Forwarded-For: $IPD, $IPC")
ok "the address is the proxy's last entry, not what the client claimed first" \
	grep -Eq "$refused_re" <<<"$(jqv "$r" .error)"

# --- the window passes; a success clears the name's count ------------------
sleep $((WINDOW + 1))
r=$(login_post alice "$PW_A" -H "$(xff $IPA)")
ok "once the window has passed, alice logs in" web_api_ok "$r"
r=$(login_post bob "$PW_B" -H "$(xff $IPC)")
ok "and the busy address may try again" web_api_ok "$r"
for i in 1 2; do login_post alice "$WRONG" -H "$(xff $IPB)" >/dev/null; done
login_post alice "$PW_A" -H "$(xff $IPB)" >/dev/null
for i in 1 2; do login_post alice "$WRONG" -H "$(xff $IPB)" >/dev/null; done
r=$(login_post alice "$PW_A" -H "$(xff $IPB)")
ok "2 failures, a success, 2 failures: still in (the success cleared the count)" web_api_ok "$r"

# A counter that lost its expiry would refuse for ever: it gets it back.
key='login:user:{mallory}'
for i in 1 2 3; do login_post mallory "$WRONG" -H "$(xff 10.82.2.$i)" >/dev/null; done
web_rcli "$live" -c persist "$key" >/dev/null
is "$(web_rcli "$live" -c ttl "$key")" -1 "a counter at its limit made to lose its expiry (PERSIST)"
r=$(login_post mallory "$WRONG" -H "$(xff 10.82.2.9)")
is "$(jqv "$r" .error)" "Too many failed logins, try again in $WINDOW seconds." "still refuses, for one window"
t=$(web_rcli "$live" -c ttl "$key")
ok "and has its expiry back (TTL $t)" eval '[ "$t" -gt 0 ] && [ "$t" -le "$WINDOW" ]'

# A user name made to forge a log line stays inside its quotes.
login_post 'x" from 6.6.6.6' "$WRONG" -H "$(xff 10.82.3.1)" >/dev/null
ok "a crafted name is escaped in the log line" \
	grep -qF 'login failed for user "x\x22 from 6.6.6.6" from 10.82.3.1' "$LOG"
ok "so no line ends in the forged address" eval '! grep -q "from 6\.6\.6\.6\$" "$LOG"'

# --- password change -------------------------------------------------------
alice=$(web_login alice "$PW_A") && A=$(web_apisecret alice)
old_auth=$(web_auth alice) old_A=$A
r=$(web_post /api/updateprofile "about=&email=alice%40news.lab&password=$PW_NEW&apisecret=$A" -b "$alice" -H "$(xff 10.82.4.1)")
is "$(jqv "$r" .error)" "Please give your current password to set a new one." "a new password without the current one is refused"
r=$(web_post /api/updateprofile "about=&email=alice%40news.lab&password=$PW_NEW&current_password=$WRONG&apisecret=$A" -b "$alice" -H "$(xff 10.82.4.1)")
is "$(jqv "$r" .error)" "The current password is not right." "with a wrong current one too"
ok "and the password did not change" web_api_ok "$(login_post alice "$PW_A" -H "$(xff 10.82.4.2)")"
r=$(web_post /api/updateprofile "about=&email=alice%40news.lab&password=$PW_NEW&current_password=$PW_A&apisecret=$A" \
	-b "$alice" -c "$alice" -H "$(xff 10.82.4.1)")
ok "with the current password it changes" web_api_ok "$r"
new_auth=$(jqv "$r" .auth) new_A=$(jqv "$r" .apisecret)
ok "answering a new auth token and a new apisecret" \
	eval '[ -n "$new_auth" ] && [ -n "$new_A" ] && [ "$new_auth" != "$old_auth" ] && [ "$new_A" != "$old_A" ]'
is "$(web_auth alice)" "$new_auth" "and setting the new cookie"
ok "the old auth cookie no longer works" anon "$old_auth"
r=$(vote_as 1 "$old_auth" "$old_A")
has "$r" "Not authenticated." "not even for the API"
r=$(vote_as 1 "$new_auth" "$old_A")
has "$r" "Wrong form secret." "the old apisecret is refused, even with the new cookie"
has "$(web_get / -b "$alice")" "<meta name=\"apisecret\" content=\"$new_A\">" "the pages carry the new apisecret"
ok "the old password no longer logs in" eval '! web_api_ok "$(login_post alice "$PW_A" -H "$(xff 10.82.4.3)")"'
ok "the new one does" web_api_ok "$(login_post alice "$PW_NEW" -H "$(xff 10.82.4.4)")"
r=$(web_post /api/updateprofile "about=hi&email=alice%40news.lab&password=&apisecret=$new_A" -b "$alice")
ok "a profile change without a new password needs no current password" eval 'web_api_ok "$r" && [ "$(jqv "$r" .auth)" = null ]'
A=$new_A

# --- logout rotates the token and the apisecret ----------------------------
bob=$(web_login bob "$PW_B") && B=$(web_apisecret bob)
b_auth=$(web_auth bob) b_sec=$B
r=$(web_post /api/logout "apisecret=$B" -b "$bob")
ok "bob logs out (POST /api/logout)" web_api_ok "$r"
ok "his old auth cookie no longer works" anon "$b_auth"
bob=$(web_login bob "$PW_B") && B=$(web_apisecret bob)
ok "he logs in again: a new token and a new apisecret" \
	eval '[ "$(web_auth bob)" != "$b_auth" ] && [ "$B" != "$b_sec" ] && [ -n "$B" ]'
r=$(vote_as 1 "$(web_auth bob)" "$b_sec")
has "$r" "Wrong form secret." "the apisecret from before the logout is refused"
b_auth=$(web_auth bob) b_sec=$B
is "$(web_status "/logout" -b "$bob")" 302 "GET /logout without the apisecret only redirects"
ok "and logs nobody out" eval '! anon "$b_auth"'
web_get "/logout?apisecret=$B" -b "$bob" >/dev/null
ok "GET /logout?apisecret= (the link without scripts) logs out too" anon "$b_auth"
bob=$(web_login bob "$PW_B") && B=$(web_apisecret bob)
ok "rotating the apisecret as well" eval '[ -n "$B" ] && [ "$B" != "$b_sec" ]'

# --- a reset by mail rotates both, and forgets the name's failures -----------
web_post /api/updateprofile "about=&email=bob%40news.lab&password=&apisecret=$B" -b "$bob" >/dev/null
b_auth=$(web_auth bob) b_sec=$B
for i in 1 2 3; do login_post bob "$WRONG" -H "$(xff 10.82.5.$i)" >/dev/null; done
ok "bob's name is at its limit" grep -Eq "$refused_re" <<<"$(jqv "$(login_post bob "$PW_B" -H "$(xff 10.82.5.9)")" .error)"
n0=$(web_mail_count)
r=$(web_post /api/reset-password "username=bob&email=bob%40news.lab")
ok "a reset mail is asked for (POST)" web_api_ok "$r"
ok "and arrives" web_wait 15 eval '[ "$(web_mail_count)" -gt "$n0" ]'
link=$(web_mail_last | grep -o 'http://[^ ]*set-new-password[^ ]*' | tr -d '\r')
q=${link#*\?}
user=$(sed 's/.*user=\([^&]*\).*/\1/' <<<"$q") token=$(sed 's/.*token=\([^&]*\).*/\1/' <<<"$q")
r=$(web_post /api/set-new-password "user=$user&token=$token&password=$PW_RESET" -c "$WEB_DIR/jar-reset")
ok "the link sets a new password without the current one" web_api_ok "$r"
ok "answering a new token and apisecret" \
	eval '[ "$(jqv "$r" .auth)" != "$b_auth" ] && [ "$(jqv "$r" .apisecret)" != "$b_sec" ] && [ -n "$(jqv "$r" .apisecret)" ]'
ok "the session from before the reset is over" anon "$b_auth"
has "$(vote_as 1 "$(jqv "$r" .auth)" "$b_sec")" "Wrong form secret." "and the old apisecret refused"
ok "the name's failures are forgotten: the new password logs in at once" \
	web_api_ok "$(login_post bob "$PW_RESET" -H "$(xff 10.82.5.9)")"
bob=$(web_login bob "$PW_RESET") && B=$(web_apisecret bob)

# --- XSS: every field escaped on every page, the same text in the API --------
T='<img src=x onerror=alert(1)>"'"'"'&T' U='http://x.test/"><script>alert(2)</script>'
X='<script>alert(3)</script>' C='<b onmouseover=alert(4)>c</b>"'
AB='</textarea><script>alert(5)</script>' EM='"><script>alert(6)</script>@x.test'
r=$(web_get /api/submit -b "$alice" --data-urlencode "news_id=-1" --data-urlencode "title=$T" \
	--data-urlencode "url=$U" --data-urlencode "text=" --data-urlencode "apisecret=$A")
nu=$(jqv "$r" .news_id)
r=$(web_get /api/submit -b "$alice" --data-urlencode "news_id=-1" --data-urlencode "title=$T" \
	--data-urlencode "url=" --data-urlencode "text=$X" --data-urlencode "apisecret=$A")
nt=$(jqv "$r" .news_id)
ok "stories with payloads in title, url and text are taken ($nu, $nt)" eval '[ "$nu" -gt 0 ] && [ "$nt" -gt 0 ]'
r=$(web_get /api/postcomment -b "$alice" --data-urlencode "news_id=$nt" --data-urlencode "comment_id=-1" \
	--data-urlencode "parent_id=-1" --data-urlencode "comment=$C" --data-urlencode "apisecret=$A")
cid=$(jqv "$r" .comment_id)
r=$(web_get /api/updateprofile -b "$alice" --data-urlencode "about=$AB" --data-urlencode "email=$EM" \
	--data-urlencode "password=" --data-urlencode "apisecret=$A")
ok "a comment, an about text and an e-mail address with payloads too" eval '[ "$cid" = 1 ] && web_api_ok "$r"'
raw='<img src=x|<script>alert|<b onmouseover|</textarea><script>'
for p in / /latest/0 "/news/$nu" "/news/$nt" "/comment/$nt/$cid" "/editcomment/$nt/$cid" "/editnews/$nu" \
	"/editnews/$nt" /user/alice /usernews/alice/0 /usercomments/alice/0 /replies /saved/0 /rss; do
	page=$(web_get "$p" -b "$alice")
	ok "GET $p: no payload comes out raw" eval '[ -n "$page" ] && ! grep -Eq "$raw" <<<"$page"'
done
page=$(web_get "/news/$nu" -b "$alice")
has "$page" '&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;T' "the title is there, escaped"
has "$page" 'href="http://x.test/&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"' "the url too, in its attribute"
has "$(web_get "/news/$nt")" '&lt;script&gt;alert(3)&lt;/script&gt;' "a text post's text"
has "$(web_get "/news/$nt")" '&lt;b onmouseover=alert(4)&gt;c&lt;/b&gt;&quot;' "a comment"
page=$(web_get /user/alice -b "$alice")
has "$page" '&lt;/textarea&gt;&lt;script&gt;alert(5)&lt;/script&gt;</textarea>' "the about text, inside its textarea"
has "$page" 'value="&quot;&gt;&lt;script&gt;alert(6)&lt;/script&gt;@x.test"' "the e-mail address, inside its attribute"
page=$(web_get "/set-new-password?user=%3Cscript%3Ealert(7)%3C/script%3E&token=%22%3E%3Cb%3E")
ok "the reset page's user and token parameters are escaped" \
	eval '! grep -Eq "<script>alert|\"><b>" <<<"$page" && grep -qF "&lt;script&gt;alert(7)" <<<"$page"'
r=$(web_get /api/getnews/latest/0/5)
is "$(jqv "$r" ".news[] | select(.id == \"$nu\") | .title")" "$T" "getnews gives the title back as it was sent (JSON-escaped)"
is "$(jqv "$r" ".news[] | select(.id == \"$nu\") | .url")" "$U" "and the url"
is "$(jqv "$r" ".news[] | select(.id == \"$nt\") | .url")" "text://$X" "and the text"
is "$(jqv "$(web_get "/api/getcomments/$nt")" '.comments[0].body')" "$C" "getcomments the comment"
r=$(web_get /api/create_account --data-urlencode "username=<script>x" --data-urlencode "password=$PW_A")
has "$(jqv "$r" .error)" "Username must match" "a user name with markup is refused"

# --- CSRF: no write without the apisecret ----------------------------------
sub="news_id=-1&title=csrf&url=http://x.test/csrf&text="
for w in "/api/submit|$sub" "/api/delnews|news_id=$nu" "/api/votenews|news_id=$nt&vote_type=up" \
	"/api/postcomment|news_id=$nt&comment_id=-1&parent_id=-1&comment=csrf" \
	"/api/updateprofile|about=csrf&email=csrf%40x.test&password=" "/api/votecomment|comment_id=$nt-$cid&vote_type=up" \
	"/api/logout|"; do
	path=${w%%|*} data=${w#*|}
	r1=$(web_post "$path" "$data" -b "$bob" -H "Origin: http://evil.test")
	r2=$(web_post "$path" "$data&apisecret=$A" -b "$bob")
	r3=$(web_post "$path" "$data&apisecret=" -b "$bob")
	ok "POST $path with the cookie but no apisecret, or another user's, or an empty one: refused" \
		eval '[ "$(jqv "$r1" .status)$(jqv "$r2" .status)$(jqv "$r3" .status)" = errerrerr ]'
done
ok "nothing of it happened" eval '! web_get /latest/0 | grep -q csrf && ! web_get /user/bob | grep -q csrf'
ok "bob is still logged in" eval '! anon "$(web_auth bob)"'

# --- missing parameters: an error, never a 5xx, newsd still up -----------------
bad=
for path in /api/login /api/create_account /api/submit /api/delnews /api/votenews /api/postcomment \
	/api/updateprofile /api/votecomment /api/reset-password /api/set-new-password /login; do
	for data in "" "apisecret=$B" "username=bob" "password=x" "apisecret=$B&about=x" "apisecret=$B&email=x" \
		"apisecret=$B&password=newpass123"; do
		code=$(web_status "$path" --data "$data" -b "$bob")
		[ "$code" = 200 ] || bad="$bad $path[$data]:$code"
		r=$(web_post "$path" "$data" -b "$bob")
		case $path in
		/login) ;;
		*) [ "$(jqv "$r" .status)" = err ] || bad="$bad $path[$data]:$(head -c 80 <<<"$r")" ;;
		esac
	done
done
is "${bad:-none}" none "every write with missing parameters gets a 200 error answer"
ok "newsd still runs" _web_ours "$NEWSD_PID"
ok "bob's password did not change on the way" web_api_ok "$(login_post bob "$PW_RESET" -H "$(xff 10.82.6.1)")"

# --- a dead counter node: 503, then back without a restart -------------------
port=$(web_kill_master_of 'login:user:{zed}')
ok "the master of login:user:{zed} (port $port) is killed" test -n "$port"
code=$(web_status /api/login --data "username=zed&password=$WRONG" -H "$(xff 10.82.7.1)")
ok "a login whose counter is unreachable is answered 503, not let through ($code)" eval '[ "$code" = 503 ]'
ok "newsd still runs" _web_ours "$NEWSD_PID"
ok "once the replica took over, the same login is answered again" \
	web_wait 20 eval '[ "$(jqv "$(login_post zed "$WRONG" -H "$(xff 10.82.7.2)")" .status)" = err ]'
web_restart_node "$port"
web_wait 30 web_cluster_ok

# --- no password in newsd's log ----------------------------------------------
leaks=
for p in "$PW_A" "$PW_B" "$PW_C" "$PW_D" "$PW_NEW" "$PW_RESET" "$WRONG"; do
	grep -qF -- "$p" "$LOG" && leaks="$leaks $p"
done
is "${leaks:-none}" none "newsd's log holds none of the passwords used"
ok "newsd exits cleanly on SIGTERM" web_newsd_stop

# --- redis_password_file against a node that requires a password -------------
RP=$((WEB_BASE + 30)) NP=$((WEB_BASE + 31)) SECRET='pass word#1'
d=$WEB_DIR/auth
mkdir -p "$d/redis" "$d/creds"
cat >"$d/redis/redis.conf" <<EOF
port $RP
bind 127.0.0.1
dir $d/redis
cluster-enabled yes
cluster-config-file nodes.conf
appendonly no
save ""
requirepass "$SECRET"
EOF
_web_spawn "$d/redis.log" redis-server "$d/redis/redis.conf"
rpid=$WEB_LAST_PID
arcli() { timeout 10 redis-cli --no-auth-warning -a "$SECRET" -h 127.0.0.1 -p "$RP" "$@"; }
web_wait 10 eval '[ "$(arcli ping 2>/dev/null)" = PONG ]'
arcli cluster addslotsrange 0 16383 >/dev/null
ok "a one-node cluster that requires a password" \
	web_wait 10 eval 'arcli cluster info | grep -q "^cluster_state:ok"'
printf '%s\n' "$SECRET" >"$d/password"
chmod 600 "$d/password"
cat >"$d/newsd.conf" <<EOF
listen = "127.0.0.1:$NP"
redis_nodes = { "127.0.0.1:$RP" }
durable_replicas = 0
redis_password_file = "password"
EOF
# start_newsd: newsd on $NP with the environment given; true once /healthz is 200.
start_newsd() {
	_web_spawn "$d/newsd.log" env "$@" "$NEWSD" -c "$d/newsd.conf"
	npid=$WEB_LAST_PID
	web_wait 10 eval '[ "$(web_status /healthz --url-base http://127.0.0.1:$NP)" = 200 ]'
}
ok "newsd reads the password from a file beside newsd.conf (trailing newline dropped)" start_newsd -u CREDENTIALS_DIRECTORY
_web_stop "$npid"
printf '%s' "$SECRET" >"$d/creds/redis-password"
chmod 400 "$d/creds/redis-password"
sed -i 's/^redis_password_file = .*/redis_password_file = "redis-password"/' "$d/newsd.conf"
ok "and from \$CREDENTIALS_DIRECTORY, as systemd's LoadCredential= passes it" \
	start_newsd CREDENTIALS_DIRECTORY="$d/creds"
_web_stop "$npid"
chmod 640 "$d/creds/redis-password"
CREDENTIALS_DIRECTORY=$d/creds timeout 10 "$NEWSD" -c "$d/newsd.conf" >"$d/out" 2>&1
rc=$?
ok "a password file open to its group is refused: exit 2, FILE:LINE ($(head -1 "$d/out"))" \
	eval '[ "$rc" = 2 ] && grep -q "^newsd: $d/newsd.conf:4: redis_password_file = \"redis-password\": .*mode 0640" "$d/out"'
ok "the password never reached newsd's log" eval '! grep -qF "$SECRET" "$d/newsd.log" "$d/out"'
_web_stop "$rpid"

tap_done
