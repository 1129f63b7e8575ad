/* conf.c - see conf.h. */
#include "conf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conftext.h"

/* One problem; they are sorted by line before they are reported. */
struct conf_msg {
	int line;
	char *text;
};

/* ---- messages ---------------------------------------------------------- */

static void conf_vmsg(struct conf_ctx *c, int line, const char *fmt, va_list ap)
{
	char body[512];
	char *text = NULL;
	int n;

	vsnprintf(body, sizeof(body), fmt, ap);
	if (c->nmsgs == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 8;
		struct conf_msg *m = realloc(c->msgs, cap * sizeof(*m));
		if (!m) {
			c->oom = true;
			return;
		}
		c->msgs = m;
		c->cap = cap;
	}
	if (line > 0 && c->scope)
		n = asprintf(&text, "%s:%d: %s \"%s\": %s", c->path, line, c->scope_section, c->scope, body);
	else if (line > 0)
		n = asprintf(&text, "%s:%d: %s", c->path, line, body);
	else
		n = asprintf(&text, "%s: %s", c->path, body);
	if (n < 0) {
		c->oom = true;
		return;
	}
	c->msgs[c->nmsgs].line = line;
	c->msgs[c->nmsgs].text = text;
	c->nmsgs++;
}

void conf_msg(struct conf_ctx *c, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_vmsg(c, line, fmt, ap);
	va_end(ap);
}

bool conf_failed(const struct conf_ctx *c)
{
	return c->nmsgs > 0 || c->oom;
}

void conf_flush(struct conf_ctx *c, char *err, size_t errlen)
{
	size_t len = 0;

	/* Insertion sort: stable, and a file has a handful of problems. */
	for (size_t i = 1; i < c->nmsgs; i++) {
		struct conf_msg m = c->msgs[i];
		size_t j = i;
		while (j > 0 && c->msgs[j - 1].line > m.line) {
			c->msgs[j] = c->msgs[j - 1];
			j--;
		}
		c->msgs[j] = m;
	}
	if (err && errlen)
		err[0] = '\0';
	for (size_t i = 0; i < c->nmsgs + (c->oom ? 1 : 0); i++) {
		const char *t = i < c->nmsgs ? c->msgs[i].text : "out of memory: some problems not shown";
		if (err && errlen > len + 1) {
			int n = snprintf(err + len, errlen - len, "%s%s", len ? "\n" : "", t);
			len += n > 0 ? (size_t)n : 0;
			if (len >= errlen)
				len = errlen - 1;
		}
		if (i < c->nmsgs)
			free(c->msgs[i].text);
	}
	free(c->msgs);
	c->msgs = NULL;
	c->nmsgs = c->cap = 0;
	c->oom = false;
	free(c->text);
	c->text = NULL;
}

const char *conf_show(const char *s, bool quoting, char *buf, size_t size)
{
	size_t o = 0;

	for (; *s && o + 8 < size; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch < 0x20 || ch == 0x7f)
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", ch);
		else if (quoting && (ch == '"' || ch == '\\'))
			o += (size_t)snprintf(buf + o, size - o, "\\%c", ch);
		else
			buf[o++] = (char)ch;
	}
	if (*s)
		o += (size_t)snprintf(buf + o, size - o, "...");
	buf[o] = '\0';
	return buf;
}

void conf_bad_value(struct conf_ctx *c, const char *key, const struct conf_val *v, bool quoted,
		    const char *fmt, ...)
{
	char problem[256], shown[CONF_SHOW_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	conf_msg(c, v->line, quoted ? "%s = \"%s\": %s" : "%s = %s: %s", key,
		 conf_show(v->text, quoted, shown, sizeof(shown)), problem);
}

void conf_bad_elem(struct conf_ctx *c, const char *key, const struct conf_val *v, const char *fmt, ...)
{
	char problem[256], shown[CONF_SHOW_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	conf_msg(c, v->line, "%s \"%s\": %s", key, conf_show(v->text, true, shown, sizeof(shown)),
		 problem);
}

/* ---- libconfuse glue --------------------------------------------------- */

int conf_val_parse(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	size_t n = strlen(value);
	struct conf_val *v = malloc(sizeof(*v) + n + 1);

	(void)opt;
	if (!v) {
		cfg_error(cfg, "out of memory");
		return -1;
	}
	v->line = cfg->line;
	memcpy(v->text, value, n + 1);
	*(struct conf_val **)result = v;
	return 0;
}

/* libconfuse parses a section's option defaults when it creates the
 * section, while cfg->line is still the line of its opening brace: the
 * section-line option exists only to catch that moment. The line is the
 * stored pointer itself, so recording it cannot fail (libconfuse aborts
 * when a default does not parse). */
int conf_section_line_parse(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	(void)opt;
	(void)value;
	*(void **)result = (void *)(intptr_t)cfg->line;
	return 0;
}

int conf_section_line(cfg_t *sec)
{
	for (unsigned i = 0; sec->opts[i].name; i++)
		if (strcmp(sec->opts[i].name, CONF_SECTION_LINE_KEY) == 0 && cfg_opt_size(&sec->opts[i]))
			return (int)(intptr_t)cfg_opt_getnptr(&sec->opts[i], 0);
	return 0;
}

/* libconfuse's error callback carries no user pointer. Its lexer is one
 * global, so parsing is not reentrant anyway; this is set only inside
 * conf_parse_file(). */
static struct conf_ctx *conf_current;

static void conf_confuse_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	char text[256], shown[CONF_SHOW_MAX], title[CONF_SHOW_MAX];
	struct conf_ctx *c = conf_current;

	vsnprintf(text, sizeof(text), fmt, ap);
	if (!c) {
		fprintf(stderr, "%s\n", text);
		return;
	}
	const char *saved = c->scope;
	int line = cfg && cfg->line > 0 ? cfg->line : 0;
	bool scoped = c->scope_section && cfg && cfg->name && strcmp(cfg->name, c->scope_section) == 0;
	/* Name the section the lexer stands in: a scope section (a vip), or
	 * one of the sections inside or beside them. */
	c->scope = NULL;
	if (cfg && cfg->title && cfg->name && !scoped)
		conf_msg(c, line, "%s \"%s\": %s", cfg->name,
			 conf_show(cfg->title, true, title, sizeof(title)),
			 conf_show(text, false, shown, sizeof(shown)));
	else {
		c->scope = cfg && cfg->title ? conf_show(cfg->title, true, title, sizeof(title)) : NULL;
		conf_msg(c, line, "%s", conf_show(text, false, shown, sizeof(shown)));
	}
	c->scope = saved;
}

static int conf_parse_text(struct conf_ctx *c, cfg_t *cfg, char *text, size_t len)
{
	FILE *f;
	int rc;

	/* fmemopen() refuses an empty buffer on some libcs; an empty file is
	 * a valid, empty configuration. */
	if (len == 0)
		return 0;
	f = fmemopen(text, len, "r");
	if (!f) {
		conf_msg(c, 0, "cannot parse: %s", strerror(errno));
		return -1;
	}
	conf_current = c;
	rc = cfg_parse_fp(cfg, f);
	conf_current = NULL;
	fclose(f);
	if (rc == CFG_SUCCESS)
		return 0;
	if (!conf_failed(c))
		conf_msg(c, 0, "cannot parse");
	return -1;
}

cfg_t *conf_parse_file(struct conf_ctx *c, cfg_opt_t *opts, size_t max_bytes)
{
	size_t len;
	int line;
	char why[256];
	char *text = conftext_read(c->path, max_bytes, &len, &line, why, sizeof(why));
	cfg_t *cfg;

	if (!text) {
		conf_msg(c, line, "%s", why);
		return NULL;
	}
	cfg = cfg_init(opts, CFGF_NONE);
	if (cfg) {
		cfg->filename = strdup(c->path);
		cfg_set_error_function(cfg, conf_confuse_error);
	}
	if (!cfg || !cfg->filename)
		conf_msg(c, 0, "out of memory");
	else if (conf_parse_text(c, cfg, text, len) == 0) {
		free(c->text);
		c->text = text;
		return cfg;
	}
	if (cfg)
		cfg_free(cfg);
	free(text);
	return NULL;
}

int conf_key_line(const struct conf_ctx *c, const char *key)
{
	size_t k = strlen(key);
	int line = 1, found = 0;

	if (!c->text)
		return 0;
	for (const char *p = c->text; *p; p++) {
		if (*p == '\n')
			line++;
		else if ((p == c->text || strchr(" \t\n{}", p[-1])) && strncmp(p, key, k) == 0 &&
			 p[k] && strchr(" \t=+", p[k]))
			found = line;
	}
	return found;
}

bool conf_list_set_empty(cfg_t *sec, const char *key)
{
	cfg_opt_t *opt = cfg_getopt(sec, key);

	return opt && (opt->flags & CFGF_MODIFIED) && cfg_opt_size(opt) == 0;
}

const struct conf_val *conf_scalar(cfg_t *sec, const char *key)
{
	cfg_opt_t *opt = cfg_getopt(sec, key);

	return opt && cfg_opt_size(opt) ? cfg_opt_getnptr(opt, 0) : NULL;
}

/* ---- values ------------------------------------------------------------ */

bool conf_parse_long(const char *s, long *out)
{
	bool neg = *s == '-';
	long n = 0;

	if (*s == '-' || *s == '+')
		s++;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (n < 1000000000L)
			n = n * 10 + (*s - '0');
	}
	*out = neg ? -n : n;
	return true;
}

/* Digits beyond the ninth decimal are dropped: that cannot move a value
 * across a rounding tie of the units callers store (ms, cs), which are
 * whole nanoseconds. */
bool conf_parse_nanos(const char *s, long long *out)
{
	bool neg = *s == '-';
	long long whole = 0, frac = 0;
	int ndigits = 0, nfrac = 0;

	if (*s == '-' || *s == '+')
		s++;
	/* Past 10^9 nothing is in range: the value is held there, so that
	 * whole * 10^9 cannot overflow (found by fuzz_config). */
	for (; *s >= '0' && *s <= '9'; s++, ndigits++)
		if (whole < 1000000000LL)
			whole = whole * 10 + (*s - '0') > 1000000000LL ? 1000000000LL : whole * 10 + (*s - '0');
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, ndigits++, nfrac++)
			if (nfrac < 9)
				frac = frac * 10 + (*s - '0');
	if (*s || ndigits == 0)
		return false;
	for (int i = nfrac; i < 9; i++)
		frac *= 10;
	*out = (neg ? -1 : 1) * (whole * 1000000000LL + frac);
	return true;
}

bool conf_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" }, *const no[] = { "false", "no", "off" };

	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0 || strcasecmp(s, no[i]) == 0) {
			*out = strcasecmp(s, yes[i]) == 0;
			return true;
		}
	}
	return false;
}

void conf_get_int(struct conf_ctx *c, cfg_t *sec, const char *key, long min, long max, long *out)
{
	const struct conf_val *v = conf_scalar(sec, key);
	long n;

	if (!v)
		return;
	if (!conf_parse_long(v->text, &n))
		conf_bad_value(c, key, v, false, "not an integer");
	else if (n < min || n > max)
		conf_bad_value(c, key, v, false, "must be %ld..%ld", min, max);
	else
		*out = n;
}

void conf_get_double(struct conf_ctx *c, cfg_t *sec, const char *key, double min, double max,
		     double *out)
{
	const struct conf_val *v = conf_scalar(sec, key);
	long long ns;
	double d;

	if (!v)
		return;
	if (!conf_parse_nanos(v->text, &ns)) {
		conf_bad_value(c, key, v, false, "not a number");
		return;
	}
	d = (double)ns / 1e9;
	if (d < min || d > max)
		conf_bad_value(c, key, v, false, "must be %g..%g", min, max);
	else
		*out = d;
}

void conf_get_seconds(struct conf_ctx *c, cfg_t *sec, const char *key, long long unit_ns,
		      long long min, long long max, const char *range, uint32_t *out)
{
	const struct conf_val *v = conf_scalar(sec, key);
	long long ns, units;

	if (!v)
		return;
	if (!conf_parse_nanos(v->text, &ns)) {
		conf_bad_value(c, key, v, false, "not a number of seconds");
		return;
	}
	units = ns < 0 ? -1 : (ns + unit_ns / 2) / unit_ns;
	if (units < min || units > max)
		conf_bad_value(c, key, v, false, "must be %s seconds", range);
	else
		*out = (uint32_t)units;
}

void conf_get_bool(struct conf_ctx *c, cfg_t *sec, const char *key, bool *out)
{
	const struct conf_val *v = conf_scalar(sec, key);

	if (v && !conf_parse_bool(v->text, out))
		conf_bad_value(c, key, v, false, "must be true or false");
}

void conf_get_choice(struct conf_ctx *c, cfg_t *sec, const char *key, const struct conf_choice *tab,
		     size_t n, int *out)
{
	const struct conf_val *v = conf_scalar(sec, key);
	char list[128] = "";

	if (!v)
		return;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v->text, tab[i].name) == 0) {
			if (tab[i].supported)
				*out = tab[i].value;
			else
				conf_bad_value(c, key, v, true, "not supported by this version");
			return;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
			 tab[i].name);
	}
	conf_bad_value(c, key, v, true, "must be one of %s", list);
}
