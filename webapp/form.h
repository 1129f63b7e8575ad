/* form.h - query strings, urlencoded bodies and cookies (pure parsing). */
#ifndef NEWSD_FORM_H
#define NEWSD_FORM_H

#include <stddef.h>

struct form_field {
	char *key;
	char *val;   /* decoded, NUL-terminated */
	size_t vlen;
};

struct form {
	struct form_field *f;
	size_t n, cap;
};

#define FORM_INIT { NULL, 0, 0 }

/* Parse "a=1&b=x%20y" (query string or application/x-www-form-urlencoded
 * body) and append its fields. Empty pairs are skipped; a key without '='
 * has the value "". -1 (and err set) for a malformed escape, a NUL byte,
 * invalid text (see text_valid), an empty or over-64-byte key, or when the
 * form would hold more than max_fields fields in all (earlier calls
 * included); the form keeps what it had. */
int form_parse(struct form *fm, const char *s, size_t len, size_t max_fields,
	       char *err, size_t errlen);
/* The first value for key, or NULL. */
const char *form_get(const struct form *fm, const char *key);
void form_free(struct form *fm);

/* The value of cookie `name` in a Cookie header ("a=1; auth=xyz"), copied
 * into out. 0 when found and it fits, -1 otherwise. */
int cookie_get(const char *header, const char *name, char *out, size_t outlen);

/* Strict decimal integer: optional '-', digits only, no overflow.
 * 0 on success, -1 otherwise. */
int parse_long(const char *s, long *out);

#endif
