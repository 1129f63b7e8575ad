/* newsd browser code: submits forms and votes through the JSON API.
 * No inline scripts are allowed by the Content-Security-Policy, so every
 * handler is attached here once the document has been parsed. */
'use strict';

(function () {
    /* ---------- helpers ---------- */

    function apiSecret() {
        var m = document.querySelector('meta[name="apisecret"]');
        return m ? m.getAttribute('content') : null;
    }

    function showError(msg) {
        var box = document.getElementById('errormsg');
        if (box) {
            box.textContent = msg;
        } else {
            window.alert(msg);
        }
    }

    function clearError() {
        var box = document.getElementById('errormsg');
        if (box) box.textContent = '';
    }

    function go(url) {
        window.location.href = url;
    }

    /* Like go(), but also reloads when only the #fragment differs from the
     * current address (assigning such a URL would merely scroll). */
    function goFresh(url) {
        var u = new URL(url, window.location.href);
        var here = window.location;
        if (u.pathname === here.pathname && u.search === here.search) {
            here.hash = u.hash;
            here.reload();
        } else {
            here.href = u.href;
        }
    }

    /* Perform an API call. Resolves with the decoded JSON object when the
     * status is "ok"; rejects with an Error carrying a user-facing message
     * otherwise (API error, non-200 answer, network failure). */
    function api(method, path, params) {
        var body = new URLSearchParams();
        Object.keys(params || {}).forEach(function (k) {
            var v = params[k];
            if (v !== undefined && v !== null) body.append(k, String(v));
        });
        var opts = {
            method: method,
            credentials: 'same-origin',
            headers: { 'Accept': 'application/json' }
        };
        var url = path;
        if (method === 'GET') {
            var qs = body.toString();
            if (qs) url += (url.indexOf('?') === -1 ? '?' : '&') + qs;
        } else {
            opts.headers['Content-Type'] =
                'application/x-www-form-urlencoded;charset=UTF-8';
            opts.body = body.toString();
        }
        return fetch(url, opts).then(function (res) {
            if (res.status !== 200) {
                throw new Error('The site is having trouble: HTTP ' +
                                res.status + ', try again');
            }
            return res.json().catch(function () {
                throw new Error('The site is having trouble: invalid ' +
                                'response, try again');
            });
        }, function () {
            throw new Error('Network error: could not reach the site, ' +
                            'try again');
        }).then(function (r) {
            if (!r || r.status !== 'ok') {
                throw new Error((r && r.error) ? r.error : 'Unknown error');
            }
            return r;
        });
    }

    function field(form, name) {
        var el = form.elements[name];
        if (!el) return '';
        if (el.type === 'checkbox') return el.checked;
        return el.value;
    }

    function submitButtons(form) {
        return form.querySelectorAll(
            'input[type="submit"], button[type="submit"], button:not([type])');
    }

    /* Bind a form: on submit, call handler(form), which returns the promise
     * of an API call. Buttons are disabled while it is pending; when the
     * promise rejects the error is shown and the buttons re-enabled.
     * On success the handler is expected to navigate away. */
    function bindForm(id, handler) {
        var form = document.getElementById(id);
        if (!form) return;
        var busy = false;
        form.addEventListener('submit', function (ev) {
            ev.preventDefault();
            if (busy) return;
            busy = true;
            clearError();
            var buttons = submitButtons(form);
            buttons.forEach(function (b) { b.disabled = true; });
            var done = function () {
                busy = false;
                buttons.forEach(function (b) { b.disabled = false; });
            };
            handler(form).then(done, function (err) {
                done();
                showError(err.message);
            });
        });
    }

    /* ---------- forms ---------- */

    function setupForms() {
        /* Every call that carries a password is a POST: a password in
         * an address would end up in logs and the browser's history. */
        bindForm('loginform', function (f) {
            var p = { username: field(f, 'username'),
                      password: field(f, 'password') };
            var req = field(f, 'register') ?
                api('POST', '/api/create_account', p) :
                api('POST', '/api/login', p);
            return req.then(function () { go('/'); });
        });

        bindForm('submitform', function (f) {
            var id = field(f, 'news_id');
            if (field(f, 'del')) {
                return api('POST', '/api/delnews',
                           { news_id: id, apisecret: apiSecret() })
                    .then(function () { go('/'); });
            }
            return api('POST', '/api/submit', {
                news_id: id,
                title: field(f, 'title'),
                url: field(f, 'url'),
                text: field(f, 'text'),
                apisecret: apiSecret()
            }).then(function (r) { go('/news/' + r.news_id); });
        });

        bindForm('commentform', function (f) {
            var newsId = field(f, 'news_id');
            return api('POST', '/api/postcomment', {
                news_id: newsId,
                comment_id: field(f, 'comment_id'),
                parent_id: field(f, 'parent_id'),
                comment: field(f, 'comment'),
                apisecret: apiSecret()
            }).then(function (r) {
                var nid = (r.news_id !== undefined) ? r.news_id : newsId;
                if (r.op === 'insert' || r.op === 'update') {
                    goFresh('/news/' + nid + '#' + nid + '-' + r.comment_id);
                } else {
                    go('/news/' + nid);
                }
            });
        });

        /* A new password needs the current one; the answer then sets a
         * new auth cookie, and the reloaded page carries the new
         * apisecret (the old one no longer works). */
        bindForm('profileform', function (f) {
            return api('POST', '/api/updateprofile', {
                about: field(f, 'about'),
                email: field(f, 'email'),
                password: field(f, 'password'),
                current_password: field(f, 'current_password'),
                apisecret: apiSecret()
            }).then(function () { window.location.reload(); });
        });

        bindForm('resetform', function (f) {
            return api('POST', '/api/reset-password', {
                username: field(f, 'username'),
                email: field(f, 'email')
            }).then(function () { go('/reset-password-ok'); });
        });

        bindForm('newpasswordform', function (f) {
            return api('POST', '/api/set-new-password', {
                user: field(f, 'user'),
                token: field(f, 'token'),
                password: field(f, 'password')
            }).then(function () { go('/'); });
        });
    }

    /* ---------- logout ---------- */
    /* The link works without scripts (GET /logout?apisecret=...); with
     * them the apisecret goes in a POST body, not in an address. */

    function setupLogout() {
        var link = document.getElementById('logout');
        if (!link) return;
        link.addEventListener('click', function (ev) {
            var secret = apiSecret();
            if (!secret) return;
            ev.preventDefault();
            api('POST', '/api/logout', { apisecret: secret }).then(
                function () { go('/'); },
                function (err) { showError(err.message); });
        });
    }

    /* ---------- voting ---------- */

    var voting = false;

    function vote(arrow) {
        var item = arrow.closest('article');
        if (!item) return;
        var newsId = item.getAttribute('data-news-id');
        var commentId = item.getAttribute('data-comment-id');
        if (!newsId && !commentId) return;
        if (arrow.classList.contains('voted') ||
            arrow.classList.contains('disabled')) return;
        var secret = apiSecret();
        if (!secret) { go('/login'); return; }
        if (voting) return;

        var up = arrow.classList.contains('uparrow');
        var type = up ? 'up' : 'down';
        var req = newsId ?
            api('POST', '/api/votenews',
                { news_id: newsId, vote_type: type, apisecret: secret }) :
            api('POST', '/api/votecomment',
                { comment_id: commentId, vote_type: type, apisecret: secret });
        voting = true;
        req.then(function () {
            voting = false;
            arrow.classList.add('voted');
            var other = item.querySelector(up ? 'a.downarrow' : 'a.uparrow');
            if (other) other.classList.add('disabled');
            if (newsId) {
                var span = item.querySelector(up ? '.upvotes' : '.downvotes');
                if (span) {
                    var n = parseInt(span.textContent, 10);
                    span.textContent = String((isNaN(n) ? 0 : n) + 1);
                }
            }
        }, function (err) {
            voting = false;
            showError(err.message);
        });
    }

    function setupVoting() {
        document.addEventListener('click', function (ev) {
            var t = ev.target;
            if (!t || !t.closest) return;
            var arrow = t.closest('a.uparrow, a.downarrow');
            if (!arrow) return;
            ev.preventDefault();
            vote(arrow);
        });
    }

    /* ---------- keyboard navigation ---------- */
    /* j / k: next / previous item, a / z: vote up / down, o: open link */

    var selected = -1;

    function items() {
        return Array.prototype.slice.call(
            document.querySelectorAll('#newslist article[data-news-id]'));
    }

    function select(list, i) {
        if (i < 0 || i >= list.length) return;
        if (selected >= 0 && list[selected]) {
            list[selected].classList.remove('selected');
        }
        selected = i;
        list[i].classList.add('selected');
        if (list[i].scrollIntoView) {
            list[i].scrollIntoView({ block: 'nearest' });
        }
    }

    function setupKeyboard() {
        document.addEventListener('keydown', function (ev) {
            if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
            var t = ev.target;
            if (t && (t.isContentEditable ||
                      /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) {
                return;
            }
            var list = items();
            if (!list.length) return;
            var cur = list[selected];
            switch (ev.key) {
            case 'j': select(list, selected + 1); break;
            case 'k': select(list, selected < 0 ? 0 : selected - 1); break;
            case 'a':
            case 'z':
                if (cur) {
                    var a = cur.querySelector(ev.key === 'a' ?
                                              'a.uparrow' : 'a.downarrow');
                    if (a) vote(a);
                }
                break;
            case 'o':
                if (cur) {
                    var link = cur.querySelector('h2 a');
                    if (link) go(link.href);
                }
                break;
            default:
                return;
            }
            ev.preventDefault();
        });
    }

    document.addEventListener('DOMContentLoaded', function () {
        setupForms();
        setupLogout();
        setupVoting();
        setupKeyboard();
    });
})();
