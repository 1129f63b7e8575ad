/* test_web_token.c - random tokens, PBKDF2 password hashes, signed links. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "token.h"

static const unsigned char key[] = "secret-key";
#define KEYLEN (sizeof(key) - 1)

static int all_lower_hex(const char *s)
{
	return strspn(s, "0123456789abcdef") == strlen(s);
}

static void test_random_hex(void **state)
{
	char a[33], b[33], big[201];
	(void)state;
	assert_int_equal(token_random_hex(a, sizeof(a), 16), 0);
	assert_int_equal(token_random_hex(b, sizeof(b), 16), 0);
	assert_int_equal(strlen(a), 32);
	assert_true(all_lower_hex(a));
	assert_true(all_lower_hex(b));
	assert_string_not_equal(a, b);
	/* More than one internal chunk of randomness. */
	assert_int_equal(token_random_hex(big, sizeof(big), 100), 0);
	assert_int_equal(strlen(big), 200);
	assert_true(all_lower_hex(big));
	assert_int_equal(token_random_hex(a, 32, 16), -1);
	assert_int_equal(token_random_hex(a, sizeof(a), 0), 0);
	assert_string_equal(a, "");
}

/* The apisecret and the auth token: both set, same length, same bytes. */
static void test_equal(void **state)
{
	(void)state;
	assert_true(token_equal("0123abcd", "0123abcd"));
	assert_false(token_equal("0123abcd", "0123abce"));
	assert_false(token_equal("0123abcd", "0123abc"));
	assert_false(token_equal("0123abc", "0123abcd"));
	assert_false(token_equal("", ""));
	assert_false(token_equal(NULL, "0123abcd"));
	assert_false(token_equal("0123abcd", NULL));
	assert_false(token_equal(NULL, NULL));
}

static void test_pbkdf2_vectors(void **state)
{
	char h[65];
	(void)state;
	assert_int_equal(password_hash("password", "salt", 1, h, sizeof(h)), 0);
	assert_string_equal(h, "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
	assert_int_equal(password_hash("password", "salt", 2, h, sizeof(h)), 0);
	assert_string_equal(h, "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43");
	assert_int_equal(password_hash("password", "salt", 0, h, sizeof(h)), -1);
	assert_int_equal(password_hash("password", "salt", 1, h, 64), -1);
}

static void test_password_check(void **state)
{
	char h[65];
	(void)state;
	assert_int_equal(password_hash("hunter2", "s4lt", 1000, h, sizeof(h)), 0);
	assert_true(password_check("hunter2", "s4lt", 1000, h));
	assert_false(password_check("hunter3", "s4lt", 1000, h));
	assert_false(password_check("hunter2", "s4lT", 1000, h));
	assert_false(password_check("hunter2", "s4lt", 999, h));
	assert_false(password_check("", "s4lt", 1000, h));
	assert_true(password_check("password", "salt", 1,
				   "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"));
	assert_false(password_check("password", "salt", 1,
				    "120FB6CFFCF8B32C43E7225256C4F837A86548C92CCC35480805987CB70BE17B"));
	assert_false(password_check("password", "salt", 1,
				    "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17"));
	assert_false(password_check("password", "salt", 1, ""));
}

static void test_sign_format(void **state)
{
	char t[128];
	(void)state;
	/* The expected MAC is HMAC-SHA256("secret-key", "1700000000:reset:alice"),
	 * computed independently of this code. */
	assert_int_equal(token_sign(key, KEYLEN, "reset:alice", 1700000000, t, sizeof(t)), 0);
	assert_string_equal(t, "1700000000."
			       "83b345d2bf88c671e9ed783c6bee6763a9f402d31dced90b259b483b15c770ac");
	assert_int_equal(token_sign(key, KEYLEN, "m", 1700000000, t, 10 + 1 + 64 + 1), 0);
	assert_int_equal(token_sign(key, KEYLEN, "m", 1700000000, t, 10 + 1 + 64), -1);
	assert_int_equal(token_sign(key, KEYLEN, "m", -1, t, sizeof(t)), -1);
}

static void test_verify_ok_and_expiry(void **state)
{
	char t[128];
	(void)state;
	assert_int_equal(token_sign(key, KEYLEN, "reset:alice", 1000, t, sizeof(t)), 0);
	assert_int_equal(token_verify(key, KEYLEN, "reset:alice", t, 999), 0);
	assert_int_equal(token_verify(key, KEYLEN, "reset:alice", t, 1000), 0);
	assert_int_equal(token_verify(key, KEYLEN, "reset:alice", t, 1001), -2);
	assert_int_equal(token_sign(key, KEYLEN, "", 0, t, sizeof(t)), 0);
	assert_int_equal(token_verify(key, KEYLEN, "", t, 0), 0);
}

static void test_verify_tampered(void **state)
{
	char t[128], forged[160];
	const unsigned char other[] = "secret-kez";
	(void)state;
	assert_int_equal(token_sign(key, KEYLEN, "reset:alice", 1000, t, sizeof(t)), 0);
	assert_int_equal(token_verify(key, KEYLEN, "reset:alicf", t, 0), -1);
	assert_int_equal(token_verify(key, KEYLEN, "reset:alice ", t, 0), -1);
	assert_int_equal(token_verify(other, sizeof(other) - 1, "reset:alice", t, 0), -1);
	/* One MAC digit changed. */
	strcpy(forged, t);
	forged[strlen(forged) - 1] = forged[strlen(forged) - 1] == '0' ? '1' : '0';
	assert_int_equal(token_verify(key, KEYLEN, "reset:alice", forged, 0), -1);
	/* A later expiry with the old MAC: forged, so -1 and not -2 or 0. */
	strcpy(forged, t);
	forged[0] = '9';
	assert_int_equal(token_verify(key, KEYLEN, "reset:alice", forged, 0), -1);
	assert_int_equal(token_verify(key, KEYLEN, "reset:alice", forged, 5000), -1);
	/* Same value written differently is a different signed text. */
	snprintf(forged, sizeof(forged), "0%s", t);
	assert_int_equal(token_verify(key, KEYLEN, "reset:alice", forged, 0), -1);
}

static void test_verify_malformed(void **state)
{
	char t[128], bad[160];
	const char *mac;
	(void)state;
	assert_int_equal(token_sign(key, KEYLEN, "m", 1000, t, sizeof(t)), 0);
	mac = strchr(t, '.') + 1;
	const char *cases[] = { "", "abc", "1000", "1000.", ".", "1000.xyz", "1000..", "x.abc" };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(token_verify(key, KEYLEN, "m", cases[i], 0), -1);
	snprintf(bad, sizeof(bad), "%.*s", 68, t);
	assert_int_equal(token_verify(key, KEYLEN, "m", bad, 0), -1);
	snprintf(bad, sizeof(bad), "%s0", t);
	assert_int_equal(token_verify(key, KEYLEN, "m", bad, 0), -1);
	snprintf(bad, sizeof(bad), ".%s", mac);
	assert_int_equal(token_verify(key, KEYLEN, "m", bad, 0), -1);
	snprintf(bad, sizeof(bad), "-1000.%s", mac);
	assert_int_equal(token_verify(key, KEYLEN, "m", bad, 0), -1);
	snprintf(bad, sizeof(bad), "+1000.%s", mac);
	assert_int_equal(token_verify(key, KEYLEN, "m", bad, 0), -1);
	snprintf(bad, sizeof(bad), "99999999999999999999.%s", mac);
	assert_int_equal(token_verify(key, KEYLEN, "m", bad, 0), -1);
	snprintf(bad, sizeof(bad), "1000.%s", mac);
	for (char *p = bad; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	assert_int_equal(token_verify(key, KEYLEN, "m", bad, 0), -1);
	/* The untouched token still verifies, so the cases above failed on form. */
	assert_int_equal(token_verify(key, KEYLEN, "m", t, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_hex),	    cmocka_unit_test(test_pbkdf2_vectors),
		cmocka_unit_test(test_password_check),	    cmocka_unit_test(test_sign_format),
		cmocka_unit_test(test_verify_ok_and_expiry), cmocka_unit_test(test_verify_tampered),
		cmocka_unit_test(test_verify_malformed),    cmocka_unit_test(test_equal),
	};
	return cmocka_run_group_tests_name("web_token", tests, NULL, NULL);
}
