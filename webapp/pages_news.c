/* pages_news.c - story lists (top, latest, saved, a user's, the RSS
 * feed) and the forms that submit and edit a story. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pages.h"

/* Text posts keep their text in the url field behind this prefix. */
static int page_is_text(const struct news *n)
{
	return strncmp(n->url, "text://", 7) == 0;
}

void page_put_news(struct req *r, const struct news *n)
{
	char host[256];
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
	/* A link that is not http(s) leads to the story's own page. */
	if (page_is_text(n) || url_host(n->url, host, sizeof(host)) < 0) {
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
	page_put_user_link(r, n->username);
	P("</span> ");
	page_put_elapsed(r, n->ctime);
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

static void page_put_newslist(struct req *r, const struct newslist *l, long start, long perpage,
			      const char *more)
{
	P("<section id=\"newslist\">");
	for (size_t i = 0; i < l->n; i++)
		page_put_news(r, &l->v[i]);
	if (more && start + perpage < l->total) {
		P("<a href=\"");
		P(more);
		F("%ld\" class=\"more\">[more]</a>", start + perpage);
	}
	P("</section>");
}

static int page_list(struct req *r, const char *title, const char *zset, long start, long perpage,
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
	page_put_newslist(r, &l, start, perpage, more);
	page_end(r);
	newslist_free(&l);
	return 0;
}

static int page_start_arg(struct req *r, int i, long *start)
{
	if (!page_arg_long(r, i, start) || *start < 0) {
		page_bad_request(r, "The start of the page must be a number of at least 0.");
		return -1;
	}
	return 0;
}

int page_top(struct req *r)
{
	return page_list(r, "Top news", "news.top", 0, r->site->cfg.top_news_per_page, 1, NULL);
}

int page_latest_redirect(struct req *r)
{
	req_redirect(r, "/latest/0");
	return 0;
}

int page_latest(struct req *r)
{
	long start;

	if (page_start_arg(r, 0, &start) < 0)
		return 0;
	return page_list(r, "Latest news", "news.cron", start, r->site->cfg.latest_news_per_page, 1, "/latest/");
}

int page_saved(struct req *r)
{
	char key[48];
	long start;

	if (!r->user)
		return page_need_login(r);
	if (page_start_arg(r, 0, &start) < 0)
		return 0;
	snprintf(key, sizeof(key), "u:{%ld}:saved", r->user->id);
	return page_list(r, "Your saved news", key, start, r->site->cfg.saved_news_per_page, 0, "/saved/");
}

int page_usernews(struct req *r)
{
	struct buf more = BUF_INIT, title = BUF_INIT;
	struct user *u;
	char key[48];
	long start;
	int rc;

	if (page_start_arg(r, 1, &start) < 0)
		return 0;
	if (db_user_by_name(r, r->arg[0], &u) < 0)
		return -1;
	if (!u)
		return page_not_found(r, "Non existing user");
	snprintf(key, sizeof(key), "u:{%ld}:posted", u->id);
	buf_puts(&more, "/usernews/");
	url_escape(&more, u->username);
	buf_puts(&more, "/");
	buf_printf(&title, "News posted by %s", u->username);
	rc = page_list(r, buf_str(&title), key, start, r->site->cfg.saved_news_per_page, 0, buf_str(&more));
	buf_free(&more);
	buf_free(&title);
	user_free(u);
	return rc;
}

/* ---- submitting and editing -------------------------------------------- */

static void page_put_submit_form(struct req *r, long news_id, const char *title, const char *url,
				 const char *text, int edit)
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

int page_submit(struct req *r)
{
	const char *t = req_param(r, "t"), *u = req_param(r, "u");

	if (!r->user)
		return page_need_login(r);
	page_begin(r, "Submit a new story");
	P("<h2>Submit a new story</h2>");
	page_put_submit_form(r, -1, t ? t : "", u ? u : "", "", 0);
	page_end(r);
	return 0;
}

int page_editnews(struct req *r)
{
	struct newslist l;
	long id;
	int rc = -1;

	if (!r->user)
		return page_need_login(r);
	if (!page_arg_long(r, 0, &id))
		return page_not_found(r, "No such news.");
	if (db_news_get(r, id, &l) < 0)
		goto out;
	rc = 0;
	if (l.n == 0 || l.v[0].del) {
		page_not_found(r, "No such news.");
		goto out;
	}
	const struct news *n = &l.v[0];
	if (!r->user->admin && (n->user_id != r->user->id || n->ctime <= r->now - r->site->cfg.news_edit_time)) {
		page_error(r, 403, "This news is not yours, or its edit time is over.");
		goto out;
	}
	int text = page_is_text(n);
	page_begin(r, "Edit news");
	P("<h2>Edit news</h2>");
	page_put_submit_form(r, id, n->title, text ? "" : n->url, text ? n->url + 7 : "", 1);
	page_end(r);
out:
	newslist_free(&l);
	return rc;
}

/* ---- the feed and the random story ------------------------------------- */

static void page_put_rss_item(struct req *r, const struct news *n)
{
	const struct newsd_config *cfg = &r->site->cfg;
	struct buf ln = BUF_INIT, inner = BUF_INIT;
	char host[256];

	buf_printf(&ln, "%s/news/%ld", cfg->site_url, n->id);
	int text = page_is_text(n) || url_host(n->url, host, sizeof(host)) < 0;
	P("<item><title>");
	H(n->title);
	P("</title><guid>");
	H(text ? buf_str(&ln) : n->url);
	P("</guid><link>");
	H(text ? buf_str(&ln) : n->url);
	P("</link><description>&lt;a href=\"");
	/* The description is HTML inside XML: escaped twice. */
	html_escape(&inner, buf_str(&ln));
	H(buf_str(&inner));
	P("\"&gt;Comments&lt;/a&gt;</description><comments>");
	H(buf_str(&ln));
	P("</comments></item>\n");
	buf_free(&inner);
	buf_free(&ln);
}

int page_rss(struct req *r)
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
	for (size_t i = 0; i < l.n; i++)
		page_put_rss_item(r, &l.v[i]);
	P("</channel></rss>\n");
	newslist_free(&l);
	return 0;
}

int page_random(struct req *r)
{
	long id;

	if (db_news_random(r, &id) < 0)
		return -1;
	if (id)
		req_redirect(r, "/news/%ld", id);
	else
		req_redirect(r, "/");
	return 0;
}
