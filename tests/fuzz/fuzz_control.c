// sources: vrrpd/control.c
// libs:
/* fuzz_control.c - libFuzzer target: the pure half of the control
 * protocol (vrrpd/control.c): request splitting, verb lookup, and the
 * answer buffer with its JSON strings.
 *
 * The input is taken as vipd takes a request off the socket (at most
 * CONTROL_MAX_REQUEST - 1 bytes, a C string cut at the first newline),
 * split with control_split(), looked up with control_find_verb(), and
 * every word is written back as a JSON string into a struct sbuf.
 * Oracles, each an abort() that libFuzzer reports as a crash:
 *   - control_split() finds the words a plain scan finds (blank, tab, CR
 *     and LF separate them), in place and in order, or -1 when there are
 *     more than fit;
 *   - control_find_verb() finds a verb exactly when the table has it;
 *   - each JSON string decodes back to its word and carries no raw
 *     control character, and the buffer's length is its text's. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "fuzz_check.h"


static bool is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Decode the JSON string at *p (as sbuf_json_string() writes it: '"',
 * '\\' and bytes below 0x20 escaped, everything else as is) and compare
 * it with want; *p moves past it. */
static void check_json(const char **p, const char *want)
{
	const char *s = *p;

	CHECK(*s == '"');
	for (s++; *s != '"'; s++, want++) {
		unsigned char c = (unsigned char)*s;
		CHECK(c >= 0x20);
		if (c == '\\') {
			s++;
			if (*s == 'u') {
				unsigned v = 0;
				for (int i = 1; i <= 4; i++) {
					char h = s[i];
					CHECK((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f'));
					v = v * 16 + (unsigned)(h <= '9' ? h - '0' : h - 'a' + 10);
				}
				CHECK(v < 0x20);
				c = (unsigned char)v;
				s += 4;
			} else {
				CHECK(*s == '"' || *s == '\\');
				c = (unsigned char)*s;
			}
		}
		CHECK(*want == (char)c);
	}
	CHECK(*want == '\0');
	*p = s + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size < CONTROL_MAX_REQUEST - 1 ? size : CONTROL_MAX_REQUEST - 1;
	/* Exact heap sizes, so ASan sees a step past the end. */
	char *line = malloc(n + 1), *orig = malloc(n + 1);
	char *argv[CONTROL_MAX_ARGS];
	size_t start[CONTROL_MAX_REQUEST], len[CONTROL_MAX_REQUEST], nwords = 0;

	if (!line || !orig)
		abort();
	memcpy(line, data, n);
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	memcpy(orig, line, n + 1);

	for (size_t i = 0; orig[i];) {
		if (is_sep(orig[i])) {
			i++;
			continue;
		}
		start[nwords] = i;
		while (orig[i] && !is_sep(orig[i]))
			i++;
		len[nwords] = i - start[nwords];
		nwords++;
	}

	/* A smaller array too, so the limit is met often. */
	int max = size > 0 && data[0] & 1 ? 3 : CONTROL_MAX_ARGS;
	int argc = control_split(line, argv, max);
	if (nwords > (size_t)max) {
		CHECK(argc == -1);
		goto out;
	}
	CHECK(argc == (int)nwords);
	for (int i = 0; i < argc; i++) {
		CHECK(argv[i] == line + start[i]);
		CHECK(strlen(argv[i]) == len[i] && memcmp(argv[i], orig + start[i], len[i]) == 0);
	}

	if (argc > 0) {
		const struct control_verb *v = control_find_verb(argv[0]), *t;
		for (t = control_verbs; t->name && strcmp(t->name, argv[0]) != 0; t++)
			;
		CHECK(v == (t->name ? t : NULL));
		CHECK(!v || (v->usage && v->help && v->help[0]));
	}

	struct sbuf b = { 0 };
	/* As vipd answers an unknown verb, then the words as JSON. */
	sbuf_printf(&b, "error: unknown command '%s'\n", argc > 0 ? argv[0] : "");
	size_t head = b.len;
	sbuf_printf(&b, "[");
	for (int i = 0; i < argc; i++) {
		sbuf_printf(&b, "%s", i ? "," : "");
		sbuf_json_string(&b, argv[i]);
	}
	sbuf_printf(&b, "]");
	CHECK(!b.oom && b.data && b.len < b.cap && strlen(b.data) == b.len);
	const char *p = b.data + head;
	CHECK(*p++ == '[');
	for (int i = 0; i < argc; i++) {
		if (i)
			CHECK(*p++ == ',');
		check_json(&p, argv[i]);
	}
	CHECK(p[0] == ']' && p[1] == '\0');
	sbuf_free(&b);
	CHECK(!b.data && !b.len && !b.cap);

	/* The whole input, NULs and all, grows the buffer past its first size. */
	for (size_t i = 0; i < size; i += 256)
		sbuf_printf(&b, "%.*s|", (int)(size - i < 256 ? size - i : 256), (const char *)data + i);
	CHECK(!b.oom && (size == 0 || b.data) && (!b.data || strlen(b.data) == b.len));
	sbuf_free(&b);
out:
	free(line);
	free(orig);
	return 0;
}
