/* pages_user.c - accounts: logging in and out, resetting a password, and
 * a user's profile page (with the form to change it, for its owner). */
#include <stdio.h>
#include <string.h>

#include "pages.h"

int page_login(struct req *r)
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

/* The apisecret in the link keeps other sites from logging users out. */
int page_logout(struct req *r)
{
	const char *s = req_param(r, "apisecret");

	if (r->user && s && strcmp(s, r->user->apisecret) == 0) {
		if (db_user_rotate_auth(r, r->user->id, NULL, 0) < 0)
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
	  "<div id=\"login\"><form id=\"resetform\"><label for=\"username\">username</label>"
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

/* ---- profiles ---------------------------------------------------------- */

static const char *page_or_empty(const char *s)
{
	return s ? s : "";
}

static void page_put_profile_form(struct req *r, const struct user *u)
{
	P("<form id=\"profileform\"><label for=\"email\">email (not visible)</label><br>"
	  "<input type=\"text\" id=\"email\" name=\"email\" size=\"40\" value=\"");
	H(page_or_empty(u->email));
	P("\"><br><label for=\"password\">change password (optional)</label><br>"
	  "<input type=\"password\" id=\"password\" name=\"password\" size=\"40\" autocomplete=\"new-password\"><br>"
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
