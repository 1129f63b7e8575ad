/* account.h - the rules for user names and passwords: which are accepted
 * for a new account, and what a password change needs. Pure; the API
 * checks them before it touches the cluster. */
#ifndef NEWSD_ACCOUNT_H
#define NEWSD_ACCOUNT_H

#include <stddef.h>

/* The longest password taken: hashing is bounded work per attempt. */
#define ACCOUNT_PASSWORD_MAX 1024

struct account_rules {
	long username_max;   /* username_max_length */
	long password_min;   /* password_min_length */
};

/* A letter, then letters, digits, '_' or '-': at least 2 characters and
 * at most max. */
int account_valid_username(const char *name, long max);

/* NULL when password may be set, else why not (in msg, which it returns). */
const char *account_check_password(const struct account_rules *rules, const char *password, char *msg,
				   size_t len);

enum account_pw_change {
	ACCOUNT_PW_KEEP,          /* no new password given: nothing to change */
	ACCOUNT_PW_CHECK_CURRENT, /* set it once the current password is verified */
	ACCOUNT_PW_SET,           /* set it: the reset link stands for the current password */
	ACCOUNT_PW_REFUSED,       /* msg says why */
};

/* A change to new_pw (NULL or "": none asked) by a logged-in user who
 * gave current (NULL or "": none), or through a password reset link
 * (via_reset). A change needs the current password, except through a
 * reset link, and a new password that passes account_check_password and
 * differs from the current one. */
enum account_pw_change account_password_change(const struct account_rules *rules, const char *new_pw,
					       const char *current, int via_reset, char *msg, size_t len);

#endif
