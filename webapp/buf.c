/* buf.c - growable NUL-terminated byte buffer with sticky out-of-memory. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define BUF_MIN_CAP 64

/* Make room for `extra` more bytes plus the terminating NUL. */
static int buf_reserve(struct buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->oom)
		return -1;
	if (extra > SIZE_MAX - 1 - b->len)
		goto fail;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : BUF_MIN_CAP;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	p = realloc(b->p, cap);
	if (!p)
		goto fail;
	b->p = p;
	b->cap = cap;
	return 0;
fail:
	b->oom = 1;
	return -1;
}

void buf_add(struct buf *b, const char *s, size_t n)
{
	/* n == 0 must not touch s: callers may pass NULL with no bytes. */
	if (n == 0 || buf_reserve(b, n) < 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	size_t room;
	int n;

	if (b->oom)
		return;
	room = b->cap > b->len ? b->cap - b->len : 0;
	va_copy(ap2, ap);
	n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		/* Only an encoding error gets here; the page cannot be trusted. */
		b->oom = 1;
		return;
	}
	if ((size_t)n >= room) {
		if (buf_reserve(b, (size_t)n) < 0)
			return;
		va_copy(ap2, ap);
		vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap2);
		va_end(ap2);
	}
	b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

const char *buf_str(const struct buf *b)
{
	return b->p ? b->p : "";
}

int buf_failed(const struct buf *b)
{
	return b->oom;
}

/* Reset clears the out-of-memory flag as well: the partial contents that
 * made it meaningful are gone, so the buffer is usable again. */
void buf_reset(struct buf *b)
{
	b->len = 0;
	b->oom = 0;
	if (b->p)
		b->p[0] = '\0';
}

void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->oom = 0;
}

char *buf_steal(struct buf *b)
{
	char *p;

	if (b->oom) {
		/* A truncated page must never be served as if it were whole. */
		buf_free(b);
		return NULL;
	}
	p = b->p ? b->p : strdup("");
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}
