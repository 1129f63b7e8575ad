/* pages_comment.c - a story's discussion, one comment with what hangs
 * below it (to read, reply to or edit), and the comments of a user. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pages.h"

/* Deeper replies are shown at this indentation. */
#define MAX_LEVEL 12

static void page_put_comment(struct req *r, const struct comment *c, int show_parent)
{
	long score = c->up - c->down, left;
	const char *up = "uparrow", *down = "downarrow";
	int level = c->level > MAX_LEVEL ? MAX_LEVEL : c->level;

	if (c->del) {
		F("<article class=\"comment deleted level-%d\">[comment deleted]</article>\n", level);
		return;
	}
	const char *voted = r->user ? thread_comment_vote(c, r->user->id) : NULL;
	if (voted && strcmp(voted, "up") == 0)
		up = "uparrow voted", down = "downarrow disabled";
	else if (voted)
		up = "uparrow disabled", down = "downarrow voted";
	F("<article class=\"comment level-%d\" data-comment-id=\"%ld-%ld\" id=\"%ld-%ld\"><span class=\"info\">"
	  "<span class=\"username\">",
	  level, c->news_id, c->id, c->news_id, c->id);
	page_put_user_link(r, c->username);
	P("</span> ");
	page_put_elapsed(r, c->ctime);
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

static int page_has_live(const struct comment *c)
{
	for (; c; c = c->next)
		if (!c->del || page_has_live(c->replies))
			return 1;
	return 0;
}

/* A deleted comment stays as a placeholder only while replies hang on it. */
static void page_put_comments(struct req *r, const struct comment *c)
{
	for (; c; c = c->next) {
		if (c->del && !page_has_live(c->replies))
			continue;
		page_put_comment(r, c, 0);
		page_put_comments(r, c->replies);
	}
}

static void page_put_comment_form(struct req *r, long news_id, long comment_id, long parent_id,
				  const char *body, const char *button)
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

/* A text post's text, shown like a comment above the discussion. */
static void page_put_story_text(struct req *r, const struct news *n)
{
	P("<article class=\"comment topcomment level-0\"><span class=\"info\"><span class=\"username\">");
	page_put_user_link(r, n->username);
	P("</span> ");
	page_put_elapsed(r, n->ctime);
	P("</span><pre>");
	html_linkify(&r->out, n->url + 7);
	P("</pre></article>");
}

static void page_put_story(struct req *r, const struct news *n)
{
	P("<section id=\"newslist\">");
	page_put_news(r, n);
	P("</section>");
}

int page_news(struct req *r)
{
	struct newslist l;
	struct thread t = { 0 };
	long id;
	int rc = -1;

	if (!page_arg_long(r, 0, &id))
		return page_not_found(r, "No such news.");
	if (db_news_get(r, id, &l) < 0)
		goto out;
	if (l.n == 0) {
		rc = page_not_found(r, "No such news.");
		goto out;
	}
	if (db_thread_shared(r, id, &t) < 0)
		goto out;
	page_begin(r, l.v[0].title);
	page_put_story(r, &l.v[0]);
	if (!l.v[0].del && strncmp(l.v[0].url, "text://", 7) == 0)
		page_put_story_text(r, &l.v[0]);
	if (r->user && !l.v[0].del)
		page_put_comment_form(r, id, -1, -1, NULL, "Send comment");
	P("<div id=\"comments\">");
	page_put_comments(r, t.top);
	P("</div>");
	page_end(r);
	rc = 0;
out:
	newslist_free(&l);
	thread_free(&t);
	return rc;
}

enum comment_mode { COMMENT_VIEW, COMMENT_REPLY, COMMENT_EDIT };

/* What a comment page shows below the comment itself. */
static void page_put_comment_below(struct req *r, struct comment *c, enum comment_mode mode)
{
	switch (mode) {
	case COMMENT_VIEW:
		thread_set_levels(c->replies, 1);
		P("<div id=\"comments\">");
		page_put_comments(r, c->replies);
		P("</div>");
		break;
	case COMMENT_REPLY:
		page_put_comment_form(r, c->news_id, -1, c->id, NULL, "Reply");
		break;
	case COMMENT_EDIT:
		P("<p>Empty the text to delete the comment.</p>");
		page_put_comment_form(r, c->news_id, c->id, -1, c->body, "Edit");
		break;
	}
}

/* /comment/N/C, /reply/N/C and /editcomment/N/C: one comment and what
 * hangs below it, or a form about it. */
static int page_one_comment(struct req *r, enum comment_mode mode)
{
	struct newslist l = { 0 };
	struct thread t = { 0 };
	struct comment *c;
	long nid, cid;
	int rc = -1;

	if (!page_arg_long(r, 0, &nid) || !page_arg_long(r, 1, &cid))
		return page_not_found(r, "No such comment.");
	if (mode != COMMENT_VIEW && !r->user)
		return page_need_login(r);
	if (db_news_get(r, nid, &l) < 0 || db_thread(r, nid, &t) < 0)
		goto out;
	rc = 0;
	c = thread_find(&t, cid);
	if (l.n == 0 || !c || (c->del && mode != COMMENT_VIEW)) {
		page_not_found(r, "No such comment.");
		goto out;
	}
	if (mode == COMMENT_EDIT && (c->user_id != r->user->id || c->ctime <= r->now - r->site->cfg.comment_edit_time)) {
		page_error(r, 403, "This comment is not yours, or its edit time is over.");
		goto out;
	}
	page_begin(r, l.v[0].title);
	page_put_story(r, &l.v[0]);
	c->level = 0;
	page_put_comment(r, c, 1);
	page_put_comment_below(r, c, mode);
	page_end(r);
out:
	newslist_free(&l);
	thread_free(&t);
	return rc;
}

int page_comment(struct req *r)
{
	return page_one_comment(r, COMMENT_VIEW);
}

int page_reply(struct req *r)
{
	return page_one_comment(r, COMMENT_REPLY);
}

int page_editcomment(struct req *r)
{
	return page_one_comment(r, COMMENT_EDIT);
}

/* ---- a user's comments ------------------------------------------------- */

/* One comment of a user's list, from its story's thread. */
static int page_put_user_comment(struct req *r, const struct comment_ref *ref, int subthreads)
{
	struct comment *c;
	struct thread t;

	if (db_thread(r, ref->news_id, &t) < 0)
		return -1;
	if ((c = thread_find(&t, ref->comment_id))) {
		c->level = 0;
		page_put_comment(r, c, 1);
		if (subthreads) {
			thread_set_levels(c->replies, 1);
			page_put_comments(r, c->replies);
		}
	}
	thread_free(&t);
	return 0;
}

/* A user's comments, newest first, each with a link to its story. */
static int page_put_user_comments(struct req *r, long uid, long start, long count, long *total, int subthreads)
{
	struct comment_ref *refs;
	size_t n;
	int rc = 0;

	if (db_user_comments(r, uid, start, count, &refs, &n, total) < 0)
		return -1;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = page_put_user_comment(r, &refs[i], subthreads);
	free(refs);
	return rc;
}

int page_usercomments(struct req *r)
{
	struct buf title = BUF_INIT;
	struct user *u;
	long start, total = 0, per = r->site->cfg.user_comments_per_page;
	int rc = -1;

	if (!page_arg_long(r, 1, &start) || start < 0)
		return page_bad_request(r, "The start of the page must be a number of at least 0.");
	if (db_user_by_name(r, r->arg[0], &u) < 0)
		return -1;
	if (!u)
		return page_not_found(r, "Non existing user");
	buf_printf(&title, "%s comments", u->username);
	page_begin(r, buf_str(&title));
	P("<h2>");
	H(buf_str(&title));
	P("</h2><div id=\"comments\">");
	if (page_put_user_comments(r, u->id, start, per, &total, 0) == 0) {
		P("</div>");
		if (start + per < total) {
			P("<a href=\"/usercomments/");
			url_escape(&r->out, u->username);
			F("/%ld\" class=\"more\">[more]</a>", start + per);
		}
		page_end(r);
		rc = 0;
	}
	buf_free(&title);
	user_free(u);
	return rc;
}

int page_replies(struct req *r)
{
	long total;

	if (!r->user)
		return page_need_login(r);
	page_begin(r, "Your threads");
	P("<h2>Your threads</h2><div id=\"comments\">");
	if (page_put_user_comments(r, r->user->id, 0, r->site->cfg.subthreads_in_replies_page, &total, 1) < 0)
		return -1;
	P("</div>");
	page_end(r);
	/* Shown: the count in the navigation starts again. */
	return db_user_clear_replies(r, r->user->id);
}
