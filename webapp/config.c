/* config.c - newsd.conf, see config.h.
 *
 * The keys are tables (name, default, range, where it goes). libconfuse
 * is given every key as a lib/conf.c value that keeps its line; the types,
 * ranges and defaults are applied after parsing, over the whole file, so
 * one run reports every problem with its line, as vipd does. */
#include "config.h"

#include <arpa/inet.h>
#include <confuse.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account.h"
#include "conf.h"
#include "hostport.h"

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
	L("login_fail_limit_ip", login_fail_limit_ip, 30, 0, 1000000),
	L("login_fail_limit_user", login_fail_limit_user, 10, 0, 1000000),
	L("login_fail_window", login_fail_window, 900, 1, 7 * DAY),
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
	S("metrics_listen", metrics_listen, NULL),
	S("redis_user", redis_user, NULL),
	S("redis_password", redis_password, NULL),
	S("redis_password_file", redis_password_file, NULL),
	S("site_name", site_name, "Lamer News"),
	S("site_url", site_url, "http://localhost"),
	S("site_description", site_description, "Programming News"),
	S("mail_relay", mail_relay, NULL),
	S("mail_from", mail_from, "noreply@localhost"),
	S("admin_user", admin_user, NULL),
};
#define NSTR (sizeof(stropts) / sizeof(stropts[0]))

/* ---- options ----------------------------------------------------------- */

static const char *const list_names[] = { "redis_nodes", "trusted_proxies", "admins" };
#define NLIST (sizeof(list_names) / sizeof(list_names[0]))

static cfg_opt_t *build_opts(void)
{
	cfg_opt_t *o = calloc(NNUM + NSTR + NLIST + 1, sizeof(*o));
	size_t k = 0;

	if (!o)
		return NULL;
	for (size_t i = 0; i < NNUM; i++)
		o[k++] = (cfg_opt_t)CONF_KEY(numopts[i].name);
	for (size_t i = 0; i < NSTR; i++)
		o[k++] = (cfg_opt_t)CONF_KEY(stropts[i].name);
	for (size_t i = 0; i < NLIST; i++)
		o[k++] = (cfg_opt_t)CONF_LIST(list_names[i]);
	o[k] = (cfg_opt_t)CFG_END();
	return o;
}

/* ---- values ------------------------------------------------------------ */

static void get_numbers(struct conf_ctx *c, cfg_t *cfg, struct newsd_config *out)
{
	for (size_t i = 0; i < NNUM; i++) {
		const struct numopt *n = &numopts[i];
		char *p = (char *)out + n->off;
		if (n->kind == NUM_LONG) {
			*(long *)p = (long)n->def;
			conf_get_int(c, cfg, n->name, (long)n->min, (long)n->max, (long *)p);
		} else {
			*(double *)p = n->def;
			conf_get_double(c, cfg, n->name, n->min, n->max, (double *)p);
		}
	}
}

/* listen: ADDRESS:PORT (IPv4) or unix:PATH. metrics_listen: ADDRESS:PORT
 * only, since Prometheus scrapes over TCP. */
static void check_listen(struct conf_ctx *c, const char *key, const struct conf_val *v)
{
	bool unix_ok = strcmp(key, "listen") == 0;
	struct hostport hp;
	unsigned char a[4];

	if (unix_ok && strncmp(v->text, "unix:", 5) == 0) {
		if (v->text[5] != '/' || strlen(v->text + 5) >= 108)
			conf_bad_value(c, key, v, true, "unix: needs an absolute path under 108 bytes");
	} else if (hostport_parse(v->text, strlen(v->text), 0, &hp) != HOSTPORT_OK) {
		conf_bad_value(c, key, v, true, unix_ok ? "not ADDRESS:PORT or unix:PATH" : "not ADDRESS:PORT");
	} else if (inet_pton(AF_INET, hp.host, a) != 1) {
		conf_bad_value(c, key, v, true, "the address must be an IPv4 address");
	}
}

/* site_url and mail_relay: links and relays only over these schemes. */
static void check_scheme(struct conf_ctx *c, const char *key, const struct conf_val *v)
{
	bool mail = strcmp(key, "mail_relay") == 0;
	const char *a = mail ? "smtp://" : "http://", *b = mail ? "smtps://" : "https://";

	if (strncmp(v->text, a, strlen(a)) != 0 && strncmp(v->text, b, strlen(b)) != 0)
		conf_bad_value(c, key, v, true, "must start with %s or %s", a, b);
}

static int get_strings(struct conf_ctx *c, cfg_t *cfg, struct newsd_config *out)
{
	for (size_t i = 0; i < NSTR; i++) {
		const struct conf_val *v = conf_scalar(cfg, stropts[i].name);
		const char *s = v && v->text[0] ? v->text : stropts[i].def;
		char **p = (char **)((char *)out + stropts[i].off);

		if (v && v->text[0] && (strcmp(stropts[i].name, "listen") == 0 ||
					strcmp(stropts[i].name, "metrics_listen") == 0))
			check_listen(c, stropts[i].name, v);
		else if (v && v->text[0] && (strcmp(stropts[i].name, "site_url") == 0 ||
					     strcmp(stropts[i].name, "mail_relay") == 0))
			check_scheme(c, stropts[i].name, v);
		if (s && !(*p = strdup(s)))
			return -1;
	}
	if (out->metrics_listen && strcmp(out->metrics_listen, out->listen) == 0)
		conf_msg(c, conf_scalar(cfg, "metrics_listen")->line, "metrics_listen is the same address as listen");
	/* Links are made as site_url + "/path". */
	for (size_t n = strlen(out->site_url); n > 8 && out->site_url[n - 1] == '/'; n--)
		out->site_url[n - 1] = '\0';
	return 0;
}

/* ---- the Redis password from a file ------------------------------------ */

#define PASSWORD_FILE_MAX 4096

/* Where redis_password_file points: an absolute path as it is; a relative
 * one in systemd's credentials directory when there is one (LoadCredential=),
 * else beside the configuration file. */
static char *password_file_path(const char *conf_path, const char *name)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY"), *slash = strrchr(conf_path, '/');
	int dlen;
	char *p;
	size_t n;

	if (name[0] == '/')
		return strdup(name);
	if (dir && dir[0])
		dlen = (int)strlen(dir);
	else if (slash)
		dir = conf_path, dlen = (int)(slash - conf_path);
	else
		return strdup(name);
	n = (size_t)dlen + strlen(name) + 2;
	if ((p = malloc(n)))
		snprintf(p, n, "%.*s/%s", dlen, dir, name);
	return p;
}

/* Up to PASSWORD_FILE_MAX + 1 bytes of fd into buf: their count, or -1. */
static ssize_t password_file_slurp(int fd, char *buf)
{
	size_t n = 0;
	ssize_t got;

	while (n < PASSWORD_FILE_MAX + 1 && (got = read(fd, buf + n, PASSWORD_FILE_MAX + 1 - n)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		n += (size_t)got;
	}
	return (ssize_t)n;
}

/* The password in path, without its trailing line end, into *out; NULL,
 * or the problem in why. The file holds nothing but the password and must
 * be private to its owner: nginx's group must not read what this key
 * keeps out of newsd.conf. */
static const char *password_file_read(const char *path, char **out, char *why, size_t wlen)
{
	char buf[PASSWORD_FILE_MAX + 1];
	struct stat st;
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	*out = NULL;
	if (fd < 0) {
		snprintf(why, wlen, "cannot open %s: %s", path, strerror(errno));
		return why;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		snprintf(why, wlen, "%s is not a regular file", path);
	else if (st.st_mode & 077)
		snprintf(why, wlen, "%s is open to group or others (mode %04o): make it 0600 or 0400", path,
			 (unsigned)(st.st_mode & 07777));
	else if ((n = password_file_slurp(fd, buf)) < 0)
		snprintf(why, wlen, "cannot read %s: %s", path, strerror(errno));
	close(fd);
	if (n < 0)
		return why;
	if (n > PASSWORD_FILE_MAX) {
		explicit_bzero(buf, sizeof(buf));
		snprintf(why, wlen, "%s is over %d bytes: not a password", path, PASSWORD_FILE_MAX);
		return why;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n == 0)
		snprintf(why, wlen, "%s is empty", path);
	else if (memchr(buf, '\0', (size_t)n))
		snprintf(why, wlen, "%s holds a NUL byte: not a password", path);
	else if (!(*out = strndup(buf, (size_t)n)))
		snprintf(why, wlen, "out of memory");
	explicit_bzero(buf, sizeof(buf));
	return *out ? NULL : why;
}

/* redis_password_file: read once, now, into redis_password. */
static void get_password_file(struct conf_ctx *c, cfg_t *cfg, struct newsd_config *out)
{
	const struct conf_val *v = conf_scalar(cfg, "redis_password_file");
	char why[512], *path, *pw;
	const char *err;

	if (!out->redis_password_file)
		return;
	if (out->redis_password) {
		conf_bad_value(c, "redis_password_file", v, true, "redis_password is set too: keep one of them");
		return;
	}
	if (!(path = password_file_path(c->path, out->redis_password_file))) {
		conf_msg(c, v->line, "out of memory");
		return;
	}
	if ((err = password_file_read(path, &pw, why, sizeof(why))))
		conf_bad_value(c, "redis_password_file", v, true, "%s", err);
	else
		out->redis_password = pw;
	free(path);
}

/* What the cluster client takes as a seed: host:port, [v6]:port or v6:port. */
static bool valid_node(const char *s)
{
	struct hostport hp;

	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") == strlen(s) &&
	       hostport_parse(s, strlen(s), HOSTPORT_BARE_V6, &hp) == HOSTPORT_OK;
}

/* Administrators are named as accounts are. */
static bool valid_admin(const char *s)
{
	return account_valid_username(s, 256);
}

static bool valid_ip(const char *s)
{
	unsigned char a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

/* The list's values, or the default when the file does not set it. An
 * empty list is taken as it is, unless required. */
static char **get_list(struct conf_ctx *c, cfg_t *cfg, const char *key, const char *const *def,
		       bool required, bool (*valid)(const char *), const char *problem, size_t *n)
{
	cfg_opt_t *opt = cfg_getopt(cfg, key);
	bool empty = conf_list_set_empty(cfg, key);
	unsigned cnt = cfg_opt_size(opt), ndef = 0;
	char **v;

	if (empty && required)
		conf_msg(c, conf_key_line(c, key), "%s = { }: at least one is needed", key);
	while (!empty && def[ndef])
		ndef++;
	if (!(v = calloc((cnt ? cnt : ndef) + 1, sizeof(*v))))
		return NULL;
	for (unsigned i = 0; i < (cnt ? cnt : ndef); i++) {
		const struct conf_val *cv = cnt ? cfg_opt_getnptr(opt, i) : NULL;
		if (cv && !valid(cv->text))
			conf_bad_elem(c, key, cv, "%s", problem);
		if (!(v[i] = strdup(cv ? cv->text : def[i]))) {
			*n = i;
			return v;
		}
	}
	*n = cnt ? cnt : ndef;
	return v;
}

static int fill(struct conf_ctx *c, cfg_t *cfg, struct newsd_config *out)
{
	static const char *const def_nodes[] = { "127.0.0.1:6379", NULL };
	static const char *const def_proxies[] = { "127.0.0.1", "::1", NULL };
	static const char *const def_admins[] = { NULL };
	const struct conf_val *user = conf_scalar(cfg, "redis_user");

	get_numbers(c, cfg, out);
	if (get_strings(c, cfg, out) < 0)
		return -1;
	get_password_file(c, cfg, out);
	if (out->redis_user && !out->redis_password && !out->redis_password_file)
		conf_msg(c, user->line, "redis_user is set but neither redis_password nor redis_password_file is");
	out->redis_nodes = get_list(c, cfg, "redis_nodes", def_nodes, true, valid_node, "not host:port",
				    &out->nredis);
	out->trusted_proxies = get_list(c, cfg, "trusted_proxies", def_proxies, false, valid_ip,
					"not an IPv4 or IPv6 address", &out->ntrusted);
	out->admins = get_list(c, cfg, "admins", def_admins, false, valid_admin,
			       "not a user name (a letter, then letters, digits, _ or -)", &out->nadmins);
	if (!out->redis_nodes || !out->trusted_proxies || !out->admins || !(out->path = strdup(c->path)))
		return -1;
	/* admin_user names one more, as it always did. */
	if (out->admin_user) {
		char **v = realloc(out->admins, (out->nadmins + 2) * sizeof(*v));
		if (!v)
			return -1;
		out->admins = v;
		if (!(v[out->nadmins] = strdup(out->admin_user)))
			return -1;
		v[++out->nadmins] = NULL;
	}
	return 0;
}

int newsd_config_load(const char *path, struct newsd_config *out, char *err, size_t errlen)
{
	struct conf_ctx c = { .path = path };
	cfg_opt_t *opts = build_opts();
	cfg_t *cfg = NULL;

	memset(out, 0, sizeof(*out));
	if (!opts) {
		conf_msg(&c, 0, "out of memory");
	} else {
		cfg = conf_parse_file(&c, opts, CONFIG_MAX_BYTES);
		if (cfg && fill(&c, cfg, out) < 0)
			conf_msg(&c, 0, "out of memory");
	}
	if (cfg)
		cfg_free(cfg);
	free(opts);
	if (!conf_failed(&c)) {
		conf_flush(&c, NULL, 0);
		return 0;
	}
	conf_flush(&c, err, errlen);
	newsd_config_free(out);
	return -1;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; v && i < n + 1; i++)
		free(v[i]);
	free(v);
}

void newsd_config_free(struct newsd_config *c)
{
	if (c->redis_password)
		explicit_bzero(c->redis_password, strlen(c->redis_password));
	for (size_t i = 0; i < NSTR; i++)
		free(*(char **)((char *)c + stropts[i].off));
	free_list(c->redis_nodes, c->nredis);
	free_list(c->trusted_proxies, c->ntrusted);
	free_list(c->admins, c->nadmins);
	free(c->path);
	memset(c, 0, sizeof(*c));
}
