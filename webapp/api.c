/* api.c - the JSON API, with Lamer News's paths, parameters and answers:
 * {"status":"ok", ...} or {"status":"err","error":"..."}, HTTP 200 both.
 * Writes need the user's apisecret, which only their pages carry (CSRF). */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int secret_ok(struct req *r)
{
	const char *s = req_param(r, "apisecret"), *mine;

	if (!r->user) {
		api_error(r, "Not authenticated.");
		return 0;
	}
	mine = r->user->apisecret;
	if (!s || !mine || strcmp(s, mine) != 0) {
		api_error(r, "Wrong form secret.");
		return 0;
	}
	return 1;
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

static int valid_username(const char *s, long max)
{
	size_t n = strlen(s);

	if (n < 2 || (long)n > max || !isalpha((unsigned char)s[0]))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

static void send_auth(struct req *r, const char *token, const char *apisecret)
{
	req_set_auth_cookie(r, token);
	api_send(r, json_pack("{s:s, s:s, s:s}", "status", "ok", "auth", token, "apisecret", apisecret));
}

static int api_login(struct req *r)
{
	const char *u = need(r, "username"), *p = need(r, "password");
	char token[128], secret[64];
	int ok;

	if (!u || !p) {
		api_error(r, "Username and password are two required fields.");
		return 0;
	}
	if ((ok = db_user_login(r, u, p, token, sizeof(token), secret, sizeof(secret))) < 0)
		return -1;
	if (!ok)
		api_error(r, "No match for the specified username / password pair.");
	else
		send_auth(r, token, secret);
	return 0;
}

static int api_logout(struct req *r)
{
	if (!r->user || !req_param(r, "apisecret") || strcmp(req_param(r, "apisecret"), r->user->apisecret) != 0) {
		api_error(r, "Wrong auth credentials or API secret.");
		return 0;
	}
	if (db_user_rotate_auth(r, r->user->id, NULL, 0) < 0)
		return -1;
	req_set_auth_cookie(r, NULL);
	api_ok(r);
	return 0;
}

static int api_create_account(struct req *r)
{
	const struct newsd_config *cfg = &r->site->cfg;
	const char *u = need(r, "username"), *p = need(r, "password"), *why;
	char token[128], msg[160];
	struct user *nu;

	if (!u || !p) {
		api_error(r, "Username and password are two required fields.");
		return 0;
	}
	if (!valid_username(u, cfg->username_max_length)) {
		snprintf(msg, sizeof(msg), "Username must match /^[a-zA-Z][a-zA-Z0-9_-]+$/ (at most %ld characters)",
			 cfg->username_max_length);
		api_error(r, msg);
		return 0;
	}
	if ((long)strlen(p) < cfg->password_min_length) {
		snprintf(msg, sizeof(msg), "Password is too short. Min length: %ld", cfg->password_min_length);
		api_error(r, msg);
		return 0;
	}
	if (too_long(r, "Password", p, 1024))
		return 0;
	if (db_user_create(r, u, p, token, sizeof(token), &why) < 0)
		return -1;
	if (why) {
		api_error(r, why);
		return 0;
	}
	if (db_user_by_id(r, strtol(token, NULL, 10), &nu) < 0)
		return -1;
	send_auth(r, token, nu ? nu->apisecret : "");
	user_free(nu);
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

static int api_updateprofile(struct req *r)
{
	const struct newsd_config *cfg = &r->site->cfg;
	const char *about = req_param(r, "about"), *email = req_param(r, "email"), *pw = req_param(r, "password");
	char msg[128];

	if (!secret_ok(r))
		return 0;
	if (!about || !email || !pw) {
		api_error(r, "Missing parameters.");
		return 0;
	}
	if (too_long(r, "About", about, cfg->about_max_length) || too_long(r, "Email", email, cfg->email_max_length))
		return 0;
	if (pw[0]) {
		if ((long)strlen(pw) < cfg->password_min_length) {
			snprintf(msg, sizeof(msg), "Password is too short. Min length: %ld", cfg->password_min_length);
			api_error(r, msg);
			return 0;
		}
		if (db_user_set_password(r, r->user, pw) < 0)
			return -1;
	}
	if (db_user_set_profile(r, r->user->id, about, email) < 0)
		return -1;
	api_ok(r);
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

/* Mail u a link to set a new password (the secret must be loaded); a
 * failure is logged for the admin, the user only learns that it failed. */
static int api_mail_reset_link(struct req *r, const struct user *u)
{
	const struct newsd_config *cfg = &r->site->cfg;
	struct buf link = BUF_INIT, body = BUF_INIT;
	char msg[256], tok[128], err[256];
	int rc;

	reset_msg(msg, sizeof(msg), u);
	token_sign(r->site->secret, sizeof(r->site->secret), msg, r->now + cfg->reset_link_ttl, tok, sizeof(tok));
	buf_printf(&link, "%s/set-new-password?user=", cfg->site_url);
	url_escape(&link, u->username);
	buf_printf(&link, "&token=%s", tok);
	buf_printf(&body, "You can reset your password here: %s\r\n\r\nThe link works for %ld minutes.\r\n",
		   buf_str(&link), cfg->reset_link_ttl / 60);
	snprintf(msg, sizeof(msg), "%s password reset", cfg->site_name);
	if ((rc = mail_send(r->site, u->email, msg, buf_str(&body), err, sizeof(err))) < 0)
		log_warn("reset mail for user %s: %s", u->username, err);
	metrics_count(r->site->metrics, rc < 0 ? METRICS_MAIL_FAILED : METRICS_MAIL_SENT);
	buf_free(&link);
	buf_free(&body);
	return rc;
}

static int api_reset_password(struct req *r)
{
	const struct newsd_config *cfg = &r->site->cfg;
	const char *name = need(r, "username"), *email = need(r, "email");
	struct user *u;
	int rc = 0;

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
	else if (api_mail_reset_link(r, u) < 0)
		api_error(r, "Problem sending the email, please contact the site admin.");
	else if (db_user_mark_reset(r, u->id) < 0)
		rc = -1;
	else
		api_ok(r);
	user_free(u);
	return rc;
}

/* Not in Lamer News: the form a reset link leads to posts here. */
static int api_set_new_password(struct req *r)
{
	const struct newsd_config *cfg = &r->site->cfg;
	const char *name = need(r, "user"), *tok = need(r, "token"), *pw = need(r, "password");
	char msg[256], token[128], m[128];
	struct user *u;
	int rc = 0;

	if (!name || !tok || !pw) {
		api_error(r, "User, token and password are required fields.");
		return 0;
	}
	if ((long)strlen(pw) < cfg->password_min_length) {
		snprintf(m, sizeof(m), "Password is too short. Min length: %ld", cfg->password_min_length);
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
	if (db_user_set_password(r, u, pw) < 0 || db_user_rotate_auth(r, u->id, token, sizeof(token)) < 0) {
		rc = -1;
		goto out;
	}
	send_auth(r, token, u->apisecret);
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
