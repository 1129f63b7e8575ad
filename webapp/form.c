/* form.c - query strings, urlencoded bodies and cookies. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "form.h"

#define FORM_KEY_MAX 64

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int form_grow(struct form *fm, size_t want)
{
	struct form_field *f;
	size_t cap;

	if (want <= fm->cap)
		return 0;
	cap = fm->cap ? fm->cap : 8;
	while (cap < want)
		cap *= 2;
	if (cap > SIZE_MAX / sizeof(*f))
		return -1;
	f = realloc(fm->f, cap * sizeof(*f));
	if (!f)
		return -1;
	fm->f = f;
	fm->cap = cap;
	return 0;
}

static int key_decode(char *key, size_t raw, char *err, size_t errlen)
{
	long n = url_decode(key, raw);

	if (n < 0) {
		set_err(err, errlen, "malformed %%-escape in a field name");
		return -1;
	}
	key[n] = '\0';
	if (n == 0) {
		set_err(err, errlen, "empty field name");
		return -1;
	}
	if (n > FORM_KEY_MAX) {
		set_err(err, errlen, "field name too long");
		return -1;
	}
	if (!text_valid(key, (size_t)n)) {
		set_err(err, errlen, "field name is not valid UTF-8 text");
		return -1;
	}
	return (int)n;
}

/* Decode one "key=value" pair into a single allocation holding both
 * strings, so a field is freed with one call and cannot half-exist. */
static int field_decode(struct form_field *fld, const char *p, size_t n, char *err,
			size_t errlen)
{
	const char *eq = memchr(p, '=', n);
	size_t kraw = eq ? (size_t)(eq - p) : n;
	size_t vraw = eq ? n - kraw - 1 : 0;
	char *key = malloc(n + 2);
	long vlen;
	int klen;

	if (!key) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	memcpy(key, p, kraw);
	klen = key_decode(key, kraw, err, errlen);
	if (klen < 0)
		goto fail;
	fld->key = key;
	fld->val = key + klen + 1;
	if (vraw)
		memcpy(fld->val, eq + 1, vraw);
	vlen = url_decode(fld->val, vraw);
	if (vlen < 0) {
		set_err(err, errlen, "malformed %%-escape in field %s", key);
		goto fail;
	}
	fld->val[vlen] = '\0';
	fld->vlen = (size_t)vlen;
	if (!text_valid(fld->val, fld->vlen)) {
		set_err(err, errlen, "field %s is not valid UTF-8 text", key);
		goto fail;
	}
	return 0;
fail:
	free(key);
	return -1;
}

int form_parse(struct form *fm, const char *s, size_t len, size_t max_fields,
	       char *err, size_t errlen)
{
	size_t start = fm->n, pos = 0;

	while (pos < len) {
		const char *amp = memchr(s + pos, '&', len - pos);
		size_t n = amp ? (size_t)(amp - (s + pos)) : len - pos;

		if (n > 0) {
			if (fm->n >= max_fields) {
				set_err(err, errlen, "too many fields");
				goto fail;
			}
			if (form_grow(fm, fm->n + 1) < 0) {
				set_err(err, errlen, "out of memory");
				goto fail;
			}
			if (field_decode(&fm->f[fm->n], s + pos, n, err, errlen) < 0)
				goto fail;
			fm->n++;
		}
		pos += n + 1;
	}
	return 0;
fail:
	/* All or nothing: a half-parsed form would act on partial input. */
	while (fm->n > start)
		free(fm->f[--fm->n].key);
	return -1;
}

const char *form_get(const struct form *fm, const char *key)
{
	for (size_t i = 0; i < fm->n; i++)
		if (strcmp(fm->f[i].key, key) == 0)
			return fm->f[i].val;
	return NULL;
}

void form_free(struct form *fm)
{
	for (size_t i = 0; i < fm->n; i++)
		free(fm->f[i].key);
	free(fm->f);
	fm->f = NULL;
	fm->n = 0;
	fm->cap = 0;
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *trim_ws(const char *p, const char *end)
{
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return end;
}

static int cookie_copy(const char *v, const char *end, char *out, size_t outlen)
{
	size_t n;

	if (end - v >= 2 && v[0] == '"' && end[-1] == '"') {
		v++;
		end--;
	}
	n = (size_t)(end - v);
	if (n >= outlen)
		return -1;
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

int cookie_get(const char *header, const char *name, char *out, size_t outlen)
{
	const char *p = header, *hend = header + strlen(header);
	size_t nlen = strlen(name);

	if (nlen == 0)
		return -1;
	while (p < hend) {
		const char *semi = memchr(p, ';', (size_t)(hend - p));
		const char *end = semi ? semi : hend;
		const char *k = skip_ws(p, end);
		const char *eq = memchr(k, '=', (size_t)(end - k));

		if (eq && (size_t)(trim_ws(k, eq) - k) == nlen && memcmp(k, name, nlen) == 0)
			return cookie_copy(skip_ws(eq + 1, end), trim_ws(eq + 1, end), out,
					   outlen);
		p = end + 1;
	}
	return -1;
}

int parse_long(const char *s, long *out)
{
	const char *d = s[0] == '-' ? s + 1 : s;
	char *end;
	long v;

	/* strtol alone would take spaces, '+', "0x" and an empty string. */
	if (!isdigit((unsigned char)*d))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno == ERANGE || *end != '\0')
		return -1;
	*out = v;
	return 0;
}
