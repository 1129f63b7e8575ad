/* pages_user.c - accounts: logging in and out, resetting a password, and
 * a user's profile page (with the form to change it, for its owner). */
#include <stdio.h>
#include <string.h>

#include "account.h"
#include "pages.h"
#include "token.h"

/* The form posts (app.js posts to /api/login instead), so that the
 * password is never part of an address, even without scripts. */
static void page_put_login(struct req *r, const char *error)
{
	page_begin(r, "Login");
	P("<div id=\"login\"><form id=\"loginform\" method=\"post\" action=\"/login\">"
	  "<label for=\"username\">username</label>"
	  "<input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\">"
	  "<label for=\"password\">password</label>"
	  "<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\"><br>"
	  "<input type=\"checkbox\" name=\"register\" id=\"register\" value=\"1\"> <label for=\"register\">create account</label><br>"
	  "<input type=\"submit\" name=\"do_login\" value=\"Login\"></form></div><div id=\"errormsg\">");
	if (error)
		H(error);
	P("</div><a href=\"/reset-password\">reset password</a>");
	page_end(r);
}

int page_login(struct req *r)
{
	page_put_login(r, NULL);
	return 0;
}

/* A new account from the login form; 1 and token when made. */
static int page_register(struct req *r, const char *u, const char *p, char *token, size_t tlen, char *msg,
			 size_t mlen)
{
	struct account_rules rules = { r->site->cfg.username_max_length, r->site->cfg.password_min_length };
	const char *why;
	char secret[64];

	if (!account_valid_username(u, rules.username_max)) {
		snprintf(msg, mlen, "Username must match /^[a-zA-Z][a-zA-Z0-9_-]+$/ (at most %ld characters)",
			 rules.username_max);
		return 0;
	}
	if (account_check_password(&rules, p, msg, mlen))
		return 0;
	if (db_user_create(r, u, p, token, tlen, secret, sizeof(secret), &why) < 0)
		return -1;
	if (why)
		snprintf(msg, mlen, "%s", why);
	return !why;
}

/* The login form without scripts: the same checks and messages as
 * /api/login and /api/create_account, then the top page, or the form
 * again with the reason. */
int page_login_post(struct req *r)
{
	const char *u = req_param(r, "username"), *p = req_param(r, "password"), *reg = req_param(r, "register");
	char token[128], msg[160];
	enum login_outcome res;
	struct user *found;
	long wait;
	int ok;

	if (!u || !p || !u[0] || !p[0]) {
		page_put_login(r, "Username and password are two required fields.");
		return 0;
	}
	if (reg && reg[0]) {
		if ((ok = page_register(r, u, p, token, sizeof(token), msg, sizeof(msg))) < 0)
			return -1;
	} else {
		if (db_login_attempt(r, u, p, NULL, &found, &res, &wait) < 0)
			return -1;
		ok = res == LOGIN_OK;
		if (ok)
			snprintf(token, sizeof(token), "%ld-%s", found->id, found->auth);
		else if (res == LOGIN_REFUSED)
			snprintf(msg, sizeof(msg), "Too many failed logins, try again in %ld second%s.", wait,
				 wait == 1 ? "" : "s");
		else
			snprintf(msg, sizeof(msg), "No match for the specified username / password pair.");
		user_free(found);
	}
	if (!ok) {
		page_put_login(r, msg);
		return 0;
	}
	req_set_auth_cookie(r, token);
	req_redirect(r, "/");
	return 0;
}

/* The apisecret in the link keeps other sites from logging users out;
 * app.js posts it to /api/logout instead. Both the token and the
 * apisecret are replaced. */
int page_logout(struct req *r)
{
	if (r->user && token_equal(req_param(r, "apisecret"), r->user->apisecret)) {
		if (db_user_rotate(r, r->user->id, NULL, 0, NULL, 0) < 0)
			return -1;
		req_set_auth_cookie(r, NULL);
	}
	req_redirect(r, "/");
	return 0;
}

int page_reset_password(struct req *r)
{
	page_begin(r, "Reset password");
	P("<p>Welcome to the password reset procedure. Please give the username and the email address "
	  "of your account: a link to set a new password will be mailed to it.</p>"
	  "<div id=\"login\"><form id=\"resetform\" method=\"post\" action=\"/api/reset-password\"><label for=\"username\">username</label>"
	  "<input type=\"text\" id=\"username\" name=\"username\"><label for=\"email\">email</label>"
	  "<input type=\"text\" id=\"email\" name=\"email\"><br>"
	  "<input type=\"submit\" name=\"do_reset\" value=\"Reset password\"></form></div><div id=\"errormsg\"></div>");
	page_end(r);
	return 0;
}

int page_reset_password_ok(struct req *r)
{
	page_begin(r, "Reset password");
	P("<p>A link to set a new password was mailed to you. It works for a limited time.</p>");
	page_end(r);
	return 0;
}

int page_set_new_password(struct req *r)
{
	const char *u = req_param(r, "user"), *t = req_param(r, "token");

	if (!u || !t)
		return page_bad_request(r, "This page needs the user and token of a reset link.");
	page_begin(r, "Set a new password");
	P("<div id=\"login\"><form id=\"newpasswordform\" method=\"post\" action=\"/api/set-new-password\">"
	  "<input type=\"hidden\" name=\"user\" value=\"");
	H(u);
	P("\"><input type=\"hidden\" name=\"token\" value=\"");
	H(t);
	P("\"><label for=\"password\">new password</label><input type=\"password\" id=\"password\" name=\"password\" "
	  "autocomplete=\"new-password\"><br><input type=\"submit\" name=\"do_set\" value=\"Set password\"></form></div>"
	  "<div id=\"errormsg\"></div>");
	page_end(r);
	return 0;
}

/* ---- profiles ---------------------------------------------------------- */

static const char *page_or_empty(const char *s)
{
	return s ? s : "";
}

/* A new password needs the current one; the answer's new apisecret comes
 * with the page app.js reloads. */
static void page_put_profile_form(struct req *r, const struct user *u)
{
	P("<form id=\"profileform\" method=\"post\" action=\"/api/updateprofile\">"
	  "<input type=\"hidden\" name=\"apisecret\" value=\"");
	H(r->user->apisecret);
	P("\"><label for=\"email\">email (not visible)</label><br>"
	  "<input type=\"text\" id=\"email\" name=\"email\" size=\"40\" value=\"");
	H(page_or_empty(u->email));
	P("\"><br><label for=\"password\">change password (optional)</label><br>"
	  "<input type=\"password\" id=\"password\" name=\"password\" size=\"40\" autocomplete=\"new-password\"><br>"
	  "<label for=\"current_password\">current password (to change it)</label><br>"
	  "<input type=\"password\" id=\"current_password\" name=\"current_password\" size=\"40\" "
	  "autocomplete=\"current-password\"><br>"
	  "<label for=\"about\">about</label><br><textarea id=\"about\" name=\"about\" cols=\"60\" rows=\"10\">");
	H(page_or_empty(u->about));
	P("</textarea><br><button type=\"submit\" name=\"update_profile\">Update profile</button></form>"
	  "<div id=\"errormsg\"></div>");
}

static void page_put_userinfo(struct req *r, const struct user *u, long posted, long comments, int owner)
{
	P("<div class=\"userinfo\"><h2>");
	H(u->username);
	P("</h2><pre>");
	H(page_or_empty(u->about));
	P("</pre><ul><li><b>created </b>");
	page_put_elapsed(r, u->ctime);
	/* The owner's karma as this request counted it (visits included). */
	F("</li><li><b>karma </b>%ld points</li><li><b>posted news </b>%ld</li><li><b>posted comments </b>%ld</li>",
	  owner ? r->user->karma : u->karma, posted, comments);
	if (owner)
		P("<li><a href=\"/saved/0\">saved news</a></li>");
	P("<li><a href=\"/usercomments/");
	url_escape(&r->out, u->username);
	P("/0\">user comments</a></li><li><a href=\"/usernews/");
	url_escape(&r->out, u->username);
	P("/0\">user news</a></li></ul></div>");
}

int page_user(struct req *r)
{
	struct user *u;
	long posted, comments;
	int owner;

	if (db_user_by_name(r, r->arg[0], &u) < 0)
		return -1;
	if (!u)
		return page_not_found(r, "Non existing user");
	if (db_user_counts(r, u->id, &posted, &comments) < 0) {
		user_free(u);
		return -1;
	}
	owner = r->user && r->user->id == u->id;
	page_begin(r, u->username);
	page_put_userinfo(r, u, posted, comments, owner);
	if (owner)
		page_put_profile_form(r, u);
	page_end(r);
	user_free(u);
	return 0;
}
