#!/bin/bash
# 30-newsd.sh - newsd behind real nginx on a real six-node Redis Cluster
# (loopback), driven with curl: every page and API call, bad input, the
# rate limits, password reset by mail, logout rotating the token, a session
# served by a second front-end, nginx's micro-cache, a master killed while
# requests run, and a whole shard lost (its slots fail with a 503, the
# others keep serving, newsd recovers without a restart).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/web.sh"

web_begin newsd nginx mail
# Pages whose slots are served keep working while a shard is down; a node
# restarted after a crash comes back with its data.
WEB_REDIS_CONF=$'cluster-require-full-coverage no\nappendonly yes'
web_cluster || bail_out "the Redis Cluster starts"
web_mail_sink || bail_out "the SMTP sink starts"
web_newsd || bail_out "newsd starts"
web_nginx || bail_out "nginx starts"
WEB_URL=$NGINX_URL

jqv() { jq -r "$2" <<<"$1" 2>/dev/null; }         # JSON FILTER
api() { web_post "$@"; }                          # PATH DATA [CURL-ARGS]
headers() { curl -sS --max-time 10 -D - -o /dev/null "$@"; }

# --- the site answers, with its headers and static files
is "$(web_status /healthz)" 200 "/healthz is 200 with the cluster up"
h=$(headers "$WEB_URL/")
has "$h" "Content-Security-Policy: default-src 'self'" "the top page carries a Content-Security-Policy"
ok "and X-Frame-Options, nosniff" \
	eval 'grep -qF "X-Frame-Options: DENY" <<<"$h" && grep -qF "X-Content-Type-Options: nosniff" <<<"$h"'
ok "nginx serves the CSS itself" eval 'headers "$WEB_URL/css/style.css" | grep -qi "content-type: text/css"'
is "$(web_status /js/app.js)$(web_status /favicon.ico)" 200200 "app.js and favicon.ico are served"
page=$(web_get /)
has "$page" 'href="/login"' "the anonymous top page offers login"

# --- accounts
alice=$(web_signup alice secretpw1)
ok "alice creates an account" test -n "$alice"
h=$(headers "$WEB_URL/api/create_account" --data "username=carol&password=secretpw1")
ok "the auth cookie is HttpOnly" eval 'grep -i "^set-cookie: auth=" <<<"$h" | grep -q HttpOnly'
r=$(api /api/create_account "username=ALICE&password=otherpw12")
is "$(jqv "$r" .error)" "Username is already taken, please try a different one." \
	"user names are case-insensitive for uniqueness"
r=$(web_get "/api/login?username=AlIcE&password=secretpw1")
ok "and for login" web_api_ok "$r"
r=$(web_get "/api/login?username=alice&password=wrongpass")
is "$(jqv "$r" .error)" "No match for the specified username / password pair." "a wrong password is refused"
r=$(api /api/create_account "username=1abc&password=secretpw1")
has "$r" '"status":"err"' "a user name starting with a digit is refused"
r=$(api /api/create_account "username=dave&password=short")
has "$r" "Password is too short" "a short password is refused"
r=$(api /api/create_account "username=&password=")
has "$r" "two required fields" "empty fields are refused"
bob=$(web_signup bob secretpw2)
ok "bob creates an account" test -n "$bob"
A=$(web_apisecret alice) B=$(web_apisecret bob)
page=$(web_get / -b "$alice")
has "$page" "<meta name=\"apisecret\" content=\"$A\">" "alice's pages carry her apisecret"
has "$page" '>alice (1)</a>' "and name her in the account bar"

# --- stories
r=$(api /api/submit "news_id=-1&title=First+story&url=http://example.test/one&text=&apisecret=$A" -b "$alice")
n1=$(jqv "$r" .news_id)
is "$n1" 1 "alice submits a link (news_id 1)"
r=$(api /api/submit "news_id=-1&title=Ask+%3Cb%3Ethe%3C%2Fb%3E+site&url=&text=What+now%3F+see+http://x.test/y.&apisecret=$A" -b "$alice")
n2=$(jqv "$r" .news_id)
is "$n2" 2 "alice submits a text post (news_id 2)"
r=$(api /api/submit "news_id=-1&title=Same+again&url=http://example.test/one&text=&apisecret=$A" -b "$alice")
is "$(jqv "$r" .news_id)" 1 "the same URL again leads to the first story"
r=$(api /api/submit "news_id=-1&title=Bad&url=ftp://example.test/&text=&apisecret=$A" -b "$alice")
has "$r" "We only accept http:// and https:// news." "an ftp:// URL is refused"
r=$(api /api/submit "news_id=-1&title=&url=http://example.test/t&text=&apisecret=$A" -b "$alice")
has "$r" "Please specify a news title" "a story without a title is refused"
long=$(printf 'x%.0s' $(seq 1 201))
r=$(api /api/submit "news_id=-1&title=$long&url=http://example.test/long&text=&apisecret=$A" -b "$alice")
has "$r" "Title is too long" "a title over 200 characters is refused, saying so"
r=$(api /api/submit "news_id=-1&title=T&url=http://example.test/s&text=&apisecret=nope" -b "$alice")
has "$r" "Wrong form secret." "a wrong apisecret is refused (CSRF)"
r=$(api /api/submit "news_id=-1&title=T&url=http://example.test/s&text=&apisecret=$A")
has "$r" "Not authenticated." "an anonymous submission is refused"

r=$(web_get /api/getnews/top/0/10 -b "$alice")
ok "getnews lists both stories" eval '[ "$(jqv "$r" ".news | length")" = 2 ] && [ "$(jqv "$r" .count)" = 2 ]'
ok "items carry id, title, url, username, ctime, up, down, comments" \
	eval '[ "$(jqv "$r" ".news[] | select(.id == \"1\") | [.id, .title, .url, .username, .ctime, .up, .down, .comments] | map(select(. != null)) | length")" = 8 ]'
is "$(jqv "$r" '[.news[] | has("rank", "score", "user_id")] | any')" false "never rank, score or user_id"
is "$(jqv "$r" '.news[] | select(.id == "2") | .url')" "text://What now? see http://x.test/y." "a text post's url is text://..."
is "$(jqv "$r" '.news[0].voted')" up "the submitter's own upvote shows as voted"
r=$(web_get /api/getnews/top/0/33)
has "$r" "Count is too big" "a count over 32 is an error"
r=$(web_get /api/getnews/best/0/10)
has "$r" "Invalid sort parameter" "an unknown sort is an error"
r=$(web_get /api/getnews/latest/0/1)
is "$(jqv "$r" '.news[0].id')" 2 "latest comes newest first"
page=$(web_get "/news/$n2")
ok "titles are HTML-escaped" \
	eval 'grep -qF "Ask &lt;b&gt;the&lt;/b&gt; site" <<<"$page" && ! grep -qF "<b>the</b>" <<<"$page"'
has "$page" '<a rel="nofollow" href="http://x.test/y">http://x.test/y</a>.' "links in text become nofollow links"

# --- votes and karma
r=$(api /api/votenews "news_id=$n1&vote_type=up&apisecret=$B" -b "$bob")
ok "bob upvotes story 1" web_api_ok "$r"
r=$(api /api/votenews "news_id=$n1&vote_type=up&apisecret=$B" -b "$bob")
has "$r" "Duplicated vote." "twice is a duplicated vote"
r=$(api /api/votenews "news_id=$n2&vote_type=down&apisecret=$B" -b "$bob")
has "$r" "You don't have enough karma to vote down" "a downvote needs more karma than a new user has"
r=$(api /api/votenews "news_id=$n1&vote_type=sideways&apisecret=$B" -b "$bob")
has "$r" "invalid vote type" "an unknown vote type is refused"
page=$(web_get /user/alice)
has "$page" "<b>karma </b>2 points" "the upvote moved karma to alice (1 + 1)"
page=$(web_get /user/bob -b "$bob")
has "$page" "<b>karma </b>0 points" "and cost bob his (1 - 1)"
page=$(web_get /saved/0 -b "$bob")
has "$page" "First story" "the upvoted story is in bob's saved news"
r=$(web_get /api/getnews/top/0/10)
is "$(jqv "$r" '.news[] | select(.id == "1") | .up')" 2 "story 1 now has 2 up"

# --- comments
r=$(api /api/postcomment "news_id=$n1&comment_id=-1&parent_id=-1&comment=Nice+%3Cscript%3Ealert(1)%3C%2Fscript%3E&apisecret=$A" -b "$alice")
ok "alice comments" eval '[ "$(jqv "$r" .op)" = insert ] && [ "$(jqv "$r" .comment_id)" = 1 ]'
r=$(api /api/postcomment "news_id=$n1&comment_id=-1&parent_id=1&comment=I+agree&apisecret=$B" -b "$bob")
ok "bob replies to it" eval '[ "$(jqv "$r" .op)" = insert ] && [ "$(jqv "$r" .parent_id)" = 1 ]'
r=$(api /api/postcomment "news_id=$n1&comment_id=-1&parent_id=99&comment=orphan&apisecret=$B" -b "$bob")
has "$r" '"status":"err"' "a reply to a missing comment is refused"
r=$(web_get "/api/getcomments/$n1")
is "$(jqv "$r" '.comments[0].replies[0].body')" "I agree" "getcomments nests the reply"
is "$(jqv "$r" '[.comments[0] | has("id", "user_id", "parent_id")] | any')" false "without ids"
page=$(web_get "/news/$n1")
ok "comment bodies are escaped" \
	eval 'grep -qF "&lt;script&gt;alert(1)&lt;/script&gt;" <<<"$page" && ! grep -qF "<script>alert" <<<"$page"'
has "$page" 'class="comment level-1" data-comment-id="1-2"' "replies are indented a level"
page=$(web_get / -b "$alice")
has "$page" 'replies<sup>1</sup>' "alice sees a reply waiting"
page=$(web_get /replies -b "$alice")
has "$page" "I agree" "the replies page shows it"
page=$(web_get / -b "$alice")
hasnt "$page" "replies<sup>" "and reading it clears the count"
r=$(api /api/votecomment "comment_id=$n1-1&vote_type=up&apisecret=$B" -b "$bob")
is "$(jqv "$r" .comment_id)" "$n1-1" "bob upvotes alice's comment"
r=$(api /api/votecomment "comment_id=$n1-1&vote_type=down&apisecret=$B" -b "$bob")
has "$r" "duplicated vote" "a second vote on it is refused"
r=$(api /api/postcomment "news_id=$n1&comment_id=2&parent_id=-1&comment=edited&apisecret=$A" -b "$alice")
has "$r" '"status":"err"' "alice cannot edit bob's comment"
r=$(api /api/postcomment "news_id=$n1&comment_id=2&parent_id=-1&comment=I+agree+a+lot&apisecret=$B" -b "$bob")
is "$(jqv "$r" .op)" update "bob edits his own"
r=$(api /api/postcomment "news_id=$n1&comment_id=-1&parent_id=-1&comment=to+delete&apisecret=$B" -b "$bob")
c3=$(jqv "$r" .comment_id)
r=$(api /api/postcomment "news_id=$n1&comment_id=$c3&parent_id=-1&comment=&apisecret=$B" -b "$bob")
is "$(jqv "$r" .op)" delete "an empty edit deletes"
r=$(web_get /api/getnews/latest/0/5)
is "$(jqv "$r" '.news[] | select(.id == "1") | .comments')" 2 "the story counts 2 comments"
for p in "/comment/$n1/1" "/usercomments/bob/0" "/usernews/alice/0" /rss /about /login /reset-password /latest/0; do
	is "$(web_status "$p")" 200 "GET $p is 200"
done
for p in "/reply/$n1/1" "/editcomment/$n1/2" /submit /replies /saved/0; do
	is "$(web_status "$p" -b "$bob")$(web_status "$p")" 200302 "GET $p is 200 logged in, a redirect to /login without"
done
is "$(web_status "/editnews/$n1" -b "$bob")" 403 "bob may not edit alice's story"
ok "the RSS feed is XML and escapes titles" eval 'web_get /rss | grep -q "<title>Ask &lt;b&gt;the&lt;/b&gt; site</title>"'
ok "/random leads to a story" eval 'headers "$WEB_URL/random" | grep -qi "^location: /news/[12]"'
is "$(web_status /admin -b "$alice")$(web_status /admin -b "$bob")" 302302 "the first user is no administrator (admins come from newsd.conf); nor is bob"

# --- editing and deleting stories
r=$(api /api/submit "news_id=$n1&title=First+story+edited&url=http://example.test/one&text=&apisecret=$A" -b "$alice")
ok "alice edits her story within the window" eval '[ "$(jqv "$r" .news_id)" = 1 ] && web_get /news/1 -b "$alice" | grep -q "First story edited"'
r=$(api /api/delnews "news_id=$n1&apisecret=$B" -b "$bob")
has "$r" "News too old or wrong ID/owner." "bob cannot delete it"
r=$(api /api/delnews "news_id=$n2&apisecret=$A" -b "$alice")
is "$(jqv "$r" .news_id)" -1 "alice deletes her text post"
is "$(jqv "$(web_get /api/getnews/latest/0/10)" '.news | length')" 1 "it leaves the lists"

# --- profile, logout
r=$(api /api/updateprofile "about=I+%3Cem%3Ewrite%3C%2Fem%3E&email=alice%40news.lab&password=&apisecret=$A" -b "$alice")
ok "alice updates her profile" web_api_ok "$r"
ok "the about text is escaped on her page" eval 'web_get /user/alice -b "$alice" | grep -qF "I &lt;em&gt;write&lt;/em&gt;"'
r=$(api /api/updateprofile "about=x&email=alice%40news.lab&password=newsecret1&apisecret=$A" -b "$alice")
has "$r" "current password" "a new password without the current one is refused"
r=$(api /api/updateprofile "about=x&email=alice%40news.lab&password=newsecret1&current_password=secretpw1&apisecret=$A" -b "$alice")
ok "and her password, given the current one" eval 'web_api_ok "$r" && web_api_ok "$(web_get "/api/login?username=alice&password=newsecret1")"'
old=$(web_auth bob)
r=$(api /api/logout "apisecret=$B" -b "$bob")
ok "bob logs out" web_api_ok "$r"
ok "his old auth cookie no longer works" eval 'web_get / -H "Cookie: auth=$old" | grep -q "login / register"'
r=$(api /api/votenews "news_id=$n1&vote_type=up&apisecret=$B" -H "Cookie: auth=$old")
has "$r" "Not authenticated." "not even for the API"
bob=$(web_login bob secretpw2) B=$(web_apisecret bob)
ok "bob logs in again" test -n "$bob"

# --- password reset by mail
r=$(web_get "/api/reset-password?username=alice&email=wrong%40news.lab")
has "$r" "No match for the specified username / email pair." "a reset for a wrong email is refused"
r=$(web_get "/api/reset-password?username=alice&email=alice%40news.lab")
ok "a reset for the right one is sent" web_api_ok "$r"
ok "the mail arrives" web_wait 10 eval '[ "$(web_mail_count)" -ge 1 ]'
link=$(web_mail_last | grep -o 'http://[^ ]*set-new-password[^ ]*' | tr -d '\r')
ok "with a signed link to set a new password" eval 'grep -q "token=[0-9]*\.[0-9a-f]\{64\}" <<<"$link"'
path=${link#"$NGINX_URL"}
is "$(web_status "$path")" 200 "the link's page opens"
q=${link#*\?}
user=$(sed 's/.*user=\([^&]*\).*/\1/' <<<"$q") token=$(sed 's/.*token=\([^&]*\).*/\1/' <<<"$q")
case $token in *0) bad=${token%?}1 ;; *) bad=${token%?}0 ;; esac
r=$(api /api/set-new-password "user=$user&token=$bad&password=resetpw123")
has "$r" "not valid" "a tampered token is refused"
r=$(api /api/set-new-password "user=$user&token=$token&password=resetpw123")
ok "the token sets a new password" eval 'web_api_ok "$r" && web_api_ok "$(web_get "/api/login?username=alice&password=resetpw123")"'
r=$(api /api/set-new-password "user=$user&token=$token&password=again12345")
has "$r" "not valid" "and works once only"
alice=$(web_login alice resetpw123) A=$(web_apisecret alice)

# --- bad input gets a 4xx that names the problem
is "$(web_status "/latest/0?a=%zz")" 400 "a malformed %-escape is a 400"
ok "naming it" eval 'web_get "/latest/0?a=%zz" | grep -q "malformed %-escape"'
is "$(web_status "/news/1?x=%ff")" 400 "invalid UTF-8 is a 400"
is "$(web_status /latest/-1)$(web_status /latest/abc)" 400400 "a bad page start is a 400"
is "$(web_status /news/abc)$(web_status /news/999)$(web_status /nowhere)" 404404404 "unknown stories and pages are 404s"
is "$(web_status / -X POST)" 405 "POST to a page is a 405"
is "$(web_status /api/submit --data-binary @/dev/null -H 'Content-Type: multipart/form-data; boundary=x' -X POST -b "$alice")" 415 "a multipart form is a 415"
big=$(head -c 70000 /dev/zero | tr '\0' a)
is "$(web_status /api/submit --data "title=$big" -b "$alice")" 413 "a body over 64 KiB is a 413 (nginx)"
is "$(web_status /api/submit --data "title=$big" -b "$alice" --url-base "$NEWSD_URL")" 413 "and from newsd itself"

# --- nginx micro-caches anonymous pages only, for a second
web_get / >/dev/null
ok "an anonymous page comes from the cache" eval 'headers "$WEB_URL/" | grep -qi "x-cache-status: HIT"'
ok "a logged-in one never does" eval 'headers "$WEB_URL/" -b "$alice" | grep -qi "x-cache-status: BYPASS"'
ok "nor does the API" eval '! headers "$WEB_URL/api/getnews/top/0/1" | grep -qi "x-cache-status"'
r=$(api /api/submit "news_id=-1&title=Fresh+story&url=http://example.test/fresh&text=&apisecret=$A" -b "$alice")
fresh=$(jqv "$r" .news_id)
web_api_ok "$r" || diag "submit: $r"
# web_wait counts whole seconds: 3 is at least 2 s.
ok "a new story shows on the cached anonymous page within 2 s" web_wait 3 eval 'web_get / | grep -q "Fresh story"'

# --- a second front-end serves the same session; the per-IP limits
conf2=$WEB_DIR/newsd2.conf
sed "s/^listen = .*/listen = \"127.0.0.1:$((WEB_BASE + 12))\"/; /user_creation_delay/d; /news_submission_break/d; /password_reset_delay/d" \
	"$WEB_DIR/newsd.conf" >"$conf2"
printf 'user_creation_delay = 3600\nnews_submission_break = 900\npassword_reset_delay = 3600\n' >>"$conf2"
_web_spawn "$WEB_DIR/newsd2.log" "$NEWSD" -c "$conf2"
N2=http://127.0.0.1:$((WEB_BASE + 12))
web_wait 10 eval '[ "$(web_status /healthz --url-base "$N2")" = 200 ]'
ok "alice's session is good on the second front-end" eval 'web_get / -b "$alice" --url-base "$N2" | grep -q ">alice ("'
r=$(api /api/create_account "username=eve1&password=secretpw1" --url-base "$N2" -H "X-Forwarded-For: 10.9.9.9")
ok "an account from a forwarded address" web_api_ok "$r"
r=$(api /api/create_account "username=eve2&password=secretpw1" --url-base "$N2" -H "X-Forwarded-For: 10.9.9.9")
has "$r" "Please wait some time before creating a new user." "a second one from it within the delay is refused"
r=$(api /api/create_account "username=eve3&password=secretpw1" --url-base "$N2" -H "X-Forwarded-For: 6.6.6.6, 10.9.9.10")
ok "another address (the proxy's last entry) may" web_api_ok "$r"
r=$(api /api/submit "news_id=-1&title=One&url=http://example.test/b1&text=&apisecret=$B" -b "$bob" --url-base "$N2")
r2=$(api /api/submit "news_id=-1&title=Two&url=http://example.test/b2&text=&apisecret=$B" -b "$bob" --url-base "$N2")
ok "one story per submission break" \
	eval 'web_api_ok "$r" && grep -qF "You have submitted a story too recently, please wait" <<<"$r2"'
r=$(web_get "/api/reset-password?username=alice&email=alice%40news.lab" --url-base "$N2")
has "$r" "not enough time elapsed since last password reset request" "a second reset mail within the delay is refused"

# --- a master killed while requests run
seq_before=$(web_get /api/getnews/latest/0/1 | jq -r '.count')
log=$WEB_DIR/during.log
( end=$((SECONDS + 12)); while [ $SECONDS -lt $end ]; do
	web_status / -b "$alice" --url-base "$NEWSD_URL"; echo
	web_status "/news/$n1" --url-base "$NEWSD_URL"; echo
done >"$log" ) &
loop=$!
sleep 1
port=$(web_kill_master_of news.top)
ok "the master of news.top (port $port) is killed mid-traffic" test -n "$port"
wait "$loop"
bad=$(grep -cvE '^(200|503)$' "$log")
is "$bad" 0 "every answer meanwhile was a 200 or a clear 503 (no dropped connection)" ||
	diag "the other answers, counted:" "$(grep -vE '^(200|503)$' "$log" | sort | uniq -c)"
ok "then pages are served again" web_wait 15 eval '[ "$(web_status / -b "$alice" --url-base "$NEWSD_URL")" = 200 ]'
r=$(api /api/submit "news_id=-1&title=After+failover&url=http://example.test/after&text=&apisecret=$A" -b "$alice" --url-base "$NEWSD_URL")
ok "and writes work, without restarting newsd" eval 'web_api_ok "$r" && _web_ours "$NEWSD_PID"'
is "$(web_status /healthz)" 200 "/healthz is 200 again"
web_restart_node "$port"
web_wait 30 web_cluster_ok

# --- a whole shard lost: its slots fail with a 503, the others still serve
shard_of() { web_slot_owner "$(web_rcli "$(_web_live_port)" cluster keyslot "$1")"; }
# Not the shard of alice's or bob's account: the lost shard comes back empty.
ua=$(web_auth alice) ub=$(web_auth bob)
safe=$(printf '%s\n' "$(shard_of "u:{${ua%%-*}}")" "$(shard_of "u:{${ub%%-*}}")" | sort -u)
dead= dn= live_n=
# Stories until one lives on a shard without the users, and one with them.
for i in $(seq 1 40); do
	r=$(api /api/submit "news_id=-1&title=Shard+$i&url=http://example.test/shard$i&text=&apisecret=$A" -b "$alice" --url-base "$NEWSD_URL")
	id=$(jqv "$r" .news_id)
	[ -n "$id" ] && [ "$id" != null ] || continue
	s=$(shard_of "news:{$id}")
	if grep -qx "$s" <<<"$safe"; then live_n=$id; elif [ -z "$dead" ]; then dead=$s dn=$id; fi
	[ -n "$dead" ] && [ -n "$live_n" ] && break
done
if [ -n "$dead" ] && [ -n "$live_n" ]; then
	replica=$(web_rcli "$dead" cluster nodes | awk -v m="$(web_rcli "$dead" cluster myid)" '$4 == m { split($2, a, "[:@]"); print a[2] }')
	for p in $replica $dead; do kill -KILL "${WEB_REDIS_PID[$p]}"; done
	sleep 3   # cluster-node-timeout: the others mark the shard failed
	r=$(web_get "/api/getcomments/$live_n" --url-base "$NEWSD_URL")
	ok "a story on a served shard still reads" web_api_ok "$r"
	code=$(web_status /api/votenews --data "news_id=$dn&vote_type=up&apisecret=$B" -b "$bob" --url-base "$NEWSD_URL")
	body=$(web_post /api/votenews "news_id=$dn&vote_type=up&apisecret=$B" -b "$bob" --url-base "$NEWSD_URL")
	is "$code" 503 "a write to the lost shard's story is a 503"
	has "$body" "not reachable" "saying the database is not reachable"
	ok "newsd still runs" _web_ours "$NEWSD_PID"
	for p in $dead $replica; do web_restart_node "$p"; done
	ok "the shard back, the cluster heals" web_wait 40 web_cluster_ok
	for i in $(seq 1 30); do
		r=$(web_post /api/votenews "news_id=$dn&vote_type=up&apisecret=$B" -b "$bob" --url-base "$NEWSD_URL")
		[ -n "$(jqv "$r" .status)" ] && break
		sleep 0.5
	done
	is "$(jqv "$r" .status)" ok "and the same vote goes through without a newsd restart" ||
		diag "vote: $r (lost shard $dead, replica $replica; users on $safe)" \
			"$(web_rcli "$(_web_live_port)" cluster nodes)"
else
	skip "losing a shard" "no shard free of the test users' keys (dead=$dead)"
fi

ok "newsd exits cleanly on SIGTERM" web_newsd_stop
tap_done
