/* config.c - newsd.conf, see config.h.
 *
 * The numeric keys are one table (name, default, range, where it goes):
 * libconfuse is given the same table as options, and a validate callback
 * checks each value's range while the lexer still stands on its line. */
#include "config.h"

#include <arpa/inet.h>
#include <confuse.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conftext.h"

#define CONFIG_MAX_BYTES (256 * 1024)

enum numkind { NUM_LONG, NUM_DOUBLE };

struct numopt {
	const char *name;
	enum numkind kind;
	size_t off;
	double def, min, max;
};

#define L(name, field, def, min, max) { name, NUM_LONG, offsetof(struct newsd_config, field), def, min, max }
#define D(name, field, def, min, max) { name, NUM_DOUBLE, offsetof(struct newsd_config, field), def, min, max }
#define DAY 86400
/* The defaults are Lamer News's, except the password hashing rounds. */
static const struct numopt numopts[] = {
	L("workers", workers, 4, 1, 256),
	L("redis_timeout_ms", redis_timeout_ms, 1000, 10, 60000),
	L("list_cache_ms", list_cache_ms, 500, 0, 1000),
	L("durable_replicas", durable_replicas, 1, 0, 16),
	L("durable_timeout_ms", durable_timeout_ms, 200, 1, 10000),
	L("password_iterations", password_iterations, 100000, 1, 10000000),
	L("password_min_length", password_min_length, 8, 1, 1024),
	L("username_max_length", username_max_length, 32, 2, 256),
	L("title_max_length", title_max_length, 200, 10, 10000),
	L("url_max_length", url_max_length, 1024, 20, 8192),
	L("comment_max_length", comment_max_length, 4096, 10, 65536),
	L("about_max_length", about_max_length, 4096, 0, 65536),
	L("email_max_length", email_max_length, 256, 6, 4096),
	L("user_initial_karma", karma.initial, 1, -1000000, 1000000),
	L("karma_increment_interval", karma.incr_interval, 3600, 1, 365 * DAY),
	L("karma_increment_amount", karma.incr_amount, 1, 0, 1000000),
	L("news_upvote_min_karma", karma.up_min, 1, -1000000, 1000000),
	L("news_upvote_karma_cost", karma.up_cost, 1, 0, 1000000),
	L("news_downvote_min_karma", karma.down_min, 30, -1000000, 1000000),
	L("news_downvote_karma_cost", karma.down_cost, 6, 0, 1000000),
	L("news_upvote_karma_transfered", karma.up_transfer, 1, 0, 1000000),
	L("karma_increment_comment", karma.per_comment, 1, 0, 1000000),
	L("news_age_padding", rank.age_padding, 8 * 3600, 0, 365 * DAY),
	D("rank_aging_factor", rank.aging_factor, 1.1, 0.1, 10),
	L("news_score_log_start", rank.log_start, 10, 0, 1000000),
	D("news_score_log_booster", rank.log_booster, 2, 0, 1000),
	L("top_news_age_limit", rank.age_limit, 30 * DAY, 60, 3650 * DAY),
	L("user_creation_delay", user_creation_delay, DAY, 0, 365 * DAY),
	L("password_reset_delay", password_reset_delay, DAY, 0, 365 * DAY),
	L("reset_link_ttl", reset_link_ttl, 3600, 60, 30 * DAY),
	L("news_submission_break", news_submission_break, 15 * 60, 0, 365 * DAY),
	L("prevent_repost_time", prevent_repost_time, 48 * 3600, 0, 365 * DAY),
	L("news_edit_time", news_edit_time, 15 * 60, 0, 365 * DAY),
	L("comment_edit_time", comment_edit_time, 2 * 3600, 0, 365 * DAY),
	L("top_news_per_page", top_news_per_page, 30, 1, 500),
	L("latest_news_per_page", latest_news_per_page, 100, 1, 500),
	L("saved_news_per_page", saved_news_per_page, 10, 1, 500),
	L("user_comments_per_page", user_comments_per_page, 10, 1, 500),
	L("subthreads_in_replies_page", subthreads_in_replies_page, 10, 1, 500),
};
#define NNUM (sizeof(numopts) / sizeof(numopts[0]))

struct stropt {
	const char *name;
	size_t off;
	const char *def;   /* NULL: unset; "" in the file also means unset */
};

#define S(name, field, def) { name, offsetof(struct newsd_config, field), def }
static const struct stropt stropts[] = {
	S("listen", listen, "127.0.0.1:8080"),
	S("redis_user", redis_user, NULL),
	S("redis_password", redis_password, NULL),
	S("site_name", site_name, "Lamer News"),
	S("site_url", site_url, "http://localhost"),
	S("site_description", site_description, "Programming News"),
	S("mail_relay", mail_relay, NULL),
	S("mail_from", mail_from, "noreply@localhost"),
	S("admin_user", admin_user, NULL),
};
#define NSTR (sizeof(stropts) / sizeof(stropts[0]))

/* libconfuse's error callback has no user pointer: loading is done once,
 * from main, before any thread starts. */
struct ctx {
	const char *path;
	const char *text;  /* the file, comments blanked */
	char *err;
	size_t errlen;
	int failed;
};
static struct ctx *cur;

static void fail(struct ctx *c, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void fail(struct ctx *c, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (c->failed++)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(c->err, c->errlen, "%s:%d: %s", c->path, line, msg);
	else
		snprintf(c->err, c->errlen, "%s: %s", c->path, msg);
}

static void confuse_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (cur)
		fail(cur, cfg ? cfg->line : 0, "%s", msg);
}

static const struct numopt *numopt_find(const char *name)
{
	for (size_t i = 0; i < NNUM; i++)
		if (strcmp(numopts[i].name, name) == 0)
			return &numopts[i];
	return NULL;
}

static int validate_num(cfg_t *cfg, cfg_opt_t *opt)
{
	const struct numopt *n = numopt_find(opt->name);
	double v = n->kind == NUM_LONG ? (double)cfg_opt_getnint(opt, 0) : cfg_opt_getnfloat(opt, 0);

	if (v < n->min || v > n->max) {
		cfg_error(cfg, "%s = %g is out of range (%g..%g)", opt->name, v, n->min, n->max);
		return -1;
	}
	return 0;
}

static int validate_addr_list(cfg_t *cfg, cfg_opt_t *opt)
{
	unsigned char a[16];

	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		const char *s = cfg_opt_getnstr(opt, i);
		if (inet_pton(AF_INET, s, a) != 1 && inet_pton(AF_INET6, s, a) != 1) {
			cfg_error(cfg, "%s: \"%s\" is not an IPv4 or IPv6 address", opt->name, s);
			return -1;
		}
	}
	return 0;
}

static int validate_nodes(cfg_t *cfg, cfg_opt_t *opt)
{
	if (cfg_opt_size(opt) == 0) {
		cfg_error(cfg, "redis_nodes: at least one \"host:port\" is needed");
		return -1;
	}
	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		const char *s = cfg_opt_getnstr(opt, i), *colon = strrchr(s, ':');
		char *end;
		long port = colon ? strtol(colon + 1, &end, 10) : 0;
		if (!colon || colon == s || !colon[1] || *end || port < 1 || port > 65535 ||
		    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
			    (size_t)(colon - s) + strlen(colon)) {
			cfg_error(cfg, "redis_nodes: \"%s\" is not host:port", s);
			return -1;
		}
	}
	return 0;
}

static int validate_listen(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = cfg_opt_getnstr(opt, 0), *colon;
	unsigned char a[16];
	char host[64];
	char *end;
	long port;

	if (!s)
		return 0;
	if (strncmp(s, "unix:", 5) == 0) {
		if (s[5] != '/' || strlen(s + 5) >= 108) {
			cfg_error(cfg, "listen: \"%s\": unix: needs an absolute path under 108 bytes", s);
			return -1;
		}
		return 0;
	}
	colon = strrchr(s, ':');
	port = colon ? strtol(colon + 1, &end, 10) : 0;
	if (!colon || (size_t)(colon - s) >= sizeof(host) || !colon[1] || *end || port < 1 ||
	    port > 65535) {
		cfg_error(cfg, "listen: \"%s\" is not ADDRESS:PORT or unix:PATH", s);
		return -1;
	}
	memcpy(host, s, colon - s);
	host[colon - s] = '\0';
	if (inet_pton(AF_INET, host, a) != 1) {
		cfg_error(cfg, "listen: \"%s\": the address must be an IPv4 address", s);
		return -1;
	}
	return 0;
}

static int validate_prefix(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = cfg_opt_getnstr(opt, 0);
	int mail = strcmp(opt->name, "mail_relay") == 0;
	const char *a = mail ? "smtp://" : "http://", *b = mail ? "smtps://" : "https://";

	if (!s || !*s || strncmp(s, a, strlen(a)) == 0 || strncmp(s, b, strlen(b)) == 0)
		return 0;
	cfg_error(cfg, "%s = \"%s\": must start with %s or %s", opt->name, s, a, b);
	return -1;
}

static cfg_opt_t *build_opts(void)
{
	cfg_opt_t *o = calloc(NNUM + NSTR + 3, sizeof(*o));
	size_t k = 0;

	if (!o)
		return NULL;
	for (size_t i = 0; i < NNUM; i++)
		o[k++] = numopts[i].kind == NUM_LONG
				 ? (cfg_opt_t)CFG_INT(numopts[i].name, (long)numopts[i].def, CFGF_NONE)
				 : (cfg_opt_t)CFG_FLOAT(numopts[i].name, numopts[i].def, CFGF_NONE);
	for (size_t i = 0; i < NSTR; i++)
		o[k++] = (cfg_opt_t)CFG_STR(stropts[i].name, NULL, CFGF_NONE);
	o[k++] = (cfg_opt_t)CFG_STR_LIST("redis_nodes", "{127.0.0.1:6379}", CFGF_NONE);
	o[k++] = (cfg_opt_t)CFG_STR_LIST("trusted_proxies", "{127.0.0.1,::1}", CFGF_NONE);
	o[k] = (cfg_opt_t)CFG_END();
	return o;
}

static void set_validators(cfg_t *cfg)
{
	for (size_t i = 0; i < NNUM; i++)
		cfg_set_validate_func(cfg, numopts[i].name, validate_num);
	cfg_set_validate_func(cfg, "listen", validate_listen);
	cfg_set_validate_func(cfg, "redis_nodes", validate_nodes);
	cfg_set_validate_func(cfg, "trusted_proxies", validate_addr_list);
	cfg_set_validate_func(cfg, "mail_relay", validate_prefix);
	cfg_set_validate_func(cfg, "site_url", validate_prefix);
}

static char **copy_list(cfg_t *cfg, const char *name, size_t *n)
{
	unsigned cnt = cfg_size(cfg, name);
	char **v = calloc(cnt + 1, sizeof(*v));

	if (!v)
		return NULL;
	for (unsigned i = 0; i < cnt; i++)
		if (!(v[i] = strdup(cfg_getnstr(cfg, name, i)))) {
			while (i-- > 0)
				free(v[i]);
			free(v);
			return NULL;
		}
	*n = cnt;
	return v;
}

/* The line where key was last set, for checks made after parsing. */
static int key_line(const char *text, const char *key)
{
	size_t k = strlen(key);
	int line = 1, found = 0;

	for (const char *p = text; *p; p++) {
		if (*p == '\n')
			line++;
		else if ((p == text || strchr(" \t\n{}", p[-1])) && strncmp(p, key, k) == 0 &&
			 strchr(" \t=+", p[k]))
			found = line;
	}
	return found;
}

static int fill(struct ctx *c, cfg_t *cfg, struct newsd_config *out)
{
	for (size_t i = 0; i < NNUM; i++) {
		char *p = (char *)out + numopts[i].off;
		if (numopts[i].kind == NUM_LONG)
			*(long *)p = cfg_getint(cfg, numopts[i].name);
		else
			*(double *)p = cfg_getfloat(cfg, numopts[i].name);
	}
	for (size_t i = 0; i < NSTR; i++) {
		const char *v = cfg_getstr(cfg, stropts[i].name);
		char **p = (char **)((char *)out + stropts[i].off);
		if (!v || !*v)
			v = stropts[i].def;
		if (v && !(*p = strdup(v)))
			goto oom;
	}
	out->redis_nodes = copy_list(cfg, "redis_nodes", &out->nredis);
	out->trusted_proxies = copy_list(cfg, "trusted_proxies", &out->ntrusted);
	if (!out->redis_nodes || !out->trusted_proxies || !(out->path = strdup(c->path)))
		goto oom;
	/* Links are made as site_url + "/path". */
	for (size_t n = strlen(out->site_url); n > 8 && out->site_url[n - 1] == '/'; n--)
		out->site_url[n - 1] = '\0';
	if (out->redis_user && !out->redis_password) {
		fail(c, key_line(c->text, "redis_user"), "redis_user is set but redis_password is not");
		return -1;
	}
	return 0;
oom:
	fail(c, 0, "out of memory");
	return -1;
}

int newsd_config_load(const char *path, struct newsd_config *out, char *err, size_t errlen)
{
	struct ctx c = { .path = path, .err = err, .errlen = errlen };
	cfg_opt_t *opts = build_opts();
	cfg_t *cfg = NULL;
	char why[256];
	size_t len;
	int line, rc = -1;
	char *text = conftext_read(path, CONFIG_MAX_BYTES, &len, &line, why, sizeof(why));

	memset(out, 0, sizeof(*out));
	if (!text) {
		fail(&c, line, "%s", why);
		goto done;
	}
	if (!opts || !(cfg = cfg_init(opts, CFGF_NONE))) {
		fail(&c, 0, "out of memory");
		goto done;
	}
	cur = &c;
	c.text = text;
	cfg_set_error_function(cfg, confuse_error);
	set_validators(cfg);
	if (cfg_parse_buf(cfg, text) != CFG_SUCCESS) {
		if (!c.failed)
			fail(&c, 0, "cannot parse");
	} else {
		if (cfg_size(cfg, "redis_nodes") == 0)
			fail(&c, key_line(text, "redis_nodes"), "redis_nodes: at least one \"host:port\" is needed");
		else
			rc = fill(&c, cfg, out);
	}
done:
	cur = NULL;
	if (cfg)
		cfg_free(cfg);
	free(opts);
	free(text);
	if (rc < 0)
		newsd_config_free(out);
	return rc;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; v && i < n + 1; i++)
		free(v[i]);
	free(v);
}

void newsd_config_free(struct newsd_config *c)
{
	for (size_t i = 0; i < NSTR; i++)
		free(*(char **)((char *)c + stropts[i].off));
	free_list(c->redis_nodes, c->nredis);
	free_list(c->trusted_proxies, c->ntrusted);
	free(c->path);
	memset(c, 0, sizeof(*c));
}
