/* conftext.c - see conftext.h. */
#include "conftext.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first problem found, and its line. */
struct err {
	int line;
	char *msg;
	size_t msglen;
	bool set;
};

static void add_msg(struct err *c, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void add_msg(struct err *c, int line, const char *fmt, ...)
{
	va_list ap;

	if (c->set)
		return;
	c->set = true;
	c->line = line;
	va_start(ap, fmt);
	if (c->msglen)
		vsnprintf(c->msg, c->msglen, fmt, ap);
	va_end(ap);
}

/* The whole file in memory: the parser then cannot meet a read error
 * (flex exits the process on one). */
static char *read_file(struct err *c, const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f) {
		add_msg(c, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			char *b = cap < max ? realloc(buf, cap + 8192 + 1) : NULL;
			if (!b) {
				add_msg(c, 0, cap < max ? "out of memory"
								     : "larger than %zu bytes", max);
				goto fail;
			}
			buf = b;
			cap += 8192;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		add_msg(c, 0, "cannot read: %s", strerror(errno));
		goto fail;
	}
	fclose(f);
	buf[n] = '\0';
	if (memchr(buf, '\0', n)) {
		add_msg(c, 0, "contains a NUL byte: not a text file");
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
fail:
	fclose(f);
	free(buf);
	return NULL;
}

/* Before libconfuse sees the text, two of its faults are worked around.
 * It counts a '#' or '//' comment as three lines and a block comment as
 * one line too many, and refuses a comment inside a list (upstream issue
 * #150): so comments are blanked out, newlines kept, and its line numbers
 * are the file's. It also takes the end of the file as the end of an open
 * section: so braces are counted here. The scan follows its lexer: quotes
 * with backslash escapes, "${VAR}" where a token starts, '#' anywhere
 * else, '//' and block comments only where a token starts (inside an
 * unquoted word a slash is a slash). Returns false if the text is broken. */
static bool prescan(struct err *c, char *s, size_t len)
{
	int line = 1, open[16], depth = 0;
	bool in_word = false;
	size_t i = 0;

	while (i < len) {
		char ch = s[i];
		const char *end;

		if (ch == '"' || ch == '\'') {
			int start = line;
			for (i++; i < len && s[i] != ch; i++) {
				if (s[i] == '\\' && i + 1 < len)
					i++;
				line += s[i] == '\n';
			}
			if (i++ >= len) {
				add_msg(c, start, "quoted string not closed");
				return false;
			}
			in_word = false;
		} else if (ch == '#' || (!in_word && ch == '/' && s[i + 1] == '/')) {
			while (i < len && s[i] != '\n')
				s[i++] = ' ';
			in_word = false;
		} else if (!in_word && ch == '/' && s[i + 1] == '*') {
			if (!(end = strstr(s + i + 2, "*/"))) {
				add_msg(c, line, "comment not closed (\"/*\" without \"*/\")");
				return false;
			}
			for (; s + i < end + 2; i++)
				if (s[i] == '\n')
					line++;
				else
					s[i] = ' ';
		} else if (!in_word && ch == '$' && s[i + 1] == '{' && (end = strchr(s + i, '}'))) {
			for (; s + i <= end; i++)
				line += s[i] == '\n';
		} else {
			/* An extra '}' is libconfuse's to report, with its line. */
			if (ch == '{' && depth++ < 16)
				open[depth - 1] = line;
			else if (ch == '}' && depth > 0)
				depth--;
			in_word = !strchr(" #\"'\t\n\r={}()+,*", ch);
			line += ch == '\n';
			i++;
		}
	}
	if (depth > 0) {
		add_msg(c, open[depth > 16 ? 15 : depth - 1], "'{' not closed");
		return false;
	}
	return true;
}

char *conftext_read(const char *path, size_t max, size_t *len, int *line, char *msg, size_t msglen)
{
	struct err c = { .msg = msg, .msglen = msglen };
	char *text = read_file(&c, path, max, len);

	if (text && !prescan(&c, text, *len)) {
		free(text);
		text = NULL;
	}
	*line = c.line;
	return text;
}
