#!/bin/bash
# 31-web-browser.sh - newsd's pages in a real browser: a loopback Redis
# Cluster (three masters, three replicas), newsd, and nginx in front of it
# with webapp/nginx/newsd.conf, then tests/browser/news.mjs drives headless
# chromium through playwright-core: sign up, submit a story, log out, sign up
# again, vote, comment, reply, and a full-page screenshot to
# tests/out/browser-news.png (browser-news-TAG.png under a TEST_NS_TAG).
# Its TAP is passed through.
#
# Needs node and npm (Node.js 20; not a Debian package here) and chromium;
# tests/browser/node_modules is installed with `npm ci` when missing. Skips,
# saying why, when any of that is not there. Only 127.0.0.1 is used; ports
# and lock as in tests/lib/web.sh.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tree=$(cd "$here/../.." && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/web.sh"

browser=$tree/tests/browser
chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || skip_all "no chromium at $chromium (apt-get install chromium)"
web_begin 31-web-browser nginx node

# node_modules, once: both suites of tests/run may get here at the same time.
if [ ! -f "$browser/node_modules/playwright-core/package.json" ]; then
	exec {npm_lock}>"${TMPDIR:-/tmp}/vipd-web-npm.lock"
	flock -w 300 "$npm_lock"
	if [ ! -f "$browser/node_modules/playwright-core/package.json" ] &&
		! (cd "$browser" && timeout 300 npm ci --no-audit --no-fund) >"$WEB_DIR/npm.log" 2>&1; then
		sed 's/^/# npm: /' "$WEB_DIR/npm.log" | tail -20
		skip_all "npm ci in tests/browser failed (no registry access?)"
	fi
	exec {npm_lock}>&-
fi

web_cluster || { tap_fail "a 3+3 Redis Cluster on 127.0.0.1:$WEB_BASE.."; tap_done; exit 1; }
web_newsd || { tap_fail "newsd answers /healthz"; tap_done; exit 1; }
web_nginx || { tap_fail "nginx in front of newsd"; tap_done; exit 1; }

# news.mjs numbers its own lines; its plan comes last and is taken over.
BASE_URL=$NGINX_URL CHROMIUM=$chromium SCREENSHOT=$tree/tests/out/browser-news${TEST_NS_TAG:+-$TEST_NS_TAG}.png timeout 300 node "$browser/news.mjs" >"$WEB_DIR/browser.tap" 2>&1
rc=$?
while IFS= read -r line; do
	case $line in
	"ok "*) TAP_N=$((TAP_N + 1)); echo "$line" ;;
	"not ok "*) TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "$line" ;;
	1..*) ;;
	*) echo "# $line" ;;
	esac
done <"$WEB_DIR/browser.tap"
[ "$rc" = 0 ] || [ "$TAP_FAILED" != 0 ] || tap_fail "news.mjs exited with status $rc"
ok "newsd exits cleanly on SIGTERM (no sanitizer report)" web_newsd_stop
tap_done
