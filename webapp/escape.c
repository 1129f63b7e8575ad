/* escape.c - HTML, URL and text encoding rules for everything newsd shows. */
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "escape.h"

static const char *html_entity(char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	default:
		return NULL;
	}
}

void html_escape_n(struct buf *b, const char *s, size_t n)
{
	size_t run = 0;

	/* Copy runs of plain bytes in one go; pages are mostly plain text. */
	for (size_t i = 0; i < n; i++) {
		const char *ent = html_entity(s[i]);

		if (!ent)
			continue;
		buf_add(b, s + run, i - run);
		buf_puts(b, ent);
		run = i + 1;
	}
	buf_add(b, s + run, n - run);
}

void html_escape(struct buf *b, const char *s)
{
	html_escape_n(b, s, strlen(s));
}

/* RFC 3986 characters minus the single quote, which would let a comment
 * like 'http://x' swallow its closing quote. */
static int url_char(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("-._~:/?#[]@!$&()*+,;=%", c) != NULL;
}

static int is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Length of the scheme or "www." prefix at s, or 0 when no link starts here. */
static size_t link_prefix(const char *s)
{
	if (strncasecmp(s, "http://", 7) == 0)
		return 7;
	if (strncasecmp(s, "https://", 8) == 0)
		return 8;
	if (strncasecmp(s, "www.", 4) == 0)
		return 4;
	return 0;
}

/* Length of the link at s (0 for none). Sentence punctuation right after a
 * link ("see http://x.org.") belongs to the sentence, not the URL. */
static size_t link_len(const char *s)
{
	size_t pre = link_prefix(s), n;

	if (!pre)
		return 0;
	n = pre;
	while (url_char((unsigned char)s[n]))
		n++;
	while (n > pre && strchr(".,)!?", s[n - 1]))
		n--;
	return n > pre ? n : 0;
}

static void emit_link(struct buf *b, const char *s, size_t n)
{
	buf_puts(b, "<a rel=\"nofollow\" href=\"");
	if (strncasecmp(s, "www.", 4) == 0)
		buf_puts(b, "http://");
	html_escape_n(b, s, n);
	buf_puts(b, "\">");
	html_escape_n(b, s, n);
	buf_puts(b, "</a>");
}

void html_linkify(struct buf *b, const char *s)
{
	size_t i = 0, text = 0;

	while (s[i]) {
		size_t n = 0;

		/* Only at a word start, so "xwww.y" or "foohttp://" stay text. */
		if (i == 0 || !is_alnum((unsigned char)s[i - 1]))
			n = link_len(s + i);
		if (!n) {
			i++;
			continue;
		}
		html_escape_n(b, s + text, i - text);
		emit_link(b, s + i, n);
		i += n;
		text = i;
	}
	html_escape_n(b, s + text, i - text);
}

void url_escape(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[3];

		if (is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			buf_putc(b, (char)c);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 15];
		buf_add(b, esc, 3);
	}
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long url_decode(char *s, size_t len)
{
	size_t r = 0, w = 0;

	if (len > LONG_MAX)
		return -1;
	while (r < len) {
		char c = s[r++];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi, lo;

			if (len - r < 2)
				return -1;
			hi = hex_val(s[r]);
			lo = hex_val(s[r + 1]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			r += 2;
		}
		/* A NUL, raw or decoded, would silently cut C strings short. */
		if (c == '\0')
			return -1;
		s[w++] = c;
	}
	return (long)w;
}

/* Decode one UTF-8 sequence at s (n bytes available) into *cp; returns its
 * length or 0 when it is malformed, overlong or a surrogate. */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned long *cp)
{
	static const unsigned long min_cp[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len;
	unsigned long c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min_cp[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* C0 and C1 controls and DEL have no business in user text; they are how
 * terminal escapes and invisible spoofing get into pages and logs. */
static int is_control(unsigned long cp)
{
	if (cp == '\t' || cp == '\n' || cp == '\r')
		return 0;
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

int text_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned long cp;
		size_t n = utf8_decode(u + i, len - i, &cp);

		if (!n || is_control(cp))
			return 0;
		i += n;
	}
	return 1;
}

int url_host(const char *url, char *out, size_t outlen)
{
	size_t pre, end, start;

	if (strncasecmp(url, "http://", 7) == 0)
		pre = 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		pre = 8;
	else
		return -1;
	/* Browsers read a backslash as '/' in http(s) URLs, so "http://a\@b"
	 * leads to a; ending the authority there shows the host really used. */
	end = pre + strcspn(url + pre, "/?#\\");
	/* Userinfo ("user:pw@") is not the host; the last '@' ends it. */
	start = pre;
	for (size_t i = pre; i < end; i++)
		if (url[i] == '@')
			start = i + 1;
	if (start == end || url[start] == ':')
		return -1;
	for (size_t i = start; i < end; i++)
		if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f)
			return -1;
	if (end - start >= outlen)
		return -1;
	memcpy(out, url + start, end - start);
	out[end - start] = '\0';
	return 0;
}
