/* pages.c - the HTML pages. Every value from the database or the request
 * goes out through escape.h; the forms post to the JSON API (app.js). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "rank.h"
#include "site.h"

#define H(s) html_escape(&r->out, (s))
#define P(s) buf_puts(&r->out, (s))
#define F(...) buf_printf(&r->out, __VA_ARGS__)
#define MAX_LEVEL 12

static void page_begin(struct req *r, const char *title)
{
	const struct newsd_config *cfg = &r->site->cfg;

	r->ctype = "text/html; charset=utf-8";
	P("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
	H(title);
	P(" - ");
	H(cfg->site_name);
	P("</title><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
	if (r->user) {
		P("<meta name=\"apisecret\" content=\"");
		H(rfield(r->user->r, "apisecret"));
		P("\">");
	}
	P("<link rel=\"stylesheet\" href=\"/css/style.css\"><link rel=\"icon\" href=\"/favicon.ico\">"
	  "<link rel=\"alternate\" type=\"application/rss+xml\" href=\"/rss\">"
	  "<script src=\"/js/app.js\" defer></script></head><body><div class=\"container\"><header><h1><a href=\"/\">");
	H(cfg->site_name);
	P("</a></h1><nav><a href=\"/\">top</a> <a href=\"/latest/0\">latest</a> <a href=\"/random\">random</a> "
	  "<a href=\"/submit\">submit</a>");
	if (r->user) {
		long replies = rlong(r->user->r, "replies");
		P(" <a href=\"/replies\" class=\"replies\">replies");
		if (replies > 0)
			F("<sup>%ld</sup>", replies);
		P("</a>");
		if (r->user->admin)
			P(" <b><a href=\"/admin\">admin</a></b>");
	}
	P("</nav> <nav id=\"account\">");
	if (r->user) {
		const char *name = rfield(r->user->r, "username");
		P("<a href=\"/user/");
		url_escape(&r->out, name);
		P("\">");
		H(name);
		F(" (%ld)</a> | <a href=\"/logout?apisecret=", r->user->karma);
		H(rfield(r->user->r, "apisecret"));
		P("\">logout</a>");
	} else {
		P("<a href=\"/login\">login / register</a>");
	}
	P("</nav></header><div id=\"content\">");
}

static void page_end(struct req *r)
{
	P("</div><footer><a href=\"/about\">about</a> | <a href=\"/rss\">rss feed</a></footer></div></body></html>\n");
}

void page_error(struct req *r, int status, const char *msg)
{
	if (r->api) {
		r->status = status;
		buf_reset(&r->out);
		r->ctype = "application/json; charset=utf-8";
		P("{\"status\":\"err\",\"error\":\"");
		for (const char *s = msg; *s; s++)
			if (*s == '"' || *s == '\\')
				F("\\%c", *s);
			else if ((unsigned char)*s >= 0x20)
				buf_putc(&r->out, *s);
		P("\"}");
		return;
	}
	r->status = status;
	buf_reset(&r->out);
	page_begin(r, status >= 500 ? "Unavailable" : "Error");
	F("<h2>%d</h2><p class=\"error\">", status);
	H(msg);
	P("</p>");
	page_end(r);
}

void render_unavailable(struct req *r)
{
	/* The user is unknown when the cluster failed before auth: the page
	 * is the anonymous one. */
	user_free(r->user);
	r->user = NULL;
	page_error(r, 503, "The news database is not reachable from this server right now; please try "
			   "again in a moment.");
}

static int bad_request(struct req *r, const char *msg)
{
	page_error(r, 400, msg);
	return 0;
}

static int not_found(struct req *r, const char *msg)
{
	page_error(r, 404, msg);
	return 0;
}

static int need_login(struct req *r)
{
	req_redirect(r, "/login");
	return 0;
}

static int arg_long(struct req *r, int i, long *out)
{
	return r->arg[i] && parse_long(r->arg[i], out) == 0;
}

/* ---- stories ----------------------------------------------------------- */

static void elapsed(struct req *r, long t)
{
	char s[48];

	rank_elapsed(s, sizeof(s), t, r->now);
	P(s);
}

static void user_link(struct req *r, const char *name)
{
	P("<a href=\"/user/");
	url_escape(&r->out, name);
	P("\">");
	H(name);
	P("</a>");
}

static void news_html(struct req *r, const struct news *n)
{
	char host[256];
	int text = strncmp(n->url, "text://", 7) == 0;
	const char *up = "uparrow", *down = "downarrow";

	if (n->del) {
		P("<article class=\"deleted\">[deleted news]</article>\n");
		return;
	}
	if (n->voted && strcmp(n->voted, "up") == 0)
		up = "uparrow voted", down = "downarrow disabled";
	else if (n->voted)
		up = "uparrow disabled", down = "downarrow voted";
	F("<article data-news-id=\"%ld\"><a href=\"#up\" class=\"%s\">&#9650;</a> <h2><a href=\"", n->id, up);
	if (text || url_host(n->url, host, sizeof(host)) < 0) {
		host[0] = '\0';
		F("/news/%ld", n->id);
	} else {
		H(n->url);
	}
	P("\" rel=\"nofollow\">");
	H(n->title);
	P("</a></h2> <address>");
	if (host[0]) {
		P("at ");
		H(host);
	}
	if (r->user && r->user->id == n->user_id && n->ctime > r->now - r->site->cfg.news_edit_time)
		F(" <a href=\"/editnews/%ld\">[edit]</a>", n->id);
	F("</address><a href=\"#down\" class=\"%s\">&#9660;</a><p><span class=\"upvotes\">%ld</span> up and "
	  "<span class=\"downvotes\">%ld</span> down, posted by <span class=\"username\">",
	  down, n->up, n->down);
	user_link(r, n->username);
	P("</span> ");
	elapsed(r, n->ctime);
	F(" <a href=\"/news/%ld\">", n->id);
	if (n->comments == 0)
		P("discuss");
	else
		F("%ld comment%s", n->comments, n->comments > 1 ? "s" : "");
	P("</a>");
	if (r->user && r->user->admin)
		F(" - <a href=\"/editnews/%ld\">edit</a>", n->id);
	P("</p></article>\n");
}

static void newslist_html(struct req *r, const struct newslist *l, long start, long perpage, const char *more)
{
	P("<section id=\"newslist\">");
	for (size_t i = 0; i < l->n; i++)
		news_html(r, &l->v[i]);
	if (more && start + perpage < l->total) {
		P("<a href=\"");
		P(more);
		F("%ld\" class=\"more\">[more]</a>", start + perpage);
	}
	P("</section>");
}

static int list_page(struct req *r, const char *title, const char *zset, long start, long perpage,
		     int update_rank, const char *more)
{
	struct newslist l;

	if (db_news_range(r, zset, start, perpage, update_rank, &l) < 0) {
		newslist_free(&l);
		return -1;
	}
	page_begin(r, title);
	P("<h2>");
	H(title);
	P("</h2>");
	newslist_html(r, &l, start, perpage, more);
	page_end(r);
	newslist_free(&l);
	return 0;
}

static int start_arg(struct req *r, long *start)
{
	if (!arg_long(r, 0, start) || *start < 0) {
		bad_request(r, "The start of the page must be a number of at least 0.");
		return -1;
	}
	return 0;
}

static int page_top(struct req *r)
{
	return list_page(r, "Top news", "news.top", 0, r->site->cfg.top_news_per_page, 1, NULL);
}

static int page_latest_redirect(struct req *r)
{
	req_redirect(r, "/latest/0");
	return 0;
}

static int page_latest(struct req *r)
{
	long start;

	if (start_arg(r, &start) < 0)
		return 0;
	return list_page(r, "Latest news", "news.cron", start, r->site->cfg.latest_news_per_page, 1, "/latest/");
}

static int page_saved(struct req *r)
{
	char key[48];
	long start;

	if (!r->user)
		return need_login(r);
	if (start_arg(r, &start) < 0)
		return 0;
	snprintf(key, sizeof(key), "u:{%ld}:saved", r->user->id);
	return list_page(r, "Your saved news", key, start, r->site->cfg.saved_news_per_page, 0, "/saved/");
}

static int page_usernews(struct req *r)
{
	struct user *u;
	struct buf more = BUF_INIT, title = BUF_INIT;
	char key[48];
	long start;
	int rc;

	if (!arg_long(r, 1, &start) || start < 0)
		return bad_request(r, "The start of the page must be a number of at least 0.");
	if (db_user_by_name(r, r->arg[0], &u) < 0)
		return -1;
	if (!u)
		return not_found(r, "Non existing user");
	snprintf(key, sizeof(key), "u:{%ld}:posted", u->id);
	buf_puts(&more, "/usernews/");
	url_escape(&more, rfield(u->r, "username"));
	buf_puts(&more, "/");
	buf_printf(&title, "News posted by %s", rfield(u->r, "username"));
	rc = list_page(r, buf_str(&title), key, start, r->site->cfg.saved_news_per_page, 0, buf_str(&more));
	buf_free(&more);
	buf_free(&title);
	user_free(u);
	return rc;
}

/* ---- comments ---------------------------------------------------------- */

static void comment_html(struct req *r, const struct comment *c, int show_parent)
{
	long score = c->up - c->down, left;
	const char *up = "uparrow", *down = "downarrow";
	int level = c->level > MAX_LEVEL ? MAX_LEVEL : c->level;

	if (c->del) {
		F("<article class=\"comment deleted level-%d\">[comment deleted]</article>\n", level);
		return;
	}
	const char *voted = db_comment_voted(r, c);
	if (voted && strcmp(voted, "up") == 0)
		up = "uparrow voted", down = "downarrow disabled";
	else if (voted)
		up = "uparrow disabled", down = "downarrow voted";
	F("<article class=\"comment level-%d\" data-comment-id=\"%ld-%ld\" id=\"%ld-%ld\"><span class=\"info\">"
	  "<span class=\"username\">",
	  level, c->news_id, c->id, c->news_id, c->id);
	user_link(r, c->username);
	P("</span> ");
	elapsed(r, c->ctime);
	F(". <a href=\"/comment/%ld/%ld\" class=\"reply\">link</a> ", c->news_id, c->id);
	if (show_parent && c->parent_id > 0)
		F("<a href=\"/comment/%ld/%ld\" class=\"reply\">parent</a> ", c->news_id, c->parent_id);
	if (r->user)
		F("<a href=\"/reply/%ld/%ld\" class=\"reply\">reply</a> ", c->news_id, c->id);
	F("%ld point%s <a href=\"#up\" class=\"%s\">&#9650;</a> <a href=\"#down\" class=\"%s\">&#9660;</a>", score,
	  score == 1 || score == -1 ? "" : "s", up, down);
	left = r->site->cfg.comment_edit_time - (r->now - c->ctime);
	if (r->user && r->user->id == c->user_id && left > 0)
		F(" <a href=\"/editcomment/%ld/%ld\" class=\"reply\">edit</a> (%ld minutes left)", c->news_id, c->id,
		  left / 60);
	P("</span><pre>");
	html_linkify(&r->out, c->body);
	P("</pre></article>\n");
}

/* Indent a subthread from where it is shown, not from the story. */
static void relevel(struct comment *c, int level)
{
	for (; c; c = c->next) {
		c->level = level;
		relevel(c->replies, level + 1);
	}
}

static int has_live(const struct comment *c)
{
	for (; c; c = c->next)
		if (!c->del || has_live(c->replies))
			return 1;
	return 0;
}

/* A deleted comment stays as a placeholder only while replies hang on it. */
static void comments_html(struct req *r, const struct comment *c)
{
	for (; c; c = c->next) {
		if (c->del && !has_live(c->replies))
			continue;
		comment_html(r, c, 0);
		comments_html(r, c->replies);
	}
}

static void comment_form(struct req *r, long news_id, long comment_id, long parent_id, const char *body,
			 const char *button)
{
	F("<form id=\"commentform\"><input type=\"hidden\" name=\"news_id\" value=\"%ld\">"
	  "<input type=\"hidden\" name=\"comment_id\" value=\"%ld\"><input type=\"hidden\" name=\"parent_id\" value=\"%ld\">"
	  "<textarea name=\"comment\" cols=\"60\" rows=\"10\">",
	  news_id, comment_id, parent_id);
	if (body)
		H(body);
	P("</textarea><br><button type=\"submit\" name=\"post_comment\">");
	H(button);
	P("</button></form><div id=\"errormsg\"></div>");
}

static int page_news(struct req *r)
{
	struct newslist l;
	struct thread t = { 0 };
	long id;
	int rc = -1;

	if (!arg_long(r, 0, &id))
		return not_found(r, "No such news.");
	if (db_news_get(r, id, &l) < 0)
		goto out;
	if (l.n == 0) {
		rc = not_found(r, "No such news.");
		goto out;
	}
	if (db_thread_shared(r, id, &t) < 0)
		goto out;
	page_begin(r, l.v[0].title);
	P("<section id=\"newslist\">");
	news_html(r, &l.v[0]);
	P("</section>");
	if (!l.v[0].del && strncmp(l.v[0].url, "text://", 7) == 0) {
		struct comment top = { .news_id = id, .id = 0, .ctime = l.v[0].ctime, .body = l.v[0].url + 7,
				       .username = l.v[0].username };
		P("<article class=\"comment topcomment level-0\"><span class=\"info\"><span class=\"username\">");
		user_link(r, top.username);
		P("</span> ");
		elapsed(r, top.ctime);
		P("</span><pre>");
		html_linkify(&r->out, top.body);
		P("</pre></article>");
	}
	if (r->user && !l.v[0].del)
		comment_form(r, id, -1, -1, NULL, "Send comment");
	P("<div id=\"comments\">");
	comments_html(r, t.top);
	P("</div>");
	page_end(r);
	rc = 0;
out:
	newslist_free(&l);
	thread_free(&t);
	return rc;
}

/* /comment/N/C, /reply/N/C and /editcomment/N/C: one comment and what
 * hangs below it, or a form about it. */
static int one_comment(struct req *r, const char *mode)
{
	struct newslist l = { 0 };
	struct thread t = { 0 };
	long nid, cid;
	int rc = -1;

	if (!arg_long(r, 0, &nid) || !arg_long(r, 1, &cid))
		return not_found(r, "No such comment.");
	if (strcmp(mode, "view") != 0 && !r->user)
		return need_login(r);
	if (db_news_get(r, nid, &l) < 0 || db_thread(r, nid, &t) < 0)
		goto out;
	struct comment *c = NULL;
	for (size_t i = 0; i < t.n; i++)
		if (t.v[i].id == cid)
			c = &t.v[i];
	if (l.n == 0 || !c || (c->del && strcmp(mode, "view") != 0)) {
		rc = not_found(r, "No such comment.");
		goto out;
	}
	if (strcmp(mode, "edit") == 0 &&
	    (c->user_id != r->user->id || c->ctime <= r->now - r->site->cfg.comment_edit_time)) {
		page_error(r, 403, "This comment is not yours, or its edit time is over.");
		rc = 0;
		goto out;
	}
	page_begin(r, l.v[0].title);
	P("<section id=\"newslist\">");
	news_html(r, &l.v[0]);
	P("</section>");
	c->level = 0;
	comment_html(r, c, 1);
	if (strcmp(mode, "view") == 0) {
		relevel(c->replies, 1);
		P("<div id=\"comments\">");
		comments_html(r, c->replies);
		P("</div>");
	} else if (strcmp(mode, "reply") == 0) {
		comment_form(r, nid, -1, cid, NULL, "Reply");
	} else {
		P("<p>Empty the text to delete the comment.</p>");
		comment_form(r, nid, cid, -1, c->body, "Edit");
	}
	page_end(r);
	rc = 0;
out:
	newslist_free(&l);
	thread_free(&t);
	return rc;
}

static int page_comment(struct req *r)
{
	return one_comment(r, "view");
}

static int page_reply(struct req *r)
{
	return one_comment(r, "reply");
}

static int page_editcomment(struct req *r)
{
	return one_comment(r, "edit");
}

/* A user's comments, newest first, each with a link to its story. */
static int user_comments(struct req *r, long uid, long start, long count, long *total, int subthreads)
{
	char key[48], s0[32], s1[32];
	redisReply *x;

	snprintf(key, sizeof(key), "u:{%ld}:comments", uid);
	snprintf(s0, sizeof(s0), "%ld", start);
	snprintf(s1, sizeof(s1), "%ld", start + count - 1);
	if (!(x = db_cmd(r, "ZCARD %s", key)))
		return -1;
	*total = x->integer;
	freeReplyObject(x);
	if (!(x = db_cmd(r, "ZREVRANGE %s %s %s", key, s0, s1)))
		return -1;
	for (size_t i = 0; i < x->elements; i++) {
		long nid = 0, cid = 0;
		struct thread t;
		if (sscanf(x->element[i]->str, "%ld-%ld", &nid, &cid) != 2)
			continue;
		if (db_thread(r, nid, &t) < 0) {
			freeReplyObject(x);
			return -1;
		}
		for (size_t k = 0; k < t.n; k++) {
			struct comment *c = &t.v[k];
			if (c->id != cid)
				continue;
			c->level = 0;
			comment_html(r, c, 1);
			if (subthreads) {
				relevel(c->replies, 1);
				comments_html(r, c->replies);
			}
		}
		thread_free(&t);
	}
	freeReplyObject(x);
	return 0;
}

static int page_usercomments(struct req *r)
{
	struct user *u;
	long start, total = 0;
	int rc = -1;

	if (!arg_long(r, 1, &start) || start < 0)
		return bad_request(r, "The start of the page must be a number of at least 0.");
	if (db_user_by_name(r, r->arg[0], &u) < 0)
		return -1;
	if (!u)
		return not_found(r, "Non existing user");
	struct buf title = BUF_INIT;
	buf_printf(&title, "%s comments", rfield(u->r, "username"));
	page_begin(r, buf_str(&title));
	P("<h2>");
	H(buf_str(&title));
	P("</h2><div id=\"comments\">");
	long per = r->site->cfg.user_comments_per_page;
	if (user_comments(r, u->id, start, per, &total, 0) == 0) {
		P("</div>");
		if (start + per < total) {
			P("<a href=\"/usercomments/");
			url_escape(&r->out, rfield(u->r, "username"));
			F("/%ld\" class=\"more\">[more]</a>", start + per);
		}
		page_end(r);
		rc = 0;
	}
	buf_free(&title);
	user_free(u);
	return rc;
}

static int page_replies(struct req *r)
{
	long total;
	redisReply *x;

	if (!r->user)
		return need_login(r);
	page_begin(r, "Your threads");
	P("<h2>Your threads</h2><div id=\"comments\">");
	if (user_comments(r, r->user->id, 0, r->site->cfg.subthreads_in_replies_page, &total, 1) < 0)
		return -1;
	P("</div>");
	page_end(r);
	if (!(x = db_cmd(r, "HSET u:{%ld} replies 0", r->user->id)))
		return -1;
	freeReplyObject(x);
	return 0;
}

/* ---- accounts ---------------------------------------------------------- */

static int page_login(struct req *r)
{
	page_begin(r, "Login");
	P("<div id=\"login\"><form id=\"loginform\"><label for=\"username\">username</label>"
	  "<input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\">"
	  "<label for=\"password\">password</label>"
	  "<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\"><br>"
	  "<input type=\"checkbox\" name=\"register\" id=\"register\" value=\"1\"> <label for=\"register\">create account</label><br>"
	  "<input type=\"submit\" name=\"do_login\" value=\"Login\"></form></div><div id=\"errormsg\"></div>"
	  "<a href=\"/reset-password\">reset password</a>");
	page_end(r);
	return 0;
}

static int page_logout(struct req *r)
{
	const char *s = req_param(r, "apisecret");

	if (r->user && s && strcmp(s, rfield(r->user->r, "apisecret")) == 0) {
		if (db_rotate_auth(r, r->user->id, NULL, 0) < 0)
			return -1;
		req_set_auth_cookie(r, NULL);
	}
	req_redirect(r, "/");
	return 0;
}

static int page_reset_password(struct req *r)
{
	page_begin(r, "Reset password");
	P("<p>Welcome to the password reset procedure. Please give the username and the email address "
	  "of your account: a link to set a new password will be mailed to it.</p>"
	  "<div id=\"login\"><form id=\"resetform\"><label for=\"username\">username</label>"
	  "<input type=\"text\" id=\"username\" name=\"username\"><label for=\"email\">email</label>"
	  "<input type=\"text\" id=\"email\" name=\"email\"><br>"
	  "<input type=\"submit\" name=\"do_reset\" value=\"Reset password\"></form></div><div id=\"errormsg\"></div>");
	page_end(r);
	return 0;
}

static int page_reset_password_ok(struct req *r)
{
	page_begin(r, "Reset password");
	P("<p>A link to set a new password was mailed to you. It works for a limited time.</p>");
	page_end(r);
	return 0;
}

static int page_set_new_password(struct req *r)
{
	const char *u = req_param(r, "user"), *t = req_param(r, "token");

	if (!u || !t)
		return bad_request(r, "This page needs the user and token of a reset link.");
	page_begin(r, "Set a new password");
	P("<div id=\"login\"><form id=\"newpasswordform\"><input type=\"hidden\" name=\"user\" value=\"");
	H(u);
	P("\"><input type=\"hidden\" name=\"token\" value=\"");
	H(t);
	P("\"><label for=\"password\">new password</label><input type=\"password\" id=\"password\" name=\"password\" "
	  "autocomplete=\"new-password\"><br><input type=\"submit\" name=\"do_set\" value=\"Set password\"></form></div>"
	  "<div id=\"errormsg\"></div>");
	page_end(r);
	return 0;
}

static void submit_form(struct req *r, long news_id, const char *title, const char *url, const char *text,
			int edit)
{
	F("<div id=\"submitform-wrap\"><form id=\"submitform\"><input type=\"hidden\" name=\"news_id\" value=\"%ld\">"
	  "<label for=\"title\">title</label><input type=\"text\" id=\"title\" name=\"title\" size=\"80\" value=\"",
	  news_id);
	H(title);
	P("\"><br><label for=\"url\">url</label><br><input type=\"text\" id=\"url\" name=\"url\" size=\"60\" value=\"");
	H(url);
	P("\"><br>or if you don't have an url type some text<br><label for=\"text\">text</label>"
	  "<textarea id=\"text\" name=\"text\" cols=\"60\" rows=\"10\">");
	H(text);
	P("</textarea><br>");
	if (edit)
		P("<input type=\"checkbox\" name=\"del\" id=\"del\" value=\"1\"> <label for=\"del\">delete this news</label><br>");
	P("<button type=\"submit\" name=\"do_submit\">Submit</button></form></div><div id=\"errormsg\"></div>");
}

static int page_submit(struct req *r)
{
	const char *t = req_param(r, "t"), *u = req_param(r, "u");

	if (!r->user)
		return need_login(r);
	page_begin(r, "Submit a new story");
	P("<h2>Submit a new story</h2>");
	submit_form(r, -1, t ? t : "", u ? u : "", "", 0);
	page_end(r);
	return 0;
}

static int page_editnews(struct req *r)
{
	struct newslist l;
	long id;
	int rc = -1;

	if (!r->user)
		return need_login(r);
	if (!arg_long(r, 0, &id))
		return not_found(r, "No such news.");
	if (db_news_get(r, id, &l) < 0)
		goto out;
	rc = 0;
	if (l.n == 0 || l.v[0].del) {
		not_found(r, "No such news.");
		goto out;
	}
	const struct news *n = &l.v[0];
	if (!r->user->admin && (n->user_id != r->user->id || n->ctime <= r->now - r->site->cfg.news_edit_time)) {
		page_error(r, 403, "This news is not yours, or its edit time is over.");
		goto out;
	}
	int text = strncmp(n->url, "text://", 7) == 0;
	page_begin(r, "Edit news");
	P("<h2>Edit news</h2>");
	submit_form(r, id, n->title, text ? "" : n->url, text ? n->url + 7 : "", 1);
	page_end(r);
out:
	newslist_free(&l);
	return rc;
}

static int page_user(struct req *r)
{
	struct user *u;
	char k1[48], k2[48];

	if (db_user_by_name(r, r->arg[0], &u) < 0)
		return -1;
	if (!u)
		return not_found(r, "Non existing user");
	snprintf(k1, sizeof(k1), "u:{%ld}:posted", u->id);
	snprintf(k2, sizeof(k2), "u:{%ld}:comments", u->id);
	redisReply *pn = db_cmd(r, "ZCARD %s", k1), *pc = pn ? db_cmd(r, "ZCARD %s", k2) : NULL;
	if (!pn || !pc) {
		if (pn)
			freeReplyObject(pn);
		user_free(u);
		return -1;
	}
	const char *name = rfield(u->r, "username");
	int owner = r->user && r->user->id == u->id;
	page_begin(r, name);
	P("<div class=\"userinfo\"><h2>");
	H(name);
	P("</h2><pre>");
	H(rfield(u->r, "about") ? rfield(u->r, "about") : "");
	P("</pre><ul><li><b>created </b>");
	elapsed(r, rlong(u->r, "ctime"));
	F("</li><li><b>karma </b>%ld points</li><li><b>posted news </b>%lld</li><li><b>posted comments </b>%lld</li>",
	  owner ? r->user->karma : rlong(u->r, "karma"), pn->integer, pc->integer);
	if (owner)
		P("<li><a href=\"/saved/0\">saved news</a></li>");
	P("<li><a href=\"/usercomments/");
	url_escape(&r->out, name);
	P("/0\">user comments</a></li><li><a href=\"/usernews/");
	url_escape(&r->out, name);
	P("/0\">user news</a></li></ul></div>");
	if (owner) {
		P("<form id=\"profileform\"><label for=\"email\">email (not visible)</label><br>"
		  "<input type=\"text\" id=\"email\" name=\"email\" size=\"40\" value=\"");
		H(rfield(u->r, "email") ? rfield(u->r, "email") : "");
		P("\"><br><label for=\"password\">change password (optional)</label><br>"
		  "<input type=\"password\" id=\"password\" name=\"password\" size=\"40\" autocomplete=\"new-password\"><br>"
		  "<label for=\"about\">about</label><br><textarea id=\"about\" name=\"about\" cols=\"60\" rows=\"10\">");
		H(rfield(u->r, "about") ? rfield(u->r, "about") : "");
		P("</textarea><br><button type=\"submit\" name=\"update_profile\">Update profile</button></form>"
		  "<div id=\"errormsg\"></div>");
	}
	page_end(r);
	freeReplyObject(pn);
	freeReplyObject(pc);
	user_free(u);
	return 0;
}

/* ---- the rest ---------------------------------------------------------- */

static int page_rss(struct req *r)
{
	const struct newsd_config *cfg = &r->site->cfg;
	struct newslist l;

	if (db_news_range(r, "news.cron", 0, cfg->latest_news_per_page, 0, &l) < 0) {
		newslist_free(&l);
		return -1;
	}
	r->ctype = "application/rss+xml; charset=utf-8";
	P("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>");
	H(cfg->site_name);
	P("</title><link>");
	H(cfg->site_url);
	P("</link><description>");
	H(cfg->site_description);
	P("</description>\n");
	for (size_t i = 0; i < l.n; i++) {
		const struct news *n = &l.v[i];
		struct buf ln = BUF_INIT;
		char host[256];
		buf_printf(&ln, "%s/news/%ld", cfg->site_url, n->id);
		int text = strncmp(n->url, "text://", 7) == 0 || url_host(n->url, host, sizeof(host)) < 0;
		P("<item><title>");
		H(n->title);
		P("</title><guid>");
		H(text ? buf_str(&ln) : n->url);
		P("</guid><link>");
		H(text ? buf_str(&ln) : n->url);
		P("</link><description>&lt;a href=\"");
		/* The description is HTML inside XML: escaped twice. */
		struct buf inner = BUF_INIT;
		html_escape(&inner, buf_str(&ln));
		H(buf_str(&inner));
		buf_free(&inner);
		P("\"&gt;Comments&lt;/a&gt;</description><comments>");
		H(buf_str(&ln));
		P("</comments></item>\n");
		buf_free(&ln);
	}
	P("</channel></rss>\n");
	newslist_free(&l);
	return 0;
}

static int page_random(struct req *r)
{
	redisReply *x = db_cmd(r, "ZRANDMEMBER news.cron");

	if (!x)
		return -1;
	if (x->type == REDIS_REPLY_STRING)
		req_redirect(r, "/news/%ld", strtol(x->str, NULL, 10));
	else
		req_redirect(r, "/");
	freeReplyObject(x);
	return 0;
}

static int page_admin(struct req *r)
{
	redisReply *users, *news;

	if (!r->user || !r->user->admin) {
		req_redirect(r, "/");
		return 0;
	}
	if (!(users = db_cmd(r, "GET users.count")))
		return -1;
	if (!(news = db_cmd(r, "ZCARD news.cron"))) {
		freeReplyObject(users);
		return -1;
	}
	struct cluster_stats st;
	cluster_get_stats(r->c, &st);
	page_begin(r, "Admin section");
	F("<div id=\"adminlinks\"><h2>Admin</h2><h3>Site stats</h3><ul><li>%s users</li><li>%lld news posted</li>"
	  "<li>%lu requests served by this front-end, %lu answered 5xx, %lu cluster failures, "
	  "%lu writes not confirmed by a replica</li>"
	  "<li>this connection: %lu redirects followed, %lu slot map loads, %lu node failures</li></ul></div>",
	  users->type == REDIS_REPLY_STRING ? users->str : "0", news->integer, (unsigned long)r->site->requests,
	  (unsigned long)r->site->errors_5xx, (unsigned long)r->site->cluster_failures,
	  (unsigned long)r->site->unconfirmed_writes, st.moved + st.ask,
	  st.refreshes, st.node_failures);
	page_end(r);
	freeReplyObject(users);
	freeReplyObject(news);
	return 0;
}

static int page_about(struct req *r)
{
	page_begin(r, "About");
	P("<h2>About</h2><p>");
	H(r->site->cfg.site_name);
	P(": ");
	H(r->site->cfg.site_description);
	P(". Stories are ranked by votes and age; the site runs on several front-ends at once.</p>");
	page_end(r);
	return 0;
}

/* 200 only when this front-end can write and read the cluster. */
static int page_healthz(struct req *r)
{
	char key[96], host[64] = "front";
	redisReply *x;

	gethostname(host, sizeof(host) - 1);
	snprintf(key, sizeof(key), "healthz:{%s}", host);
	r->ctype = "text/plain; charset=utf-8";
	r->api = 1;
	if (!(x = db_cmd(r, "SET %s %ld PX 60000", key, r->now)))
		return -1;
	freeReplyObject(x);
	if (!(x = db_cmd(r, "GET %s", key)))
		return -1;
	freeReplyObject(x);
	P("ok\n");
	return 0;
}

const struct route page_routes[] = {
	/* The list pages check the login with their first read. */
	{ "GET", "/", page_top, 0, 1 },
	{ "GET", "/rss", page_rss, 0, 0 },
	{ "GET", "/latest", page_latest_redirect, 0, 0 },
	{ "GET", "/latest/:start", page_latest, 0, 1 },
	{ "GET", "/saved/:start", page_saved, 0, 0 },
	{ "GET", "/usernews/:username/:start", page_usernews, 0, 0 },
	{ "GET", "/usercomments/:username/:start", page_usercomments, 0, 0 },
	{ "GET", "/replies", page_replies, 0, 0 },
	{ "GET", "/login", page_login, 0, 0 },
	{ "GET", "/logout", page_logout, 0, 0 },
	{ "GET", "/reset-password", page_reset_password, 0, 0 },
	{ "GET", "/reset-password-ok", page_reset_password_ok, 0, 0 },
	{ "GET", "/set-new-password", page_set_new_password, 0, 0 },
	{ "GET", "/submit", page_submit, 0, 0 },
	{ "GET", "/news/:news_id", page_news, 0, 1 },
	{ "GET", "/comment/:news_id/:comment_id", page_comment, 0, 0 },
	{ "GET", "/reply/:news_id/:comment_id", page_reply, 0, 0 },
	{ "GET", "/editcomment/:news_id/:comment_id", page_editcomment, 0, 0 },
	{ "GET", "/editnews/:news_id", page_editnews, 0, 0 },
	{ "GET", "/user/:username", page_user, 0, 0 },
	{ "GET", "/random", page_random, 0, 0 },
	{ "GET", "/admin", page_admin, 0, 0 },
	{ "GET", "/about", page_about, 0, 0 },
	{ "GET", "/healthz", page_healthz, 0, 0 },
	{ NULL, NULL, NULL, 0, 0 },
};
