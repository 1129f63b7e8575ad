/* pages.h - what the HTML page files share: the frame every page is
 * built in, small helpers, and the handlers the route table in pages.c
 * lists. Every value from the database or the request goes out through
 * escape.h; the forms post to the JSON API (app.js). */
#ifndef NEWSD_PAGES_H
#define NEWSD_PAGES_H

#include "escape.h"
#include "site.h"

#define H(s) html_escape(&r->out, (s))
#define P(s) buf_puts(&r->out, (s))
#define F(...) buf_printf(&r->out, __VA_ARGS__)

/* --- pages.c: the frame and the helpers --- */
void page_begin(struct req *r, const char *title);
void page_end(struct req *r);
/* These answer the request with an error page and return 0 (handled). */
int page_bad_request(struct req *r, const char *msg);
int page_not_found(struct req *r, const char *msg);
int page_need_login(struct req *r);
/* 1 when route parameter i is a number (in *out). */
int page_arg_long(struct req *r, int i, long *out);
void page_put_elapsed(struct req *r, long t);
void page_put_user_link(struct req *r, const char *name);

/* --- pages_news.c: story lists and the story forms --- */
void page_put_news(struct req *r, const struct news *n);
int page_top(struct req *r);
int page_latest_redirect(struct req *r);
int page_latest(struct req *r);
int page_saved(struct req *r);
int page_usernews(struct req *r);
int page_submit(struct req *r);
int page_editnews(struct req *r);
int page_rss(struct req *r);
int page_random(struct req *r);

/* --- pages_comment.c: a story's discussion and users' comments --- */
int page_news(struct req *r);
int page_comment(struct req *r);
int page_reply(struct req *r);
int page_editcomment(struct req *r);
int page_usercomments(struct req *r);
int page_replies(struct req *r);

/* --- pages_user.c: accounts and profiles --- */
int page_login(struct req *r);
int page_login_post(struct req *r);
int page_logout(struct req *r);
int page_reset_password(struct req *r);
int page_reset_password_ok(struct req *r);
int page_set_new_password(struct req *r);
int page_user(struct req *r);

#endif
