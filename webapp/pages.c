/* pages.c - the HTML pages: the frame around every page, error pages, the
 * site's own pages (admin, about, health) and the route table. The
 * others are in pages_news.c, pages_comment.c and pages_user.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pages.h"
#include "rank.h"

/* ---- the frame --------------------------------------------------------- */

static void page_put_nav(struct req *r)
{
	P("<nav><a href=\"/\">top</a> <a href=\"/latest/0\">latest</a> <a href=\"/random\">random</a> "
	  "<a href=\"/submit\">submit</a>");
	if (r->user) {
		P(" <a href=\"/replies\" class=\"replies\">replies");
		if (r->user->replies > 0)
			F("<sup>%ld</sup>", r->user->replies);
		P("</a>");
		if (r->user->admin)
			P(" <b><a href=\"/admin\">admin</a></b>");
	}
	P("</nav> <nav id=\"account\">");
	if (r->user) {
		P("<a href=\"/user/");
		url_escape(&r->out, r->user->username);
		P("\">");
		H(r->user->username);
		F(" (%ld)</a> | <a id=\"logout\" href=\"/logout?apisecret=", r->user->karma);
		H(r->user->apisecret);
		P("\">logout</a>");
	} else {
		P("<a href=\"/login\">login / register</a>");
	}
	P("</nav>");
}

void page_begin(struct req *r, const char *title)
{
	const struct newsd_config *cfg = &r->site->cfg;

	r->ctype = "text/html; charset=utf-8";
	P("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
	H(title);
	P(" - ");
	H(cfg->site_name);
	P("</title><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
	/* app.js signs the forms' API calls with it (CSRF). */
	if (r->user) {
		P("<meta name=\"apisecret\" content=\"");
		H(r->user->apisecret);
		P("\">");
	}
	P("<link rel=\"stylesheet\" href=\"/css/style.css\"><link rel=\"icon\" href=\"/favicon.ico\">"
	  "<link rel=\"alternate\" type=\"application/rss+xml\" href=\"/rss\">"
	  "<script src=\"/js/app.js\" defer></script></head><body><div class=\"container\"><header><h1><a href=\"/\">");
	H(cfg->site_name);
	P("</a></h1>");
	page_put_nav(r);
	P("</header><div id=\"content\">");
}

void page_end(struct req *r)
{
	P("</div><footer><a href=\"/about\">about</a> | <a href=\"/rss\">rss feed</a></footer></div></body></html>\n");
}

/* The API's errors are JSON whatever went wrong; its messages are ours,
 * so escaping quotes and dropping control characters is enough. */
static void page_error_json(struct req *r, const char *msg)
{
	buf_reset(&r->out);
	r->ctype = "application/json; charset=utf-8";
	P("{\"status\":\"err\",\"error\":\"");
	for (const char *s = msg; *s; s++)
		if (*s == '"' || *s == '\\')
			F("\\%c", *s);
		else if ((unsigned char)*s >= 0x20)
			buf_putc(&r->out, *s);
	P("\"}");
}

void page_error(struct req *r, int status, const char *msg)
{
	r->status = status;
	if (r->api) {
		page_error_json(r, msg);
		return;
	}
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
	atomic_fetch_add(&r->site->unavailable, 1);
	page_error(r, 503, "The news database is not reachable from this server right now; please try "
			   "again in a moment.");
}

/* ---- helpers ----------------------------------------------------------- */

int page_bad_request(struct req *r, const char *msg)
{
	page_error(r, 400, msg);
	return 0;
}

int page_not_found(struct req *r, const char *msg)
{
	page_error(r, 404, msg);
	return 0;
}

int page_need_login(struct req *r)
{
	req_redirect(r, "/login");
	return 0;
}

int page_arg_long(struct req *r, int i, long *out)
{
	return r->arg[i] && parse_long(r->arg[i], out) == 0;
}

void page_put_elapsed(struct req *r, long t)
{
	char s[48];

	rank_elapsed(s, sizeof(s), t, r->now);
	P(s);
}

void page_put_user_link(struct req *r, const char *name)
{
	P("<a href=\"/user/");
	url_escape(&r->out, name);
	P("\">");
	H(name);
	P("</a>");
}

/* ---- the site ---------------------------------------------------------- */

static int page_admin(struct req *r)
{
	struct db_stats st;

	if (!r->user || !r->user->admin) {
		req_redirect(r, "/");
		return 0;
	}
	if (db_stats(r, &st) < 0)
		return -1;
	page_begin(r, "Admin section");
	F("<div id=\"adminlinks\"><h2>Admin</h2><h3>Site stats</h3><ul><li>%ld users</li><li>%ld news posted</li>"
	  "<li>%lu requests served by this front-end, %lu answered 5xx, %lu cluster failures, "
	  "%lu writes not confirmed by a replica</li>"
	  "<li>this connection: %lu redirects followed, %lu slot map loads, %lu node failures</li></ul></div>",
	  st.users, st.news, (unsigned long)r->site->requests, (unsigned long)r->site->errors_5xx,
	  (unsigned long)r->site->cluster_failures, (unsigned long)r->site->unconfirmed_writes, st.redirects,
	  st.slot_map_loads, st.node_failures);
	page_end(r);
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
	char host[64] = "front";

	gethostname(host, sizeof(host) - 1);
	r->ctype = "text/plain; charset=utf-8";
	r->api = 1;
	if (db_health_check(r, host) < 0)
		return -1;
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
	{ "POST", "/login", page_login_post, 0, 0 },
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
