/* api.c - the JSON API, with Lamer News's paths, parameters and answers:
 * {"status":"ok", ...} or {"status":"err","error":"..."}, HTTP 200 both.
 * Writes need the user's apisecret, which only their pages carry (CSRF). */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "escape.h"
#include "log.h"
#include "site.h"
#include "token.h"

static void api_send(struct req *r, json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	r->ctype = "application/json; charset=utf-8";
	r->api = 1;
	buf_reset(&r->out);
	if (!s) {
		r->status = 500;
		buf_puts(&r->out, "{\"status\":\"err\",\"error\":\"out of memory\"}");
		return;
	}
	buf_puts(&r->out, s);
	free(s);
}

void api_error(struct req *r, const char *msg)
{
	api_send(r, json_pack("{s:s, s:s}", "status", "err", "error", msg));
}

static void api_ok(struct req *r)
{
	api_send(r, json_pack("{s:s}", "status", "ok"));
}

/* A required parameter: present and, after trimming, not empty. Lamer
 * News trims them too. */
static const char *need(struct req *r, const char *name)
{
	const char *v = req_param(r, name);

	if (!v)
		return NULL;
	while (isspace((unsigned char)*v))
		v++;
	return *v ? v : NULL;
}

/* Every write needs the logged-in user's apisecret, which only their own
 * pages and login answers carry: another site's form cannot (CSRF). */
static int secret_ok(struct req *r)
{
	if (!r->user) {
		api_error(r, "Not authenticated.");
		return 0;
	}
	if (!token_equal(req_param(r, "apisecret"), r->user->apisecret)) {
		api_error(r, "Wrong form secret.");
		return 0;
	}
	return 1;
}

static void account_rules_of(const struct req *r, struct account_rules *rules)
{
	rules->username_max = r->site->cfg.username_max_length;
	rules->password_min = r->site->cfg.password_min_length;
}

static int num(const char *s, long *out)
{
	return s && parse_long(s, out) == 0;
}

static int too_long(struct req *r, const char *what, const char *v, long max)
{
	char msg[128];

	if (!v || (long)strlen(v) <= max)
		return 0;
	snprintf(msg, sizeof(msg), "%s is too long (at most %ld characters).", what, max);
	api_error(r, msg);
	return 1;
}

static void send_auth(struct req *r, const char *token, const char *apisecret)
{
	req_set_auth_cookie(r, token);
	api_send(r, json_pack("{s:s, s:s, s:s}", "status", "ok", "auth", token, "apisecret", apisecret));
}

/* The answer to a refused attempt; the login page shows it as it is. */
static void api_refused(struct req *r, long wait)
{
	char msg[96];

	snprintf(msg, sizeof(msg), "Too many failed logins, try again in %ld second%s.", wait, wait == 1 ? "" : "s");
	api_error(r, msg);
}

/* GET for Lamer News's clients; the site's own pages POST, so that the
 * password stays out of addresses and the logs that keep them. */
static int api_login(struct req *r)
{
	const char *u = need(r, "username"), *p = need(r, "password");
	enum login_outcome res;
	struct user *found;
	char token[128];
	long wait;

	if (!u || !p) {
		api_error(r, "Username and password are two required fields.");
		return 0;
	}
	if (db_login_attempt(r, u, p, NULL, &found, &res, &wait) < 0)
		return -1;
	if (res == LOGIN_REFUSED) {
		api_refused(r, wait);
	} else if (res == LOGIN_WRONG) {
		api_error(r, "No match for the specified username / password pair.");
	} else {
		snprintf(token, sizeof(token), "%ld-%s", found->id, found->auth);
		send_auth(r, token, found->apisecret);
		user_free(found);
	}
	return 0;
}

/* Logs the user out everywhere: the token and the apisecret are both
 * replaced, so neither an old cookie nor an old page's forms work. */
static int api_logout(struct req *r)
{
	if (!r->user || !token_equal(req_param(r, "apisecret"), r->user->apisecret)) {
		api_error(r, "Wrong auth credentials or API secret.");
		return 0;
	}
	if (db_user_rotate(r, r->user->id, NULL, 0, NULL, 0) < 0)
		return -1;
	req_set_auth_cookie(r, NULL);
	api_ok(r);
	return 0;
}

static int api_create_account(struct req *r)
{
	const char *u = need(r, "username"), *p = need(r, "password"), *why;
	char token[128], secret[64], msg[160];
	struct account_rules rules;

	account_rules_of(r, &rules);
	if (!u || !p) {
		api_error(r, "Username and password are two required fields.");
		return 0;
	}
	if (!account_valid_username(u, rules.username_max)) {
		snprintf(msg, sizeof(msg), "Username must match /^[a-zA-Z][a-zA-Z0-9_-]+$/ (at most %ld characters)",
			 rules.username_max);
		api_error(r, msg);
		return 0;
	}
	if (account_check_password(&rules, p, msg, sizeof(msg))) {
		api_error(r, msg);
		return 0;
	}
	if (db_user_create(r, u, p, token, sizeof(token), secret, sizeof(secret), &why) < 0)
		return -1;
	if (why)
		api_error(r, why);
	else
		send_auth(r, token, secret);
	return 0;
}

static int api_submit(struct req *r)
{
	const struct newsd_config *cfg = &r->site->cfg;
	const char *title = need(r, "title"), *url = req_param(r, "url"), *text = req_param(r, "text"), *why;
	long news_id, id;

	if (!secret_ok(r))
		return 0;
	if (!title || !num(need(r, "news_id"), &news_id) || !url || !text || (!url[0] && !text[0])) {
		api_error(r, "Please specify a news title and address or text.");
		return 0;
	}
	if (too_long(r, "Title", title, cfg->title_max_length) || too_long(r, "URL", url, cfg->url_max_length) ||
	    too_long(r, "Text", text, cfg->comment_max_length))
		return 0;
	if (url[0] && strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
		api_error(r, "We only accept http:// and https:// news.");
		return 0;
	}
	if (db_story_submit(r, news_id, title, url, text, &id, &why) < 0)
		return -1;
	if (why)
		api_error(r, why);
	else
		api_send(r, json_pack("{s:s, s:I}", "status", "ok", "news_id", (json_int_t)id));
	return 0;
}

static int api_delnews(struct req *r)
{
	const char *why;
	long id;

	if (!secret_ok(r))
		return 0;
	if (!num(need(r, "news_id"), &id)) {
		api_error(r, "Please specify a news title.");
		return 0;
	}
	if (db_story_delete(r, id, &why) < 0)
		return -1;
	if (why)
		api_error(r, why);
	else
		api_send(r, json_pack("{s:s, s:i}", "status", "ok", "news_id", -1));
	return 0;
}

static int vote_type(struct req *r, int *up)
{
	const char *t = need(r, "vote_type");

	if (!t || (strcmp(t, "up") != 0 && strcmp(t, "down") != 0))
		return 0;
	*up = strcmp(t, "up") == 0;
	return 1;
}

static int api_votenews(struct req *r)
{
	const char *why;
	long id;
	int up;

	if (!secret_ok(r))
		return 0;
	if (!num(need(r, "news_id"), &id) || !vote_type(r, &up)) {
		api_error(r, "Missing news ID or invalid vote type.");
		return 0;
	}
	if (db_vote_news(r, id, up, &why) < 0)
		return -1;
	if (why)
		api_error(r, why);
	else
		api_ok(r);
	return 0;
}

static int api_postcomment(struct req *r)
{
	const char *body = req_param(r, "comment"), *op, *why;
	long nid, cid, pid, out;

	if (!secret_ok(r))
		return 0;
	if (!num(need(r, "news_id"), &nid) || !num(need(r, "comment_id"), &cid) ||
	    !num(need(r, "parent_id"), &pid) || !body) {
		api_error(r, "Missing news_id, comment_id, parent_id, or comment parameter.");
		return 0;
	}
	if (too_long(r, "Comment", body, r->site->cfg.comment_max_length))
		return 0;
	if (db_comment_post(r, nid, cid, pid, body, &op, &out, &why) < 0)
		return -1;
	if (why)
		api_error(r, why);
	else
		api_send(r, json_pack("{s:s, s:s, s:I, s:s, s:s}", "status", "ok", "op", op, "comment_id",
				      (json_int_t)out, "parent_id", need(r, "parent_id"), "news_id",
				      need(r, "news_id")));
	return 0;
}

/* 1 when the current password checks out, else 0 with the answer given
 * (refused or wrong); -1 after a cluster failure. */
static int api_current_password_ok(struct req *r, const char *current)
{
	enum login_outcome res;
	struct user *found;
	long wait;

	if (db_login_attempt(r, r->user->username, current, r->user, &found, &res, &wait) < 0)
		return -1;
	if (res == LOGIN_REFUSED)
		api_refused(r, wait);
	else if (res == LOGIN_WRONG)
		api_error(r, "The current password is not right.");
	return res == LOGIN_OK;
}

/* A new password needs the current one, and answers, as login does, with
 * the new auth token and apisecret: the old ones stop working. */
static int api_updateprofile(struct req *r)
{
	const struct newsd_config *cfg = &r->site->cfg;
	const char *about = req_param(r, "about"), *email = req_param(r, "email");
	const char *pw = need(r, "password"), *current = need(r, "current_password");
	char msg[128], token[128], secret[64];
	struct account_rules rules;
	enum account_pw_change change;
	int ok;

	if (!secret_ok(r))
		return 0;
	if (!about || !email) {
		api_error(r, "Missing parameters: about and email are required.");
		return 0;
	}
	if (too_long(r, "About", about, cfg->about_max_length) || too_long(r, "Email", email, cfg->email_max_length))
		return 0;
	account_rules_of(r, &rules);
	change = account_password_change(&rules, pw, current, 0, msg, sizeof(msg));
	if (change == ACCOUNT_PW_REFUSED) {
		api_error(r, msg);
		return 0;
	}
	if (change == ACCOUNT_PW_CHECK_CURRENT && (ok = api_current_password_ok(r, current)) <= 0)
		return ok;
	if (db_user_set_profile(r, r->user->id, about, email) < 0)
		return -1;
	if (change == ACCOUNT_PW_KEEP) {
		api_ok(r);
		return 0;
	}
	if (db_user_set_password(r, r->user, pw, token, sizeof(token), secret, sizeof(secret)) < 0)
		return -1;
	send_auth(r, token, secret);
	return 0;
}

static int api_votecomment(struct req *r)
{
	const char *cid = need(r, "comment_id"), *why;
	long nid, c;
	int up;
	char ids[64];

	if (!secret_ok(r))
		return 0;
	if (!cid || strlen(cid) >= sizeof(ids) || !vote_type(r, &up)) {
		api_error(r, "Missing comment ID or invalid vote type.");
		return 0;
	}
	snprintf(ids, sizeof(ids), "%s", cid);
	char *dash = strchr(ids, '-');
	if (!dash || (*dash = '\0', !num(ids, &nid)) || !num(dash + 1, &c)) {
		api_error(r, "Missing comment ID or invalid vote type.");
		return 0;
	}
	if (db_comment_vote(r, nid, c, up, &why) < 0)
		return -1;
	if (why)
		api_error(r, why);
	else
		api_send(r, json_pack("{s:s, s:s}", "status", "ok", "comment_id", cid));
	return 0;
}

/* Stories as Lamer News's API shows them: the hash's fields as strings,
 * never rank, score or user_id. */
static json_t *news_json(const struct news *n)
{
	char id[32], ctime[32], up[32], down[32], comments[32];
	json_t *o;

	snprintf(id, sizeof(id), "%ld", n->id);
	snprintf(ctime, sizeof(ctime), "%ld", n->ctime);
	snprintf(up, sizeof(up), "%ld", n->up);
	snprintf(down, sizeof(down), "%ld", n->down);
	snprintf(comments, sizeof(comments), "%ld", n->comments);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "title", n->title, "url", n->url,
		      "username", n->username, "ctime", ctime, "up", up, "down", down, "comments", comments);
	if (o && n->voted)
		json_object_set_new(o, "voted", json_string(n->voted));
	return o;
}

static int api_getnews(struct req *r)
{
	const char *sort = r->arg[0];
	long start, count;
	struct newslist l;
	json_t *arr;

	if (strcmp(sort, "top") != 0 && strcmp(sort, "latest") != 0) {
		api_error(r, "Invalid sort parameter");
		return 0;
	}
	if (!num(r->arg[1], &start) || !num(r->arg[2], &count) || count < 0) {
		api_error(r, "Invalid start or count parameter");
		return 0;
	}
	if (count > 32) {
		api_error(r, "Count is too big");
		return 0;
	}
	if (start < 0)
		start = 0;
	if (count == 0) {
		api_send(r, json_pack("{s:s, s:[], s:i}", "status", "ok", "news", "count", 0));
		return 0;
	}
	if (db_news_range(r, strcmp(sort, "top") == 0 ? "news.top" : "news.cron", start, count, 1, &l) < 0) {
		newslist_free(&l);
		return -1;
	}
	arr = json_array();
	for (size_t i = 0; arr && i < l.n; i++)
		json_array_append_new(arr, news_json(&l.v[i]));
	api_send(r, json_pack("{s:s, s:o, s:I}", "status", "ok", "news", arr, "count", (json_int_t)l.total));
	newslist_free(&l);
	return 0;
}

static json_t *comments_json(const struct req *r, const struct comment *c)
{
	json_t *arr = json_array();

	for (; arr && c; c = c->next) {
		json_t *o = json_pack("{s:s, s:I, s:s, s:I, s:I, s:o}", "body", c->body, "ctime",
				      (json_int_t)c->ctime, "username", c->username, "up", (json_int_t)c->up,
				      "down", (json_int_t)c->down, "replies", comments_json(r, c->replies));
		const char *voted = r->user ? thread_comment_vote(c, r->user->id) : NULL;
		if (o && voted)
			json_object_set_new(o, "voted", json_string(voted));
		if (o && c->del)
			json_object_set_new(o, "del", json_integer(1));
		json_array_append_new(arr, o);
	}
	return arr;
}

static int api_getcomments(struct req *r)
{
	struct newslist l;
	struct thread t;
	long id;

	if (!num(r->arg[0], &id)) {
		api_error(r, "Wrong news ID.");
		return 0;
	}
	if (db_news_get(r, id, &l) < 0) {
		newslist_free(&l);
		return -1;
	}
	int found = l.n > 0;
	newslist_free(&l);
	if (!found) {
		api_error(r, "Wrong news ID.");
		return 0;
	}
	if (db_thread_shared(r, id, &t) < 0)
		return -1;
	api_send(r, json_pack("{s:s, s:o}", "status", "ok", "comments", comments_json(r, t.top)));
	thread_free(&t);
	return 0;
}

/* The message a reset link signs: it dies with the password it resets. */
static void reset_msg(char *out, size_t len, const struct user *u)
{
	snprintf(out, len, "reset:%ld:%s", u->id, u->password ? u->password : "");
}

/* Queue a mail to u with a link to set a new password (the secret must be
 * loaded): 0, MAIL_FULL or MAIL_ERROR. A failure is logged for the admin;
 * the user only learns that it failed. */
static int api_mail_reset_link(struct req *r, const struct user *u)
{
	const struct newsd_config *cfg = &r->site->cfg;
	struct buf link = BUF_INIT, body = BUF_INIT;
	char msg[256], tok[128], err[256], what[128];
	int rc;

	reset_msg(msg, sizeof(msg), u);
	token_sign(r->site->secret, sizeof(r->site->secret), msg, r->now + cfg->reset_link_ttl, tok, sizeof(tok));
	buf_printf(&link, "%s/set-new-password?user=", cfg->site_url);
	url_escape(&link, u->username);
	buf_printf(&link, "&token=%s", tok);
	buf_printf(&body, "You can reset your password here: %s\r\n\r\nThe link works for %ld minutes.\r\n",
		   buf_str(&link), cfg->reset_link_ttl / 60);
	snprintf(msg, sizeof(msg), "%s password reset", cfg->site_name);
	snprintf(what, sizeof(what), "reset mail for user %s", u->username);
	if ((rc = mail_queue(r->site, what, u->email, msg, buf_str(&body), err, sizeof(err))) < 0)
		log_warn("%s: not queued: %s", what, err);
	buf_free(&link);
	buf_free(&body);
	return rc;
}

static int api_reset_password(struct req *r)
{
	const struct newsd_config *cfg = &r->site->cfg;
	const char *name = need(r, "username"), *email = need(r, "email");
	struct user *u;
	int rc = 0, mrc;

	if (!name || !email) {
		api_error(r, "Username and email are two required fields.");
		return 0;
	}
	if (db_user_by_name(r, name, &u) < 0)
		return -1;
	if (!u || !u->email || !u->email[0] || strcmp(u->email, email) != 0)
		api_error(r, "No match for the specified username / email pair.");
	else if (u->pwd_reset && r->now - u->pwd_reset < cfg->password_reset_delay)
		api_error(r, "Sorry, not enough time elapsed since last password reset request.");
	else if (!cfg->mail_relay)
		api_error(r, "Password reset by mail is not enabled on this site.");
	else if (db_secret(r) < 0)
		rc = -1;
	else if ((mrc = api_mail_reset_link(r, u)) < 0)
		api_error(r, mrc == MAIL_FULL ? "Too many mails are waiting to be sent, please try again later."
					      : "Problem sending the email, please contact the site admin.");
	else if (db_user_mark_reset(r, u->id) < 0)
		rc = -1;
	else
		api_ok(r);
	user_free(u);
	return rc;
}

/* Not in Lamer News: the form a reset link leads to posts here. The link
 * stands for the current password; the new password comes with a new
 * token and apisecret, and the name's failed logins are forgotten. */
static int api_set_new_password(struct req *r)
{
	const char *name = need(r, "user"), *tok = need(r, "token"), *pw = need(r, "password");
	char msg[256], token[128], secret[64], m[128];
	struct account_rules rules;
	struct user *u;
	int rc = 0;

	if (!name || !tok || !pw) {
		api_error(r, "User, token and password are required fields.");
		return 0;
	}
	account_rules_of(r, &rules);
	if (account_password_change(&rules, pw, NULL, 1, m, sizeof(m)) != ACCOUNT_PW_SET) {
		api_error(r, m);
		return 0;
	}
	if (db_secret(r) < 0 || db_user_by_name(r, name, &u) < 0)
		return -1;
	if (u)
		reset_msg(msg, sizeof(msg), u);
	int v = u ? token_verify(r->site->secret, sizeof(r->site->secret), msg, tok, r->now) : -1;
	if (v != 0) {
		api_error(r, v == -2 ? "This reset link has expired." : "This reset link is not valid.");
		goto out;
	}
	if (db_user_set_password(r, u, pw, token, sizeof(token), secret, sizeof(secret)) < 0 ||
	    db_login_forget(r, u->username) < 0) {
		rc = -1;
		goto out;
	}
	send_auth(r, token, secret);
out:
	user_free(u);
	return rc;
}

const struct route api_routes[] = {
	{ "GET", "/api/login", api_login, 1, 0 },
	{ "POST", "/api/login", api_login, 1, 0 },
	{ "POST", "/api/logout", api_logout, 1, 0 },
	{ "GET", "/api/reset-password", api_reset_password, 1, 0 },
	{ "POST", "/api/reset-password", api_reset_password, 1, 0 },
	{ "POST", "/api/set-new-password", api_set_new_password, 1, 0 },
	{ "POST", "/api/create_account", api_create_account, 1, 0 },
	{ "POST", "/api/submit", api_submit, 1, 0 },
	{ "POST", "/api/delnews", api_delnews, 1, 0 },
	{ "POST", "/api/votenews", api_votenews, 1, 0 },
	{ "POST", "/api/postcomment", api_postcomment, 1, 0 },
	{ "POST", "/api/updateprofile", api_updateprofile, 1, 0 },
	{ "POST", "/api/votecomment", api_votecomment, 1, 0 },
	{ "GET", "/api/getnews/:sort/:start/:count", api_getnews, 1, 1 },
	{ "GET", "/api/getcomments/:news_id", api_getcomments, 1, 1 },
	{ NULL, NULL, NULL, 0, 0 },
};
