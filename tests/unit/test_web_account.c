/* test_web_account.c - user names and passwords for new accounts, and
 * what a password change needs: the current password, except through a
 * reset link. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "account.h"

static const struct account_rules rules = { .username_max = 32, .password_min = 8 };

static void test_usernames(void **state)
{
	(void)state;
	assert_true(account_valid_username("alice", 32));
	assert_true(account_valid_username("Al_ice-2", 32));
	assert_true(account_valid_username("ab", 2));
	assert_false(account_valid_username("a", 32));
	assert_false(account_valid_username("", 32));
	assert_false(account_valid_username("1abc", 32));
	assert_false(account_valid_username("_abc", 32));
	assert_false(account_valid_username("abc", 2));
	assert_false(account_valid_username("a b", 32));
	assert_false(account_valid_username("<script>", 32));
	assert_false(account_valid_username("al\"ice", 32));
	assert_false(account_valid_username("\xc3\xa9t\xc3\xa9", 32));
}

static void test_new_passwords(void **state)
{
	char msg[128], big[ACCOUNT_PASSWORD_MAX + 2];
	(void)state;
	assert_null(account_check_password(&rules, "12345678", msg, sizeof(msg)));
	assert_non_null(account_check_password(&rules, "1234567", msg, sizeof(msg)));
	assert_string_equal(msg, "Password is too short. Min length: 8");
	memset(big, 'p', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_ptr_equal(account_check_password(&rules, big, msg, sizeof(msg)), msg);
	assert_non_null(strstr(msg, "too long"));
	big[ACCOUNT_PASSWORD_MAX] = '\0';
	assert_null(account_check_password(&rules, big, msg, sizeof(msg)));
}

static void test_change_needs_current(void **state)
{
	char msg[128];
	(void)state;
	/* No new password: nothing to change, nothing needed. */
	assert_int_equal(account_password_change(&rules, NULL, NULL, 0, msg, sizeof(msg)), ACCOUNT_PW_KEEP);
	assert_int_equal(account_password_change(&rules, "", "whatever", 0, msg, sizeof(msg)), ACCOUNT_PW_KEEP);
	/* A new one without the current one is refused, saying so. */
	msg[0] = '\0';
	assert_int_equal(account_password_change(&rules, "newsecret1", NULL, 0, msg, sizeof(msg)),
			 ACCOUNT_PW_REFUSED);
	assert_non_null(strstr(msg, "current password"));
	msg[0] = '\0';
	assert_int_equal(account_password_change(&rules, "newsecret1", "", 0, msg, sizeof(msg)),
			 ACCOUNT_PW_REFUSED);
	assert_non_null(strstr(msg, "current password"));
	/* With it, the caller checks it before setting the new one. */
	assert_int_equal(account_password_change(&rules, "newsecret1", "oldsecret1", 0, msg, sizeof(msg)),
			 ACCOUNT_PW_CHECK_CURRENT);
}

static void test_change_rules(void **state)
{
	char msg[128];
	(void)state;
	/* The length rules come first: no hashing for a password that could
	 * not be set anyway. */
	assert_int_equal(account_password_change(&rules, "short", "oldsecret1", 0, msg, sizeof(msg)),
			 ACCOUNT_PW_REFUSED);
	assert_string_equal(msg, "Password is too short. Min length: 8");
	assert_int_equal(account_password_change(&rules, "short", NULL, 1, msg, sizeof(msg)), ACCOUNT_PW_REFUSED);
	assert_int_equal(account_password_change(&rules, "samesame1", "samesame1", 0, msg, sizeof(msg)),
			 ACCOUNT_PW_REFUSED);
	assert_non_null(strstr(msg, "same"));
}

static void test_change_by_reset_link(void **state)
{
	char msg[128];
	(void)state;
	/* The link stands for the current password. */
	assert_int_equal(account_password_change(&rules, "newsecret1", NULL, 1, msg, sizeof(msg)), ACCOUNT_PW_SET);
	assert_int_equal(account_password_change(&rules, "newsecret1", "anything", 1, msg, sizeof(msg)),
			 ACCOUNT_PW_SET);
	/* But it must set something. */
	msg[0] = '\0';
	assert_int_equal(account_password_change(&rules, NULL, NULL, 1, msg, sizeof(msg)), ACCOUNT_PW_REFUSED);
	assert_true(msg[0] != '\0');
	assert_int_equal(account_password_change(&rules, "", NULL, 1, msg, sizeof(msg)), ACCOUNT_PW_REFUSED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usernames),
		cmocka_unit_test(test_new_passwords),
		cmocka_unit_test(test_change_needs_current),
		cmocka_unit_test(test_change_rules),
		cmocka_unit_test(test_change_by_reset_link),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
