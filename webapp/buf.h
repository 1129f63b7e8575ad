/* buf.h - a growable byte buffer, always NUL-terminated.
 *
 * Out of memory is sticky: later appends do nothing and buf_failed()
 * says so, so callers build a whole page and check once. */
#ifndef NEWSD_BUF_H
#define NEWSD_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *p;      /* NUL-terminated; NULL until the first append */
	size_t len;
	size_t cap;
	int oom;
};

#define BUF_INIT { NULL, 0, 0, 0 }

void buf_add(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* The contents ("" when empty), valid until the next append. */
const char *buf_str(const struct buf *b);
int buf_failed(const struct buf *b);
void buf_reset(struct buf *b); /* length 0, memory kept, oom cleared */
void buf_free(struct buf *b);
/* Hand the heap string to the caller (never NULL unless out of memory);
 * the buffer is left empty. After an out-of-memory the partial contents
 * are freed and NULL is returned. */
char *buf_steal(struct buf *b);

#endif
