/* account.c - user name and password rules (see account.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "account.h"

int account_valid_username(const char *name, long max)
{
	size_t n = strlen(name);

	if (n < 2 || (long)n > max || !isalpha((unsigned char)name[0]))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_' && name[i] != '-')
			return 0;
	return 1;
}

const char *account_check_password(const struct account_rules *rules, const char *password, char *msg,
				   size_t len)
{
	size_t n = strlen(password);

	if ((long)n < rules->password_min)
		snprintf(msg, len, "Password is too short. Min length: %ld", rules->password_min);
	else if (n > ACCOUNT_PASSWORD_MAX)
		snprintf(msg, len, "Password is too long (at most %d characters).", ACCOUNT_PASSWORD_MAX);
	else
		return NULL;
	return msg;
}

static int account_empty(const char *s)
{
	return !s || !s[0];
}

enum account_pw_change account_password_change(const struct account_rules *rules, const char *new_pw,
					       const char *current, int via_reset, char *msg, size_t len)
{
	if (account_empty(new_pw)) {
		if (!via_reset)
			return ACCOUNT_PW_KEEP;
		snprintf(msg, len, "Please give the new password.");
		return ACCOUNT_PW_REFUSED;
	}
	if (account_check_password(rules, new_pw, msg, len))
		return ACCOUNT_PW_REFUSED;
	if (via_reset)
		return ACCOUNT_PW_SET;
	if (account_empty(current)) {
		snprintf(msg, len, "Please give your current password to set a new one.");
		return ACCOUNT_PW_REFUSED;
	}
	if (strcmp(current, new_pw) == 0) {
		snprintf(msg, len, "The new password is the same as the current one.");
		return ACCOUNT_PW_REFUSED;
	}
	return ACCOUNT_PW_CHECK_CURRENT;
}
