/* test_web_escape.c - the byte buffer and every output encoding newsd uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "escape.h"

static void test_buf_append(void **state)
{
	struct buf b = BUF_INIT;
	(void)state;
	assert_string_equal(buf_str(&b), "");
	buf_puts(&b, "ab");
	buf_putc(&b, 'c');
	buf_add(&b, "defgh", 2);
	buf_add(&b, NULL, 0);
	buf_printf(&b, "-%d-%s", 42, "x");
	assert_string_equal(buf_str(&b), "abcde-42-x");
	assert_int_equal(b.len, 10);
	assert_false(buf_failed(&b));
	buf_free(&b);
	assert_null(b.p);
}

static void test_buf_grow(void **state)
{
	struct buf b = BUF_INIT;
	char big[1000];
	(void)state;
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_puts(&b, "<");
	/* Longer than the first allocation, so printf must grow and retry. */
	buf_printf(&b, "%s>", big);
	assert_int_equal(b.len, 1001);
	assert_int_equal(buf_str(&b)[0], '<');
	assert_int_equal(buf_str(&b)[999], 'z');
	assert_int_equal(buf_str(&b)[1000], '>');
	assert_int_equal(buf_str(&b)[1001], '\0');
	for (int i = 0; i < 500; i++)
		buf_printf(&b, "%d,", i % 10);
	assert_int_equal(b.len, 2001);
	buf_free(&b);
}

static void test_buf_reset_steal(void **state)
{
	struct buf b = BUF_INIT;
	char *s;
	(void)state;
	s = buf_steal(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	buf_puts(&b, "hello");
	buf_reset(&b);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(b.len, 0);
	assert_non_null(b.p);
	buf_puts(&b, "page");
	s = buf_steal(&b);
	assert_string_equal(s, "page");
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	free(s);
}

static void test_buf_oom_sticky(void **state)
{
	struct buf b = BUF_INIT;
	(void)state;
	buf_puts(&b, "start");
	/* A size that cannot be allocated takes the out-of-memory path. */
	buf_add(&b, "x", SIZE_MAX);
	assert_true(buf_failed(&b));
	buf_puts(&b, "more");
	buf_printf(&b, "%d", 1);
	assert_true(buf_failed(&b));
	assert_string_equal(buf_str(&b), "start");
	assert_null(buf_steal(&b));
	assert_false(buf_failed(&b));
	assert_null(b.p);
	buf_puts(&b, "again");
	assert_string_equal(buf_str(&b), "again");
	buf_free(&b);
}

static void check_html(const char *in, const char *want)
{
	struct buf b = BUF_INIT;
	html_escape(&b, in);
	assert_false(buf_failed(&b));
	assert_string_equal(buf_str(&b), want);
	buf_free(&b);
}

static void test_html_escape(void **state)
{
	struct buf b = BUF_INIT;
	(void)state;
	check_html("<a href=\"x\">'&'</a>",
		   "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
	check_html("plain text", "plain text");
	check_html("", "");
	check_html("&amp;", "&amp;amp;");
	check_html("caf\xc3\xa9", "caf\xc3\xa9");
	html_escape_n(&b, "a<b>c", 2);
	assert_string_equal(buf_str(&b), "a&lt;");
	buf_free(&b);
}

static void check_link(const char *in, const char *want)
{
	struct buf b = BUF_INIT;
	html_linkify(&b, in);
	assert_false(buf_failed(&b));
	assert_string_equal(buf_str(&b), want);
	buf_free(&b);
}

static void test_linkify_basic(void **state)
{
	(void)state;
	check_link("see http://example.com/a?b=1&c=2.",
		   "see <a rel=\"nofollow\" href=\"http://example.com/a?b=1&amp;c=2\">"
		   "http://example.com/a?b=1&amp;c=2</a>.");
	check_link("https://x.org/p",
		   "<a rel=\"nofollow\" href=\"https://x.org/p\">https://x.org/p</a>");
	check_link("no links <here>", "no links &lt;here&gt;");
	check_link("", "");
}

static void test_linkify_www(void **state)
{
	(void)state;
	check_link("go to www.example.org, now",
		   "go to <a rel=\"nofollow\" href=\"http://www.example.org\">"
		   "www.example.org</a>, now");
	check_link("www.", "www.");
	check_link("http://", "http://");
	check_link("xwww.example.org", "xwww.example.org");
}

static void test_linkify_trailing(void **state)
{
	(void)state;
	check_link("(see https://a.b/c)!",
		   "(see <a rel=\"nofollow\" href=\"https://a.b/c\">https://a.b/c</a>)!");
	check_link("really http://a.b/?",
		   "really <a rel=\"nofollow\" href=\"http://a.b/\">http://a.b/</a>?");
	check_link("http://a.b/x.., ok",
		   "<a rel=\"nofollow\" href=\"http://a.b/x\">http://a.b/x</a>.., ok");
	check_link("http://a.b/x.html http://c.d",
		   "<a rel=\"nofollow\" href=\"http://a.b/x.html\">http://a.b/x.html</a> "
		   "<a rel=\"nofollow\" href=\"http://c.d\">http://c.d</a>");
}

static void test_linkify_hostile(void **state)
{
	(void)state;
	check_link("javascript:alert(1)", "javascript:alert(1)");
	check_link("javascript:alert(document.cookie)//www",
		   "javascript:alert(document.cookie)//www");
	check_link("http://x.com/\"onmouseover=\"alert(1)",
		   "<a rel=\"nofollow\" href=\"http://x.com/\">http://x.com/</a>"
		   "&quot;onmouseover=&quot;alert(1)");
	check_link("http://a.com/'><script>x</script>",
		   "<a rel=\"nofollow\" href=\"http://a.com/\">http://a.com/</a>"
		   "&#39;&gt;&lt;script&gt;x&lt;/script&gt;");
	check_link("http://a.com/?q=<b>",
		   "<a rel=\"nofollow\" href=\"http://a.com/?q=\">http://a.com/?q=</a>"
		   "&lt;b&gt;");
}

static void check_url(const char *in, const char *want)
{
	struct buf b = BUF_INIT;
	url_escape(&b, in);
	assert_string_equal(buf_str(&b), want);
	buf_free(&b);
}

static void test_url_escape(void **state)
{
	(void)state;
	check_url("a b&c=d/\xc3\xa9~-._", "a%20b%26c%3Dd%2F%C3%A9~-._");
	check_url("AZaz09", "AZaz09");
	check_url("+%?#", "%2B%25%3F%23");
	check_url("", "");
}

static long decode(char *dst, const char *src)
{
	size_t n = strlen(src);
	long r;

	memcpy(dst, src, n + 1);
	r = url_decode(dst, n);
	if (r >= 0)
		dst[r] = '\0';
	return r;
}

static void test_url_decode(void **state)
{
	char s[64];
	(void)state;
	assert_int_equal(decode(s, "a+b%20c%41"), 6);
	assert_string_equal(s, "a b cA");
	assert_int_equal(decode(s, "%e2%82%AC"), 3);
	assert_string_equal(s, "\xe2\x82\xac");
	assert_int_equal(decode(s, ""), 0);
	assert_int_equal(decode(s, "plain"), 5);
	assert_string_equal(s, "plain");
	assert_int_equal(decode(s, "%4"), -1);
	assert_int_equal(decode(s, "50%"), -1);
	assert_int_equal(decode(s, "%zz"), -1);
	assert_int_equal(decode(s, "%g1"), -1);
	assert_int_equal(decode(s, "a%00b"), -1);
	/* The length bounds the input: a cut-off escape is malformed. */
	memcpy(s, "%41", 4);
	assert_int_equal(url_decode(s, 2), -1);
	memcpy(s, "ab\0c", 5);
	assert_int_equal(url_decode(s, 4), -1);
}

static void test_text_valid(void **state)
{
	(void)state;
	assert_true(text_valid("hello\tworld\r\n", 13));
	assert_true(text_valid("", 0));
	assert_true(text_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e", 14));
	assert_false(text_valid("\xc0\xaf", 2));
	assert_false(text_valid("\xe0\x80\xaf", 3));
	assert_false(text_valid("\xed\xa0\x80", 3));
	assert_false(text_valid("\xf4\x90\x80\x80", 4));
	assert_false(text_valid("\xe2\x82", 2));
	assert_false(text_valid("\x80", 1));
	assert_false(text_valid("\xff", 1));
	assert_false(text_valid("a\x01" "b", 3));
	assert_false(text_valid("\x1b[31m", 5));
	assert_false(text_valid("\x7f", 1));
	assert_false(text_valid("\xc2\x85", 2));
	assert_false(text_valid("a\0b", 3));
	/* Only the first len bytes count. */
	assert_true(text_valid("ok\x01", 2));
}

static void test_url_host(void **state)
{
	char h[32];
	(void)state;
	assert_int_equal(url_host("http://user@host:8080/path?x", h, sizeof(h)), 0);
	assert_string_equal(h, "host:8080");
	assert_int_equal(url_host("https://example.com", h, sizeof(h)), 0);
	assert_string_equal(h, "example.com");
	assert_int_equal(url_host("http://a.b:8/x", h, sizeof(h)), 0);
	assert_string_equal(h, "a.b:8");
	assert_int_equal(url_host("HTTPS://Example.COM?q=1", h, sizeof(h)), 0);
	assert_string_equal(h, "Example.COM");
	assert_int_equal(url_host("http://u:p@w@x.y#f", h, sizeof(h)), 0);
	assert_string_equal(h, "x.y");
	assert_int_equal(url_host("ftp://a.b/", h, sizeof(h)), -1);
	assert_int_equal(url_host("javascript:alert(1)", h, sizeof(h)), -1);
	assert_int_equal(url_host("www.a.b", h, sizeof(h)), -1);
	assert_int_equal(url_host("http:///x", h, sizeof(h)), -1);
	assert_int_equal(url_host("http://user@/x", h, sizeof(h)), -1);
	assert_int_equal(url_host("http://:80/", h, sizeof(h)), -1);
	/* Browsers go to a here, so a, not b, is the host to show. */
	assert_int_equal(url_host("http://a\\@b/", h, sizeof(h)), 0);
	assert_string_equal(h, "a");
	assert_int_equal(url_host("http://a b/", h, sizeof(h)), -1);
	assert_int_equal(url_host("http://abcdef", h, 6), -1);
	assert_int_equal(url_host("http://abcde", h, 6), 0);
	assert_string_equal(h, "abcde");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_append),	cmocka_unit_test(test_buf_grow),
		cmocka_unit_test(test_buf_reset_steal), cmocka_unit_test(test_buf_oom_sticky),
		cmocka_unit_test(test_html_escape),	cmocka_unit_test(test_linkify_basic),
		cmocka_unit_test(test_linkify_www),	cmocka_unit_test(test_linkify_trailing),
		cmocka_unit_test(test_linkify_hostile), cmocka_unit_test(test_url_escape),
		cmocka_unit_test(test_url_decode),	cmocka_unit_test(test_text_valid),
		cmocka_unit_test(test_url_host),
	};
	return cmocka_run_group_tests_name("web_escape", tests, NULL, NULL);
}
