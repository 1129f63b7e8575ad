/* config.c - vipd.conf: libconfuse syntax, validated into struct vipd_config.
 *
 * libconfuse does the syntax only. Every option is declared CFGT_PTR with
 * a parse callback that keeps the text as written together with its line:
 * libconfuse records no line per option, but the callback runs while the
 * lexer still stands on the value. Typing, ranges and defaults are then
 * applied here, over the whole tree, so that one run reports every problem
 * with its line instead of stopping at the first. */
#include "config.h"
#include "conftext.h"

#include <confuse.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CONFIG_MAX_BYTES (1024 * 1024)
#define CONFIG_MAX_ADDRS 255
#define SHOW_MAX 80

/* A value as the file wrote it, and where. */
struct cval {
	int line;
	char text[];
};

/* One problem; they are sorted by line before they are reported. */
struct msg {
	int line;
	char *text;
};

struct ctx {
	const char *path;
	struct msg *msgs;
	size_t nmsgs, cap;
	bool oom;          /* a message was lost: say so rather than nothing */
	const char *vip;   /* instance being checked (printable), NULL at top level */
};

/* What the cross-instance checks need to point back into the file. */
struct vip_src {
	int vrid_line;
	const struct cval **addr;  /* parallel to vip_config.addrs */
};

/* ---- messages ---------------------------------------------------------- */

static void add_msg(struct ctx *c, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add_msg(struct ctx *c, int line, const char *fmt, ...)
{
	char body[512];
	char *text = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	if (c->nmsgs == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 8;
		struct msg *m = realloc(c->msgs, cap * sizeof(*m));
		if (!m) {
			c->oom = true;
			return;
		}
		c->msgs = m;
		c->cap = cap;
	}
	if (line > 0 && asprintf(&text, "%s:%d: %s%s%s%s", c->path, line,
				 c->vip ? "vip \"" : "", c->vip ? c->vip : "",
				 c->vip ? "\": " : "", body) < 0)
		text = NULL;
	else if (line <= 0 && asprintf(&text, "%s: %s", c->path, body) < 0)
		text = NULL;
	if (!text) {
		c->oom = true;
		return;
	}
	c->msgs[c->nmsgs].line = line;
	c->msgs[c->nmsgs].text = text;
	c->nmsgs++;
}

/* Write the messages into err, in line order, and free them. */
static void flush_msgs(struct ctx *c, char *err, size_t errlen)
{
	size_t len = 0;

	/* Insertion sort: stable, so problems on one line keep the order in
	 * which they were found, and a file has a handful of them. */
	for (size_t i = 1; i < c->nmsgs; i++) {
		struct msg m = c->msgs[i];
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
}

/* Text fit for a one-line message: control characters escaped, long text
 * cut, and for quoting, quotes and backslashes escaped as in the file. */
static const char *show(const char *s, bool quoting, char *buf, size_t size)
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

/* "KEY = VALUE: PROBLEM"; quoted marks a string-valued key. */
static void bad_value(struct ctx *c, const char *key, const struct cval *v, bool quoted,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void bad_value(struct ctx *c, const char *key, const struct cval *v, bool quoted,
		      const char *fmt, ...)
{
	char problem[256], shown[SHOW_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	add_msg(c, v->line, quoted ? "%s = \"%s\": %s" : "%s = %s: %s", key,
		show(v->text, quoted, shown, sizeof(shown)), problem);
}

/* ---- libconfuse glue --------------------------------------------------- */

static int cval_parse(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	size_t n = strlen(value);
	struct cval *v = malloc(sizeof(*v) + n + 1);

	(void)opt;
	if (!v) {
		cfg_error(cfg, "out of memory");
		return -1;
	}
	v->line = cfg->line;
	memcpy(v->text, value, n + 1);
	*(struct cval **)result = v;
	return 0;
}

/* libconfuse parses a section's option defaults when it creates the
 * section, while cfg->line is still the line of its opening brace: this
 * option exists only to catch that moment. The line is the stored pointer
 * itself, so recording it cannot fail (libconfuse aborts when a default
 * does not parse). libconfuse reads "a|b" as option b of section a, so no
 * config file can reach this name. */
#define SECTION_LINE_KEY "vipd|section-line"

static int section_line_parse(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	(void)opt;
	(void)value;
	*(void **)result = (void *)(intptr_t)cfg->line;
	return 0;
}

static int section_line(cfg_t *sec)
{
	for (unsigned i = 0; sec->opts[i].name; i++)
		if (strcmp(sec->opts[i].name, SECTION_LINE_KEY) == 0 && cfg_opt_size(&sec->opts[i]))
			return (int)(intptr_t)cfg_opt_getnptr(&sec->opts[i], 0);
	return 0;
}

#define KEY(name) CFG_PTR_CB(name, NULL, CFGF_NONE, cval_parse, free)
#define LIST(name) CFG_PTR_LIST_CB(name, NULL, CFGF_NONE, cval_parse, free)

/* What every checked track takes besides its target (track_common()). */
#define TRACK_KEYS                                                              \
	KEY("interval"), KEY("timeout"), KEY("rise"), KEY("fall"), KEY("weight"), KEY("fault"), \
	CFG_PTR_CB(SECTION_LINE_KEY, "0", CFGF_NONE, section_line_parse, NULL), CFG_END()

static cfg_opt_t track_http_opts[] = { KEY("url"), KEY("expect"), TRACK_KEYS };
static cfg_opt_t track_script_opts[] = { KEY("command"), TRACK_KEYS };

static cfg_opt_t group_opts[] = {
	LIST("members"),
	CFG_PTR_CB(SECTION_LINE_KEY, "0", CFGF_NONE, section_line_parse, NULL),
	CFG_END()
};

static cfg_opt_t vip_opts[] = {
	KEY("interface"),
	KEY("vrid"),
	KEY("priority"),
	KEY("advert_interval"),
	KEY("preempt"),
	KEY("preempt_delay"),
	KEY("protocol"),
	LIST("address"),
	LIST("unicast_peers"),
	KEY("checksum_mode"),
	KEY("accept_mode"),
	KEY("garp_count"),
	KEY("garp_delay"),
	KEY("password"),
	KEY("advbase"),
	KEY("advskew"),
	KEY("auth_type"),
	LIST("track_interface"),
	CFG_SEC("track_http", track_http_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_SEC("track_script", track_script_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	KEY("wait_for_tracks"),
	KEY("notify"),
	KEY("notify_timeout"),
	KEY("notify_retries"),
	CFG_PTR_CB(SECTION_LINE_KEY, "0", CFGF_NONE, section_line_parse, NULL),
	CFG_END()
};

static cfg_opt_t root_opts[] = {
	KEY("socket"),
	KEY("state_dir"),
	KEY("metrics"),
	CFG_SEC("vip", vip_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_SEC("group", group_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_END()
};

/* libconfuse's error callback carries no user pointer. Its lexer is one
 * global, so parsing is not reentrant anyway; this is set only inside
 * config_load(). */
static struct ctx *confuse_ctx;

static void confuse_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	char text[256], shown[SHOW_MAX], title[SHOW_MAX];
	struct ctx *c = confuse_ctx;

	vsnprintf(text, sizeof(text), fmt, ap);
	if (!c) {
		fprintf(stderr, "%s\n", text);
		return;
	}
	const char *saved = c->vip;
	int line = cfg && cfg->line > 0 ? cfg->line : 0;
	/* Name the section the lexer stands in: a vip, or one of the
	 * sections inside or beside them (track_http, track_script, group). */
	c->vip = NULL;
	if (cfg && cfg->title && cfg->name && strcmp(cfg->name, "vip") != 0)
		add_msg(c, line, "%s \"%s\": %s", cfg->name, show(cfg->title, true, title, sizeof(title)),
			show(text, false, shown, sizeof(shown)));
	else {
		c->vip = cfg && cfg->title ? show(cfg->title, true, title, sizeof(title)) : NULL;
		add_msg(c, line, "%s", show(text, false, shown, sizeof(shown)));
	}
	c->vip = saved;
}

/* The value of a single-valued key, NULL if the file does not set it. */
static const struct cval *scalar(cfg_t *sec, const char *key)
{
	cfg_opt_t *opt = cfg_getopt(sec, key);

	return opt && cfg_opt_size(opt) ? cfg_opt_getnptr(opt, 0) : NULL;
}

/* ---- values ------------------------------------------------------------ */

/* Decimal integer with an optional sign. Out-of-range magnitudes clamp,
 * which is enough for a range check. */
static bool parse_long(const char *s, long *out)
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

/* Seconds as written ("1", "0.25", ".5") in nanoseconds, exactly and
 * whatever the locale (strtod would want "0,5" in some). Digits beyond the
 * ninth decimal are dropped: that cannot move a value across a rounding
 * tie of the units we store (ms, cs), which are whole nanoseconds. */
static bool parse_nanos(const char *s, long long *out)
{
	bool neg = *s == '-';
	long long whole = 0, frac = 0;
	int ndigits = 0, nfrac = 0;

	if (*s == '-' || *s == '+')
		s++;
	/* Past 10^9 seconds nothing is in range: the value is held there, so
	 * that whole * 10^9 cannot overflow (found by fuzz_config). */
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

static bool parse_bool(const char *s, bool *out)
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

/* The getters leave *out alone when the key is not set. */
static void get_int(struct ctx *c, cfg_t *sec, const char *key, long min, long max, long *out)
{
	const struct cval *v = scalar(sec, key);
	long n;

	if (!v)
		return;
	if (!parse_long(v->text, &n))
		bad_value(c, key, v, false, "not an integer");
	else if (n < min || n > max)
		bad_value(c, key, v, false, "must be %ld..%ld", min, max);
	else
		*out = n;
}

/* A duration in seconds, stored in units of unit_ns rounded to the nearest
 * (half up); range names the allowed seconds for the message. */
static void get_seconds(struct ctx *c, cfg_t *sec, const char *key, long long unit_ns,
			long long min, long long max, const char *range, uint32_t *out)
{
	const struct cval *v = scalar(sec, key);
	long long ns, units;

	if (!v)
		return;
	if (!parse_nanos(v->text, &ns)) {
		bad_value(c, key, v, false, "not a number of seconds");
		return;
	}
	units = ns < 0 ? -1 : (ns + unit_ns / 2) / unit_ns;
	if (units < min || units > max)
		bad_value(c, key, v, false, "must be %s seconds", range);
	else
		*out = (uint32_t)units;
}

static void get_bool(struct ctx *c, cfg_t *sec, const char *key, bool *out)
{
	const struct cval *v = scalar(sec, key);

	if (v && !parse_bool(v->text, out))
		bad_value(c, key, v, false, "must be true or false");
}

struct choice {
	const char *name;
	int value;
	bool supported;
};

static void get_choice(struct ctx *c, cfg_t *sec, const char *key, const struct choice *tab,
		       size_t n, int *out)
{
	const struct cval *v = scalar(sec, key);
	char list[128] = "";

	if (!v)
		return;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v->text, tab[i].name) == 0) {
			if (tab[i].supported)
				*out = tab[i].value;
			else
				bad_value(c, key, v, true, "not supported by this version");
			return;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
			 tab[i].name);
	}
	bad_value(c, key, v, true, "must be one of %s", list);
}

static const struct choice protocols[] = {
	{ "vrrp3", VIP_PROTO_VRRP3, true },
	{ "vrrp2", VIP_PROTO_VRRP2, true },
	{ "carp", VIP_PROTO_CARP, true },
};

static const struct choice auth_types[] = {
	{ "pass", 0, true },
	{ "ah", 1, true },
};

static const struct choice cksum_modes[] = {
	{ "pseudo-header", VRRP_CKSUM_PSEUDO, true },
	{ "rfc9568", VRRP_CKSUM_PLAIN, true },
};

/* ---- addresses --------------------------------------------------------- */

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

static bool addr_is_multicast(const struct ipaddr *a)
{
	return a->family == AF_INET ? (a->u.bytes[0] & 0xf0) == 0xe0 : a->u.bytes[0] == 0xff;
}

static bool addr_is_unspecified(const struct ipaddr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->u.bytes, zero, ipaddr_size(a->family)) == 0;
}

static bool addr_is_loopback(const struct ipaddr *a)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };

	return a->family == AF_INET ? a->u.bytes[0] == 127
				    : memcmp(a->u.bytes, v6_loopback, 16) == 0;
}

static bool addr_is_v6_link_local(const struct ipaddr *a)
{
	return a->family == AF_INET6 && a->u.bytes[0] == 0xfe && (a->u.bytes[1] & 0xc0) == 0x80;
}

/* Why a can't be a VIP, NULL if it can. */
static const char *vip_addr_problem(const struct ipaddr *a)
{
	if (addr_is_v6_link_local(a))
		return "an IPv6 link-local address cannot be a VIP";
	if (addr_is_multicast(a) || addr_is_unspecified(a) || addr_is_loopback(a))
		return "not a unicast address";
	return NULL;
}

/* "ELEMENT: PROBLEM" for one element of a list-valued key. */
#define bad_elem(c, key, v, fmt, ...)                                                   \
	do {                                                                                \
		char shown_[SHOW_MAX];                                                      \
		add_msg(c, (v)->line, "%s \"%s\": " fmt, key,                               \
			show((v)->text, true, shown_, sizeof(shown_)), ##__VA_ARGS__);            \
	} while (0)

static void vip_addresses(struct ctx *c, cfg_t *sec, struct vip_config *vc, struct vip_src *src)
{
	cfg_opt_t *opt = cfg_getopt(sec, "address");
	unsigned n = opt ? cfg_opt_size(opt) : 0;

	if (n == 0) {
		add_msg(c, vc->line, "address is required (at least one VIP)");
		return;
	}
	vc->addrs = calloc(n, sizeof(*vc->addrs));
	src->addr = calloc(n, sizeof(*src->addr));
	if (!vc->addrs || !src->addr) {
		add_msg(c, vc->line, "out of memory");
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct cval *v = cfg_opt_getnptr(opt, i);
		struct ipprefix p;
		const char *why;
		char first[IPADDR_STRLEN];

		if (i == CONFIG_MAX_ADDRS) {
			bad_elem(c, "address", v, "more than %d addresses", CONFIG_MAX_ADDRS);
			break;
		}
		if (ipprefix_parse(v->text, &p) < 0) {
			bad_elem(c, "address", v, "not an IP address with an optional /LEN");
			continue;
		}
		if (vc->family && p.addr.family != vc->family) {
			bad_elem(c, "address", v, "%s, but %s is %s: one instance holds one family",
				 family_name(p.addr.family), ipprefix_str(&vc->addrs[0], first),
				 family_name(vc->family));
			continue;
		}
		if ((why = vip_addr_problem(&p.addr)) != NULL) {
			bad_elem(c, "address", v, "%s", why);
			continue;
		}
		bool dup = false;
		for (size_t j = 0; j < vc->naddrs && !dup; j++)
			if (ipaddr_equal(&vc->addrs[j].addr, &p.addr)) {
				bad_elem(c, "address", v, "already listed on line %d", src->addr[j]->line);
				dup = true;
			}
		if (dup)
			continue;
		vc->family = p.addr.family;
		src->addr[vc->naddrs] = v;
		vc->addrs[vc->naddrs++] = p;
	}
}

static void vip_peers(struct ctx *c, cfg_t *sec, struct vip_config *vc)
{
	cfg_opt_t *opt = cfg_getopt(sec, "unicast_peers");
	unsigned n = opt ? cfg_opt_size(opt) : 0;
	int *lines;

	if (n == 0)
		return;
	vc->peers = calloc(n, sizeof(*vc->peers));
	lines = calloc(n, sizeof(*lines));
	if (!vc->peers || !lines) {
		add_msg(c, vc->line, "out of memory");
		free(lines);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct cval *v = cfg_opt_getnptr(opt, i);
		struct ipaddr a;

		if (ipaddr_parse(v->text, &a) < 0) {
			bad_elem(c, "unicast_peers", v, "not an IP address");
			continue;
		}
		if (vc->family && a.family != vc->family) {
			bad_elem(c, "unicast_peers", v, "%s, but the addresses are %s",
				 family_name(a.family), family_name(vc->family));
			continue;
		}
		if (addr_is_multicast(&a) || addr_is_unspecified(&a)) {
			bad_elem(c, "unicast_peers", v, "not a unicast address");
			continue;
		}
		bool dup = false;
		for (size_t j = 0; j < vc->npeers && !dup; j++)
			if (ipaddr_equal(&vc->peers[j], &a)) {
				bad_elem(c, "unicast_peers", v, "already listed on line %d", lines[j]);
				dup = true;
			}
		if (dup)
			continue;
		lines[vc->npeers] = v->line;
		vc->peers[vc->npeers++] = a;
	}
	free(lines);
}

/* ---- tracks and notify -------------------------------------------------- */

static bool valid_name(const char *s);
static bool valid_ifname(const char *s);

const char *config_track_kind(enum track_kind k)
{
	static const char *const names[] = { "interface", "http", "script" };

	return (unsigned)k < 3 ? names[k] : "unknown";
}

/* Free text that is handed to curl or /bin/sh: printable, bounded. */
static bool printable_text(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONFIG_TARGET_MAX)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static struct track_config *track_add(struct ctx *c, struct vip_config *vc, size_t cap,
				      enum track_kind kind, const char *name, int line)
{
	char shown[SHOW_MAX];

	if (!vc->tracks) {
		vc->tracks = calloc(cap, sizeof(*vc->tracks));
		if (!vc->tracks) {
			add_msg(c, line, "out of memory");
			return NULL;
		}
	}
	if (!valid_name(name)) {
		add_msg(c, line, "track \"%s\": the name must be 1..%d characters of A-Z a-z 0-9 _ . -",
			show(name, true, shown, sizeof(shown)), CONFIG_NAME_MAX - 1);
		return NULL;
	}
	for (size_t i = 0; i < vc->ntracks; i++)
		if (strcmp(vc->tracks[i].name, name) == 0) {
			add_msg(c, line, "track \"%s\": the name is taken by the track on line %d (%s)", name,
				vc->tracks[i].line, config_track_kind(vc->tracks[i].kind));
			return NULL;
		}
	struct track_config *t = &vc->tracks[vc->ntracks++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->line = line;
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->interval_ms = 1000;
	t->timeout_ms = 1000;
	t->rise = 2;
	t->fall = 2;
	t->fault = true;
	return t;
}

/* interval, timeout, rise, fall and the effect: weight or fault. */
static void track_common(struct ctx *c, cfg_t *sec, struct track_config *t)
{
	const struct cval *w = scalar(sec, "weight"), *f = scalar(sec, "fault");
	bool fault = true;
	long n;

	get_seconds(c, sec, "interval", 1000000, 10, 3600 * 1000, "0.01..3600", &t->interval_ms);
	get_seconds(c, sec, "timeout", 1000000, 10, 3600 * 1000, "0.01..3600", &t->timeout_ms);
	n = t->rise;
	get_int(c, sec, "rise", 1, 100, &n);
	t->rise = (unsigned)n;
	n = t->fall;
	get_int(c, sec, "fall", 1, 100, &n);
	t->fall = (unsigned)n;
	if (f && !parse_bool(f->text, &fault)) {
		bad_value(c, "fault", f, false, "must be true or false");
		return;
	}
	if (w) {
		n = 0;
		get_int(c, sec, "weight", -254, 254, &n);
		if (n == 0 && parse_long(w->text, &n) && n == 0)
			bad_value(c, "weight", w, false, "must not be 0 (a track that changes nothing)");
		if (f && fault) {
			char shown[SHOW_MAX];
			add_msg(c, f->line, "fault = true and weight = %s: a track has one or the other",
				show(w->text, false, shown, sizeof(shown)));
		}
		t->weight = (int)n;
		t->fault = false;
	} else if (f && !fault) {
		bad_value(c, "fault", f, false, "a track without fault needs a weight");
	}
}

static void track_interfaces(struct ctx *c, cfg_t *sec, struct vip_config *vc, size_t cap)
{
	cfg_opt_t *opt = cfg_getopt(sec, "track_interface");
	unsigned n = opt ? cfg_opt_size(opt) : 0;

	for (unsigned i = 0; i < n; i++) {
		const struct cval *v = cfg_opt_getnptr(opt, i);
		char name[IF_NAMESIZE + 1] = "", word[16] = "", extra[2] = "";
		long weight = 0;
		int k = sscanf(v->text, "%16s %15s %ld %1s", name, word, &weight, extra);

		if (!((k == 1) || (k == 3 && strcmp(word, "weight") == 0))) {
			bad_elem(c, "track_interface", v, "must be \"IFNAME\" or \"IFNAME weight N\"");
			continue;
		}
		if (!valid_ifname(name)) {
			bad_elem(c, "track_interface", v, "not an interface name");
			continue;
		}
		if (k == 3 && (weight == 0 || weight < -254 || weight > 254)) {
			bad_elem(c, "track_interface", v, "the weight must be -254..254 and not 0");
			continue;
		}
		struct track_config *t = track_add(c, vc, cap, TRACK_INTERFACE, name, v->line);
		if (!t)
			continue;
		t->target = strdup(name);
		t->rise = t->fall = 1;
		t->weight = (int)weight;
		t->fault = k == 1;
		if (!t->target)
			add_msg(c, v->line, "out of memory");
	}
}

static void track_sections(struct ctx *c, cfg_t *sec, struct vip_config *vc, size_t cap,
			   enum track_kind kind)
{
	const char *key = kind == TRACK_HTTP ? "track_http" : "track_script";
	const char *what = kind == TRACK_HTTP ? "url" : "command";
	unsigned n = cfg_size(sec, key);

	for (unsigned i = 0; i < n; i++) {
		cfg_t *ts = cfg_getnsec(sec, key, i);
		int line = section_line(ts);
		struct track_config *t = track_add(c, vc, cap, kind, cfg_title(ts), line);
		const struct cval *v = scalar(ts, what);

		if (!t)
			continue;
		track_common(c, ts, t);
		if (!v) {
			add_msg(c, line, "%s %s: %s is required", key, t->name, what);
			continue;
		}
		if (!printable_text(v->text)) {
			bad_value(c, what, v, true, "must be 1..%d printable characters", CONFIG_TARGET_MAX - 1);
			continue;
		}
		if (kind == TRACK_HTTP && strncmp(v->text, "http://", 7) != 0 &&
		    strncmp(v->text, "https://", 8) != 0) {
			bad_value(c, what, v, true, "must start with http:// or https://");
			continue;
		}
		if (kind == TRACK_HTTP) {
			long code = 200;
			get_int(c, ts, "expect", 100, 599, &code);
			t->expect = (int)code;
		}
		t->target = strdup(v->text);
		if (!t->target)
			add_msg(c, line, "out of memory");
	}
}

static void vip_tracking(struct ctx *c, cfg_t *sec, struct vip_config *vc)
{
	cfg_opt_t *ifs = cfg_getopt(sec, "track_interface");
	size_t cap = (ifs ? cfg_opt_size(ifs) : 0) + cfg_size(sec, "track_http") + cfg_size(sec, "track_script");
	const struct cval *v;
	struct stat st;

	if (cap) {
		track_interfaces(c, sec, vc, cap);
		track_sections(c, sec, vc, cap, TRACK_HTTP);
		track_sections(c, sec, vc, cap, TRACK_SCRIPT);
	}
	get_bool(c, sec, "wait_for_tracks", &vc->wait_for_tracks);
	if (vc->wait_for_tracks && !cap)
		add_msg(c, scalar(sec, "wait_for_tracks")->line, "wait_for_tracks = true needs a track to wait for");
	if (vc->priority == 255)
		for (size_t i = 0; i < vc->ntracks; i++)
			if (vc->tracks[i].weight)
				add_msg(c, vc->tracks[i].line,
					"track \"%s\": the address owner's priority (255) never changes: "
					"use fault = true", vc->tracks[i].name);

	vc->notify_timeout_ms = 10000;
	vc->notify_retries = 3;
	if ((v = scalar(sec, "notify"))) {
		if (v->text[0] != '/' || !printable_text(v->text))
			bad_value(c, "notify", v, true, "must be an absolute path");
		else if (access(v->text, X_OK) < 0)
			bad_value(c, "notify", v, true, "cannot be run: %s", strerror(errno));
		else if (stat(v->text, &st) < 0 || !S_ISREG(st.st_mode))
			bad_value(c, "notify", v, true, "not a file");
		else if (!(vc->notify = strdup(v->text)))
			add_msg(c, v->line, "out of memory");
	} else {
		for (const char *const *k = (const char *const[]){ "notify_timeout", "notify_retries", NULL };
		     *k; k++)
			if ((v = scalar(sec, *k)))
				bad_value(c, *k, v, false, "needs notify");
	}
	get_seconds(c, sec, "notify_timeout", 1000000, 100, 3600 * 1000, "0.1..3600", &vc->notify_timeout_ms);
	long n = vc->notify_retries;
	get_int(c, sec, "notify_retries", 0, 100, &n);
	vc->notify_retries = (unsigned)n;
}

/* ---- sections ---------------------------------------------------------- */

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONFIG_NAME_MAX)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

/* The kernel's rule for interface names (dev_valid_name). */
static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IF_NAMESIZE || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	return strcspn(s, "/: \t\n\v\f\r") == n;
}

static void vip_protocol_keys(struct ctx *c, cfg_t *sec, struct vip_config *vc);

static void vip_build(struct ctx *c, cfg_t *sec, struct vip_config *vc, struct vip_src *src)
{
	const struct cval *v;
	long n;
	char shown[SHOW_MAX];

	vc->line = section_line(sec);
	vc->priority = 100;
	vc->interval = 100;
	vc->preempt = true;
	vc->accept_mode = true;
	vc->protocol = VIP_PROTO_VRRP3;
	vc->checksum_mode = VRRP_CKSUM_PSEUDO;
	vc->garp_count = 3;
	vc->garp_delay_ms = 100;
	vc->group = -1;

	c->vip = show(cfg_title(sec), true, shown, sizeof(shown));
	if (!valid_name(cfg_title(sec)))
		add_msg(c, vc->line, "the name must be 1..%d characters of A-Z a-z 0-9 _ . -",
			CONFIG_NAME_MAX - 1);
	else
		strcpy(vc->name, cfg_title(sec));

	if (!(v = scalar(sec, "interface")))
		add_msg(c, vc->line, "interface is required");
	else if (!valid_ifname(v->text))
		bad_value(c, "interface", v, true,
			  "must be 1..%d characters without '/', ':' or blanks", IF_NAMESIZE - 1);
	else
		strcpy(vc->ifname, v->text);

	if (!(v = scalar(sec, "vrid")))
		add_msg(c, vc->line, "vrid is required");
	n = 0;
	get_int(c, sec, "vrid", 1, 255, &n);
	vc->vrid = (uint8_t)n;
	src->vrid_line = v ? v->line : vc->line;

	n = vc->priority;
	get_int(c, sec, "priority", 1, 255, &n);
	vc->priority = (uint8_t)n;

	uint32_t cs = vc->interval;
	get_seconds(c, sec, "advert_interval", 10000000, 1, 4095, "0.01..40.95", &cs);
	vc->interval = (uint16_t)cs;

	get_bool(c, sec, "preempt", &vc->preempt);
	get_seconds(c, sec, "preempt_delay", 1000000, 0, 3600 * 1000, "0..3600", &vc->preempt_delay_ms);

	int choice = vc->protocol;
	get_choice(c, sec, "protocol", protocols, sizeof(protocols) / sizeof(protocols[0]), &choice);
	vc->protocol = (enum vip_protocol)choice;

	vip_addresses(c, sec, vc, src);
	vip_peers(c, sec, vc);

	choice = vc->checksum_mode;
	get_choice(c, sec, "checksum_mode", cksum_modes, sizeof(cksum_modes) / sizeof(cksum_modes[0]),
		   &choice);
	vc->checksum_mode = (enum vrrp_cksum)choice;

	get_bool(c, sec, "accept_mode", &vc->accept_mode);
	vip_protocol_keys(c, sec, vc);
	n = vc->garp_count;
	get_int(c, sec, "garp_count", 0, 100, &n);
	vc->garp_count = (unsigned)n;
	get_seconds(c, sec, "garp_delay", 1000000, 0, 10 * 1000, "0..10", &vc->garp_delay_ms);
	vip_tracking(c, sec, vc);
	c->vip = NULL;
}

/* The keys of the older protocols. VRRPv2: IPv4, whole seconds, an
 * optional text password of up to 8 bytes. CARP speaks in advbase (whole
 * seconds) and advskew (lower wins) instead of advert_interval and
 * priority, which map onto the same state machine; the HMAC key is the
 * password, and the first address is the one the HMAC covers. */
static void vip_protocol_keys(struct ctx *c, cfg_t *sec, struct vip_config *vc)
{
	const struct cval *pw = scalar(sec, "password"), *v, *proto = scalar(sec, "protocol");
	size_t max = vc->protocol == VIP_PROTO_CARP ? CARP_KEY_MAX : VRRP2_AUTH_LEN;
	int pline = proto ? proto->line : vc->line;
	long n;

	vc->auth.proto = vc->protocol;
	if (vc->protocol != VIP_PROTO_VRRP2 && (v = scalar(sec, "auth_type")))
		bad_value(c, "auth_type", v, true, "needs protocol = \"vrrp2\"");
	if (vc->protocol == VIP_PROTO_VRRP3) {
		if (pw)
			bad_value(c, "password", pw, true, "needs protocol = \"vrrp2\" or \"carp\"");
		for (const char *const *k = (const char *const[]){ "advbase", "advskew", NULL }; *k; k++)
			if ((v = scalar(sec, *k)))
				bad_value(c, *k, v, false, "needs protocol = \"carp\"");
		return;
	}
	if (vc->family == AF_INET6 && vc->naddrs)
		add_msg(c, pline, "%s speaks IPv4 only; the addresses are IPv6",
			vc->protocol == VIP_PROTO_CARP ? "carp" : "vrrp2");
	if (pw && (!pw->text[0] || strlen(pw->text) > max))
		bad_value(c, "password", pw, true, "must be 1..%zu bytes for this protocol", max);
	else if (pw) {
		memcpy(vc->auth.key, pw->text, strlen(pw->text));
		vc->auth.has_key = true;
	}
	if (vc->protocol == VIP_PROTO_VRRP2) {
		/* "pass": the password in clear in every advert (RFC 2338);
		 * "ah": IPsec AH with HMAC-MD5-96 keyed by it, as keepalived's
		 * auth_type AH. */
		int ah = 0;
		get_choice(c, sec, "auth_type", auth_types, sizeof(auth_types) / sizeof(auth_types[0]), &ah);
		if (ah && !pw)
			add_msg(c, scalar(sec, "auth_type")->line, "auth_type = \"ah\" needs a password (the key)");
		vc->auth.ah = ah;
		vc->auth.ah_unicast = ah && vc->npeers > 0;
		if (vc->interval % 100)
			add_msg(c, pline, "vrrp2 advertises whole seconds: advert_interval must be 1..40");
		for (const char *const *k = (const char *const[]){ "advbase", "advskew", NULL }; *k; k++)
			if ((v = scalar(sec, *k)))
				bad_value(c, *k, v, false, "needs protocol = \"carp\"");
		return;
	}
	if (!pw)
		add_msg(c, pline, "carp needs a password (the HMAC key, as ucarp's --pass)");
	if ((v = scalar(sec, "priority")))
		bad_value(c, "priority", v, false, "carp uses advskew (lower wins) instead");
	if ((v = scalar(sec, "advert_interval")))
		bad_value(c, "advert_interval", v, false, "carp uses advbase (whole seconds) instead");
	n = 1;
	get_int(c, sec, "advbase", 1, 254, &n);
	vc->interval = (uint16_t)(n * 100);
	n = 0;
	get_int(c, sec, "advskew", 0, 253, &n);
	vc->priority = (uint8_t)(254 - n);
	if (vc->naddrs)
		vc->auth.vaddr = vc->addrs[0].addr;
}

/* A VRID names one virtual router on a LAN (RFC 5798 5.2.3), and IPv4 and
 * IPv6 virtual routers are separate, so two instances must differ in
 * interface, family or VRID. A VIP held by two instances would flap. */
static void check_across(struct ctx *c, const struct vipd_config *cfg, const struct vip_src *src)
{
	char shown[SHOW_MAX];

	for (size_t j = 0; j < cfg->nvips; j++) {
		const struct vip_config *b = &cfg->vips[j];

		if (!b->name[0])
			continue;
		c->vip = show(b->name, true, shown, sizeof(shown));
		for (size_t i = 0; i < j; i++) {
			const struct vip_config *a = &cfg->vips[i];

			if (a->name[0] && b->vrid && b->family && b->ifname[0] && a->vrid == b->vrid &&
			    a->family == b->family && strcmp(a->ifname, b->ifname) == 0)
				add_msg(c, src[j].vrid_line,
					"vrid = %u: vip \"%s\" (line %d) already uses VRID %u for %s on %s",
					b->vrid, a->name, a->line, b->vrid, family_name(b->family), b->ifname);
			for (size_t k = 0; k < b->naddrs && a->name[0]; k++)
				for (size_t l = 0; l < a->naddrs; l++)
					if (ipaddr_equal(&b->addrs[k].addr, &a->addrs[l].addr))
						bad_elem(c, "address", src[j].addr[k],
							 "already a VIP of vip \"%s\" (line %d)", a->name,
							 src[i].addr[l]->line);
		}
	}
	c->vip = NULL;
}

static char *get_path(struct ctx *c, cfg_t *root, const char *key, const char *def, size_t max)
{
	const struct cval *v = scalar(root, key);
	char *s;

	if (v && (v->text[0] != '/' || strlen(v->text) >= max)) {
		bad_value(c, key, v, true, "must be an absolute path shorter than %zu bytes", max);
		return NULL;
	}
	s = strdup(v ? v->text : def);
	if (!s)
		add_msg(c, v ? v->line : 0, "out of memory");
	return s;
}

/* "ADDR:PORT" or "[ADDR6]:PORT". */
static void get_metrics(struct ctx *c, cfg_t *root, struct vipd_config *out)
{
	const struct cval *v = scalar(root, "metrics");
	char host[64];
	const char *port;
	long n;

	if (!v)
		return;
	if (v->text[0] == '[') {
		const char *end = strchr(v->text, ']');
		size_t len = end ? (size_t)(end - v->text - 1) : 0;
		if (!end || len >= sizeof(host) || end[1] != ':') {
			bad_value(c, "metrics", v, true, "must be ADDR:PORT or [ADDR6]:PORT");
			return;
		}
		memcpy(host, v->text + 1, len);
		host[len] = '\0';
		port = end + 2;
	} else {
		const char *colon = strrchr(v->text, ':');
		size_t len = colon ? (size_t)(colon - v->text) : 0;
		if (!colon || len >= sizeof(host) || memchr(v->text, ':', len)) {
			bad_value(c, "metrics", v, true, "must be ADDR:PORT or [ADDR6]:PORT");
			return;
		}
		memcpy(host, v->text, len);
		host[len] = '\0';
		port = colon + 1;
	}
	if (!host[0]) {
		bad_value(c, "metrics", v, true, "the address is missing (127.0.0.1:PORT for this host only)");
		return;
	}
	if (ipaddr_parse(host, &out->metrics_addr) < 0) {
		char shown[SHOW_MAX];
		bad_value(c, "metrics", v, true, "%s is not an IP address", show(host, false, shown, sizeof(shown)));
		return;
	}
	if (!parse_long(port, &n) || n < 1 || n > 65535 || *port == '+' || *port == '-') {
		bad_value(c, "metrics", v, true, "the port must be 1..65535");
		return;
	}
	out->metrics_port = (uint16_t)n;
	if (!(out->metrics = strdup(v->text)))
		add_msg(c, v->line, "out of memory");
}

static void build_groups(struct ctx *c, cfg_t *root, struct vipd_config *out)
{
	unsigned n = cfg_size(root, "group");
	char shown[SHOW_MAX];

	if (n == 0)
		return;
	out->groups = calloc(n, sizeof(*out->groups));
	if (!out->groups) {
		add_msg(c, 0, "out of memory");
		return;
	}
	out->ngroups = n;
	for (unsigned i = 0; i < n; i++) {
		cfg_t *gs = cfg_getnsec(root, "group", i);
		struct group_config *g = &out->groups[i];
		cfg_opt_t *opt = cfg_getopt(gs, "members");
		unsigned m = opt ? cfg_opt_size(opt) : 0;

		g->line = section_line(gs);
		if (!valid_name(cfg_title(gs))) {
			add_msg(c, g->line, "group \"%s\": the name must be 1..%d characters of A-Z a-z 0-9 _ . -",
				show(cfg_title(gs), true, shown, sizeof(shown)), CONFIG_NAME_MAX - 1);
			continue;
		}
		strcpy(g->name, cfg_title(gs));
		if (m == 0) {
			add_msg(c, g->line, "group \"%s\": members is required (the vip names)", g->name);
			continue;
		}
		g->members = calloc(m, sizeof(*g->members));
		if (!g->members) {
			add_msg(c, g->line, "out of memory");
			continue;
		}
		for (unsigned j = 0; j < m; j++) {
			const struct cval *v = cfg_opt_getnptr(opt, j);
			size_t k;

			for (k = 0; k < out->nvips; k++)
				if (strcmp(out->vips[k].name, v->text) == 0)
					break;
			if (k == out->nvips) {
				add_msg(c, v->line, "group \"%s\": no vip named \"%s\"", g->name,
					show(v->text, true, shown, sizeof(shown)));
				continue;
			}
			struct vip_config *vc = &out->vips[k];
			if (vc->group == (int)i) {
				add_msg(c, v->line, "group \"%s\": vip \"%s\" is listed twice", g->name, vc->name);
				continue;
			}
			if (vc->group >= 0) {
				add_msg(c, v->line, "group \"%s\": vip \"%s\" is already in group \"%s\" (line %d)",
					g->name, vc->name, out->groups[vc->group].name,
					out->groups[vc->group].line);
				continue;
			}
			vc->group = (int)i;
			g->members[g->nmembers++] = k;
		}
	}
}

static void build(struct ctx *c, cfg_t *root, struct vipd_config *out)
{
	unsigned n = cfg_size(root, "vip");
	struct vip_src *src;

	out->socket = get_path(c, root, "socket", CONFIG_DEFAULT_SOCKET,
			       sizeof(((struct sockaddr_un *)0)->sun_path));
	out->state_dir = get_path(c, root, "state_dir", CONFIG_DEFAULT_STATE_DIR, PATH_MAX);
	get_metrics(c, root, out);
	if (n == 0) {
		build_groups(c, root, out);
		return;
	}
	out->vips = calloc(n, sizeof(*out->vips));
	src = calloc(n, sizeof(*src));
	if (!out->vips || !src) {
		add_msg(c, 0, "out of memory");
		free(src);
		return;
	}
	out->nvips = n;
	for (unsigned i = 0; i < n; i++)
		vip_build(c, cfg_getnsec(root, "vip", i), &out->vips[i], &src[i]);
	check_across(c, out, src);
	build_groups(c, root, out);
	for (unsigned i = 0; i < n; i++)
		free(src[i].addr);
	free(src);
}

/* ---- loading ----------------------------------------------------------- */

static cfg_t *parse(struct ctx *c)
{
	size_t len;
	int line;
	char why[256];
	char *text = conftext_read(c->path, CONFIG_MAX_BYTES, &len, &line, why, sizeof(why));
	cfg_t *cfg;
	FILE *f = NULL;
	int rc = CFG_SUCCESS;

	if (!text) {
		add_msg(c, line, "%s", why);
		return NULL;
	}
	cfg = cfg_init(root_opts, CFGF_NONE);
	if (cfg) {
		cfg->filename = strdup(c->path);
		cfg_set_error_function(cfg, confuse_error);
	}
	if (!cfg || !cfg->filename) {
		add_msg(c, 0, "out of memory");
		goto fail;
	}
	/* fmemopen() refuses an empty buffer on some libcs; an empty file is
	 * a valid, empty configuration. */
	if (len > 0) {
		f = fmemopen(text, len, "r");
		if (!f) {
			add_msg(c, 0, "cannot parse: %s", strerror(errno));
			goto fail;
		}
		rc = cfg_parse_fp(cfg, f);
		fclose(f);
	}
	if (rc != CFG_SUCCESS) {
		if (c->nmsgs == 0)
			add_msg(c, 0, "cannot parse");
		goto fail;
	}
	free(text);
	return cfg;
fail:
	if (cfg)
		cfg_free(cfg);
	free(text);
	return NULL;
}

int config_load(const char *path, struct vipd_config *out, char *err, size_t errlen)
{
	struct ctx c = { .path = path };
	cfg_t *cfg;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	confuse_ctx = &c;
	cfg = parse(&c);
	if (cfg) {
		build(&c, cfg, out);
		cfg_free(cfg);
	}
	confuse_ctx = NULL;
	if (cfg && !c.nmsgs && !c.oom && (out->path = strdup(path)) != NULL)
		return 0;
	if (cfg && !c.nmsgs && !c.oom)
		add_msg(&c, 0, "out of memory");
	flush_msgs(&c, err, errlen);
	config_free(out);
	return -1;
}

void config_free(struct vipd_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nvips; i++) {
		free(c->vips[i].addrs);
		free(c->vips[i].peers);
		for (size_t j = 0; j < c->vips[i].ntracks; j++)
			free(c->vips[i].tracks[j].target);
		free(c->vips[i].tracks);
		free(c->vips[i].notify);
	}
	free(c->vips);
	for (size_t i = 0; i < c->ngroups; i++)
		free(c->groups[i].members);
	free(c->groups);
	free(c->metrics);
	free(c->path);
	free(c->socket);
	free(c->state_dir);
	memset(c, 0, sizeof(*c));
}

static bool prefixes_equal(const struct ipprefix *a, const struct ipprefix *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].len != b[i].len || !ipaddr_equal(&a[i].addr, &b[i].addr))
			return false;
	return true;
}

static bool addrs_equal(const struct ipaddr *a, const struct ipaddr *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!ipaddr_equal(&a[i], &b[i]))
			return false;
	return true;
}

/* Every field but line: moving a section in the file changes nothing. */
bool config_vip_equal(const struct vip_config *a, const struct vip_config *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->ifname, b->ifname) == 0 &&
	       a->family == b->family && a->vrid == b->vrid && a->priority == b->priority &&
	       a->interval == b->interval && a->preempt == b->preempt &&
	       a->preempt_delay_ms == b->preempt_delay_ms && a->accept_mode == b->accept_mode &&
	       a->protocol == b->protocol && a->checksum_mode == b->checksum_mode &&
	       memcmp(&a->auth, &b->auth, sizeof(a->auth)) == 0 &&
	       a->garp_count == b->garp_count && a->garp_delay_ms == b->garp_delay_ms &&
	       a->naddrs == b->naddrs && prefixes_equal(a->addrs, b->addrs, a->naddrs) &&
	       a->npeers == b->npeers && addrs_equal(a->peers, b->peers, a->npeers);
}

bool config_track_equal(const struct track_config *a, const struct track_config *b)
{
	return a->kind == b->kind && strcmp(a->name, b->name) == 0 &&
	       strcmp(a->target ? a->target : "", b->target ? b->target : "") == 0 && a->expect == b->expect &&
	       a->interval_ms == b->interval_ms && a->timeout_ms == b->timeout_ms && a->rise == b->rise &&
	       a->fall == b->fall && a->weight == b->weight && a->fault == b->fault;
}

const struct vip_config *config_find(const struct vipd_config *c, const char *name)
{
	for (size_t i = 0; c && name && i < c->nvips; i++)
		if (strcmp(c->vips[i].name, name) == 0)
			return &c->vips[i];
	return NULL;
}
