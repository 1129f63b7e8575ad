/* conf.h - configuration files in libconfuse syntax, with every problem
 * reported the same way by every program: "FILE:LINE: message", all of
 * them in one run, in line order.
 *
 * libconfuse does the syntax only. Every option is declared with CONF_KEY
 * or CONF_LIST: a pointer option whose parse callback keeps the text as
 * written together with its line (libconfuse records no line per option,
 * but the callback runs while the lexer still stands on the value). The
 * program then types, range-checks and defaults the values with the
 * conf_get_* helpers, over the whole tree, so that one run reports every
 * problem with its line instead of stopping at the first. */
#ifndef LIB_CONF_H
#define LIB_CONF_H

#include <confuse.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest piece of a value quoted back in a message. */
#define CONF_SHOW_MAX 80

/* A value as the file wrote it, and where. */
struct conf_val {
	int line;
	char text[];
};

struct conf_msg;

struct conf_ctx {
	const char *path;
	/* Messages made inside a section named scope_section (vipd: "vip")
	 * start with: scope_section "TITLE": ; scope is that title, printable,
	 * while such a section is being checked, NULL elsewhere. */
	const char *scope_section;
	const char *scope;
	char *text; /* the file as parsed (comments blanked), until conf_flush() */
	struct conf_msg *msgs;
	size_t nmsgs, cap;
	bool oom; /* a message was lost: say so rather than nothing */
};

int conf_val_parse(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result);
int conf_section_line_parse(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result);

/* libconfuse reads "a|b" as option b of section a, so no file can set
 * this name: it only catches the line of a section's opening brace. */
#define CONF_SECTION_LINE_KEY "conf|section-line"

#define CONF_KEY(name) CFG_PTR_CB(name, NULL, CFGF_NONE, conf_val_parse, free)
#define CONF_LIST(name) CFG_PTR_LIST_CB(name, NULL, CFGF_NONE, conf_val_parse, free)
/* Put in a section's options to make conf_section_line() work for it. */
#define CONF_SECTION_LINE CFG_PTR_CB(CONF_SECTION_LINE_KEY, "0", CFGF_NONE, conf_section_line_parse, NULL)

/* The line of a section's opening brace, 0 if it has no CONF_SECTION_LINE. */
int conf_section_line(cfg_t *sec);

/* Read c->path (at most max_bytes) and parse it with opts. The tree, or
 * NULL with the reasons recorded in c. Free the tree with cfg_free(). */
cfg_t *conf_parse_file(struct conf_ctx *c, cfg_opt_t *opts, size_t max_bytes);

/* Record a problem at line (0: the whole file). */
void conf_msg(struct conf_ctx *c, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "KEY = VALUE: PROBLEM"; quoted marks a string-valued key. */
void conf_bad_value(struct conf_ctx *c, const char *key, const struct conf_val *v, bool quoted,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* "KEY "ELEMENT": PROBLEM", for one element of a list-valued key. */
void conf_bad_elem(struct conf_ctx *c, const char *key, const struct conf_val *v, const char *fmt,
		   ...) __attribute__((format(printf, 4, 5)));
/* Whether anything was recorded. */
bool conf_failed(const struct conf_ctx *c);
/* Write the problems into err, one a line, in line order (a stable sort:
 * problems on one line keep the order they were found in), and free them
 * and the file's text. err is "" when there were none. Call it once a load
 * is over, whatever its outcome. */
void conf_flush(struct conf_ctx *c, char *err, size_t errlen);

/* Text fit for a one-line message: control characters escaped, long text
 * cut, and for quoting, quotes and backslashes escaped as in the file. */
const char *conf_show(const char *s, bool quoting, char *buf, size_t size);

/* The line where the file last sets key, for the one thing that carries no
 * value of its own to hold a line: a list set empty ("key = { }").
 * 0 when not found. */
int conf_key_line(const struct conf_ctx *c, const char *key);

/* Whether the file sets key to an empty list. */
bool conf_list_set_empty(cfg_t *sec, const char *key);

/* The value of a single-valued key, NULL if the file does not set it. */
const struct conf_val *conf_scalar(cfg_t *sec, const char *key);

/* Decimal integer with an optional sign; out-of-range magnitudes clamp,
 * which is enough for a range check. */
bool conf_parse_long(const char *s, long *out);
/* A decimal number ("1", "0.25", ".5", "-3") in billionths, exactly and
 * whatever the locale. */
bool conf_parse_nanos(const char *s, long long *out);
/* true/yes/on or false/no/off, any case. */
bool conf_parse_bool(const char *s, bool *out);

/* The getters check the key's value and store it in *out; they leave *out
 * alone when the file does not set the key, so *out holds the default. */
void conf_get_int(struct conf_ctx *c, cfg_t *sec, const char *key, long min, long max, long *out);
/* A decimal number within min..max, exact to nine decimals. */
void conf_get_double(struct conf_ctx *c, cfg_t *sec, const char *key, double min, double max,
		     double *out);
/* A duration in seconds, stored in units of unit_ns rounded to the nearest
 * (half up); range names the allowed seconds for the message. */
void conf_get_seconds(struct conf_ctx *c, cfg_t *sec, const char *key, long long unit_ns,
		      long long min, long long max, const char *range, uint32_t *out);
void conf_get_bool(struct conf_ctx *c, cfg_t *sec, const char *key, bool *out);

struct conf_choice {
	const char *name;
	int value;
	bool supported;
};
void conf_get_choice(struct conf_ctx *c, cfg_t *sec, const char *key, const struct conf_choice *tab,
		     size_t n, int *out);

#endif
