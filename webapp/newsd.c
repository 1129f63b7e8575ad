/* newsd.c - the news site: libmicrohttpd with a pool of worker threads,
 * each request served with a cluster connection borrowed from the pool.
 *
 *   newsd -c FILE [-t]
 *   newsd -c FILE --grant-admin NAME | --revoke-admin NAME
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "log.h"
#include "metrics_http.h"
#include "mono.h"
#include "newscache.h"
#include "pool.h"
#include "site.h"

#define BODY_MAX (64 * 1024)
#define FIELDS_MAX 64

/* Per connection: the raw URI (from the URI log callback, before
 * libmicrohttpd decodes it) and the body as it arrives. */
struct conn {
	char *uri;
	struct buf body;
	int too_large;
	int started;  /* the first call only announces the request */
	long long start_us; /* when the headers were in (monotonic) */
};

/* ---- request helpers --------------------------------------------------- */

const char *req_param(const struct req *r, const char *name)
{
	const char *v = form_get(&r->body, name);

	return v ? v : form_get(&r->query, name);
}

void req_redirect(struct req *r, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	free(r->location);
	r->location = buf_steal(&b);
	r->status = 302;
}

void req_set_auth_cookie(struct req *r, const char *token)
{
	struct buf b = BUF_INIT;

	/* Over HTTPS the browser never sends it back over plain HTTP. */
	const char *secure = r->https ? "; Secure" : "";

	if (token)
		buf_printf(&b, "auth=%s; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax%s", token, secure);
	else
		buf_printf(&b, "auth=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax%s", secure);
	free(r->set_cookie);
	r->set_cookie = buf_steal(&b);
}

/* ---- routing ----------------------------------------------------------- */

/* Match "/news/:id" against the raw path; the :params are decoded into
 * r->argbuf. 1 on a match. */
static int route_match(struct req *r, const char *pattern, const char *path)
{
	size_t plen = strlen(path);
	char *buf = malloc(plen + 1), *w = buf;
	int nargs = 0;

	if (!buf)
		return 0;
	while (*pattern && *path) {
		if (*pattern != '/' || *path != '/')
			goto no;
		pattern++, path++;
		const char *pe = strchrnul(pattern, '/'), *se = strchrnul(path, '/');
		if (*pattern == ':') {
			if (se == path || nargs == REQ_MAX_ARGS)
				goto no;
			memcpy(w, path, se - path);
			long n = url_decode(w, se - path);
			if (n < 0 || !text_valid(w, (size_t)n))
				goto no;
			w[n] = '\0';
			r->arg[nargs++] = w;
			w += n + 1;
		} else if (pe - pattern != se - path || memcmp(pattern, path, pe - pattern) != 0) {
			goto no;
		}
		pattern = pe;
		path = se;
	}
	if (*pattern || *path)
		goto no;
	free(r->argbuf);
	r->argbuf = buf;
	return 1;
no:
	free(buf);
	memset(r->arg, 0, sizeof(r->arg));
	return 0;
}

/* The routes in the order they are tried; a route's number (r->route,
 * the metrics' label) is its place in this order. */
static const struct route *const route_tabs[] = { api_routes, page_routes };
#define NTABS (sizeof(route_tabs) / sizeof(route_tabs[0]))

static const struct route *route_find(struct req *r, int *wrong_method)
{
	int id = 0;

	*wrong_method = 0;
	for (size_t t = 0; t < NTABS; t++)
		for (const struct route *rt = route_tabs[t]; rt->pattern; rt++, id++) {
			if (!route_match(r, rt->pattern, r->path))
				continue;
			if (strcmp(rt->method, r->method) == 0 ||
			    (strcmp(rt->method, "GET") == 0 && strcmp(r->method, "HEAD") == 0)) {
				r->route = id;
				return rt;
			}
			*wrong_method = 1;
		}
	return NULL;
}

/* The patterns by route number, for metrics_new(); NULL-terminated. */
static const char **route_patterns(size_t *n)
{
	const char **v;

	*n = 0;
	for (size_t t = 0; t < NTABS; t++)
		for (const struct route *rt = route_tabs[t]; rt->pattern; rt++)
			(*n)++;
	if (!(v = calloc(*n + 1, sizeof(*v))))
		return NULL;
	*n = 0;
	for (size_t t = 0; t < NTABS; t++)
		for (const struct route *rt = route_tabs[t]; rt->pattern; rt++)
			v[(*n)++] = rt->pattern;
	return v;
}

/* ---- the client address ------------------------------------------------ */

static int addr_text(const struct sockaddr *sa, char *out, size_t len)
{
	if (!sa)
		return -1;
	if (sa->sa_family == AF_INET)
		return inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, len) ? 0 : -1;
	if (sa->sa_family == AF_INET6)
		return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, len) ? 0 : -1;
	if (sa->sa_family == AF_UNIX) {
		snprintf(out, len, "local");
		return 0;
	}
	return -1;
}

static int trusted(const struct site *s, const char *ip)
{
	if (strcmp(ip, "local") == 0) /* the unix socket: only the proxy reaches it */
		return 1;
	for (size_t i = 0; i < s->cfg.ntrusted; i++)
		if (strcmp(s->cfg.trusted_proxies[i], ip) == 0)
			return 1;
	return 0;
}

/* The peer, or, from a trusted proxy, the last address it appended to
 * X-Forwarded-For (earlier entries are whatever the client claimed). */
static void client_ip(struct req *r, struct MHD_Connection *con)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const char *xff = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "X-Forwarded-For");
	unsigned char a[16];

	const char *proto = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "X-Forwarded-Proto");

	if (!ci || addr_text(ci->client_addr, r->ip, sizeof(r->ip)) < 0)
		snprintf(r->ip, sizeof(r->ip), "unknown");
	/* The proxy ended TLS: the cookie it carries back must be Secure. */
	r->https = proto && strcasecmp(proto, "https") == 0 && trusted(r->site, r->ip);
	if (!xff || !trusted(r->site, r->ip))
		return;
	const char *last = strrchr(xff, ',');
	last = last ? last + 1 : xff;
	while (*last == ' ')
		last++;
	char cand[64];
	size_t n = strcspn(last, " ");
	if (n == 0 || n >= sizeof(cand))
		return;
	memcpy(cand, last, n);
	cand[n] = '\0';
	if (inet_pton(AF_INET, cand, a) == 1 || inet_pton(AF_INET6, cand, a) == 1)
		snprintf(r->ip, sizeof(r->ip), "%s", cand);
}

/* ---- serving ----------------------------------------------------------- */

static void add_security_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'self'; img-src 'self' data:; style-src 'self'; "
				"script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
}

static enum MHD_Result respond(struct MHD_Connection *con, struct req *r)
{
	size_t len = r->out.len;
	char *body = buf_steal(&r->out);
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (!body) {
		len = 0;
		body = NULL;
		r->status = 500;
	}
	resp = MHD_create_response_from_buffer(len, body ? body : (void *)"", body ? MHD_RESPMEM_MUST_FREE
										 : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", r->ctype ? r->ctype : "text/html; charset=utf-8");
	add_security_headers(resp);
	if (r->location)
		MHD_add_response_header(resp, "Location", r->location);
	if (r->set_cookie)
		MHD_add_response_header(resp, "Set-Cookie", r->set_cookie);
	/* Pages of a logged-in user, API answers and errors are never cached
	 * by a proxy; anonymous pages may be micro-cached by nginx. */
	if (r->user || r->api || r->set_cookie || r->status >= 400)
		MHD_add_response_header(resp, "Cache-Control", "private, no-store");
	if (r->status >= 500)
		atomic_fetch_add(&r->site->errors_5xx, 1);
	ret = MHD_queue_response(con, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void req_free(struct req *r)
{
	form_free(&r->query);
	form_free(&r->body);
	buf_free(&r->out);
	free(r->argbuf);
	free(r->location);
	free(r->set_cookie);
	user_free(r->user);
}

static int parse_input(struct req *r, struct MHD_Connection *con, struct conn *cn)
{
	const char *q = strchr(cn->uri, '?');
	const char *ctype = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Type");
	char err[160];

	if (cn->too_large) {
		page_error(r, 413, "The request is too large.");
		return -1;
	}
	if (q && form_parse(&r->query, q + 1, strlen(q + 1), FIELDS_MAX, err, sizeof(err)) < 0) {
		page_error(r, 400, err);
		return -1;
	}
	if (ctype && strncasecmp(ctype, "application/x-www-form-urlencoded", 33) != 0) {
		page_error(r, 415, "Forms must be sent as application/x-www-form-urlencoded.");
		return -1;
	}
	if (cn->body.len) {
		if (form_parse(&r->body, cn->body.p, cn->body.len, FIELDS_MAX, err, sizeof(err)) < 0) {
			page_error(r, 400, err);
			return -1;
		}
	}
	return 0;
}

static void serve(struct site *s, struct req *r, struct MHD_Connection *con, struct conn *cn)
{
	const struct route *rt;
	int wrong_method;
	char path[2048];
	size_t plen = strcspn(cn->uri, "?#");

	if (plen >= sizeof(path) || cn->uri[0] != '/') {
		page_error(r, 414, "The address is too long.");
		return;
	}
	memcpy(path, cn->uri, plen);
	path[plen] = '\0';
	r->path = path;
	r->api = strncmp(path, "/api/", 5) == 0 || strcmp(path, "/healthz") == 0;
	if (!(rt = route_find(r, &wrong_method))) {
		if (wrong_method)
			page_error(r, 405, "This address does not take that method.");
		else
			page_error(r, 404, "No such page.");
		return;
	}
	r->api = rt->api || r->api;
	if (parse_input(r, con, cn) < 0)
		return;
	if (!(r->c = pool_get(s->pool, r->cerr, sizeof(r->cerr)))) {
		atomic_fetch_add(&s->cluster_failures, 1);
		render_unavailable(r);
		return;
	}
	r->auth_pending = rt->lazy_auth;
	/* nginx keeps anonymous pages for a second; had they come from the
	 * shared cache, a vote could take a second more to show. */
	char tok[128];
	r->fresh = !r->cookie || cookie_get(r->cookie, "auth", tok, sizeof(tok)) < 0 || !tok[0];
	if ((!rt->lazy_auth && db_auth(r) < 0) || rt->fn(r) < 0) {
		/* Whatever was built is dropped: the answer is the 503. */
		buf_reset(&r->out);
		free(r->location);
		r->location = NULL;
		free(r->set_cookie);
		r->set_cookie = NULL;
		render_unavailable(r);
	}
	pool_put(s->pool, r->c);
	r->c = NULL;
	r->path = NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct site *s = cls;
	struct conn *cn = *con_cls;
	struct req r = { 0 };
	enum MHD_Result ret;

	(void)url;
	(void)version;
	if (!cn)
		return MHD_NO;
	if (!cn->started) {
		cn->started = 1;
		cn->start_us = mono_us();
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (cn->body.len + *upload_data_size > BODY_MAX)
			cn->too_large = 1;
		else
			buf_add(&cn->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	atomic_fetch_add(&s->requests, 1);
	atomic_fetch_add(&s->in_flight, 1);
	r.site = s;
	r.route = -1;
	r.method = method;
	r.status = 200;
	r.now = (long)time(NULL);
	r.cookie = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Cookie");
	r.host = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Host");
	client_ip(&r, con);
	if (buf_failed(&cn->body))
		page_error(&r, 500, "Out of memory.");
	else
		serve(s, &r, con, cn);
	/* The path only: a query may hold a password (GET /api/login). */
	if (r.status >= 500 && r.cerr[0])
		log_warn("%s %.*s: %d: %s", method, (int)strcspn(cn->uri, "?#"), cn->uri, r.status, r.cerr);
	ret = respond(con, &r);
	metrics_observe(s->metrics, r.route, method, r.status, (uint64_t)(mono_us() - cn->start_us));
	atomic_fetch_sub(&s->in_flight, 1);
	req_free(&r);
	return ret;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct conn *cn = calloc(1, sizeof(*cn));

	(void)cls;
	(void)con;
	if (cn && !(cn->uri = strdup(uri))) {
		free(cn);
		cn = NULL;
	}
	return cn;
}

static void on_completed(void *cls, struct MHD_Connection *con, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct conn *cn = *con_cls;

	(void)cls;
	(void)con;
	(void)toe;
	if (!cn)
		return;
	free(cn->uri);
	buf_free(&cn->body);
	free(cn);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* libmicrohttpd ends its messages with a newline; the log adds one. */
	for (n = strlen(msg); n > 0 && msg[n - 1] == '\n'; n--)
		msg[n - 1] = '\0';
	log_warn("libmicrohttpd: %s", msg);
}

/* ---- listening --------------------------------------------------------- */

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	/* A socket somebody still answers on belongs to a running newsd;
	 * one nobody answers on is left over and can go. */
	int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(probe);
		close(fd);
		errno = EADDRINUSE;
		return -1;
	}
	if (probe >= 0)
		close(probe);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0660) < 0 || listen(fd, 256) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static struct MHD_Daemon *start(struct site *s)
{
	const char *l = s->cfg.listen;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct MHD_Daemon *d;

	if (strncmp(l, "unix:", 5) == 0) {
		int fd = listen_unix(l + 5);
		if (fd < 0) {
			log_err("listen %s: %s", l, strerror(errno));
			return NULL;
		}
		d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, fd,
				     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)s->cfg.workers,
				     MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL, MHD_OPTION_NOTIFY_COMPLETED,
				     on_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
				     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
	} else {
		const char *colon = strrchr(l, ':');
		char host[64];
		snprintf(host, sizeof(host), "%.*s", (int)(colon - l), l);
		inet_pton(AF_INET, host, &sa.sin_addr);
		sa.sin_port = htons((unsigned short)atoi(colon + 1));
		d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &sa,
				     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)s->cfg.workers,
				     MHD_OPTION_URI_LOG_CALLBACK, on_uri,
				     NULL, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				     MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_LISTEN_BACKLOG_SIZE, 512u,
				     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
	}
	if (!d)
		log_err("cannot listen on %s (in use, or not an address of this host?)", l);
	return d;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: newsd -c FILE [-t]\n"
		   "       newsd -c FILE --grant-admin NAME | --revoke-admin NAME\n"
		   "  -c, --config FILE  the configuration (newsd.conf(5))\n"
		   "  -t, --test         check the configuration and exit\n"
		   "  --grant-admin NAME   make user NAME an administrator (a flag in the cluster), exit\n"
		   "  --revoke-admin NAME  clear that flag, exit\n"
		   "  -h, --help         this text\n"
		   "  -V, --version      the version\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' }, { "test", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },         { "version", no_argument, NULL, 'V' },
		{ "grant-admin", required_argument, NULL, 'G' }, { "revoke-admin", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	static struct site site;
	const char *path = NULL, *admin = NULL;
	int opt, test = 0, sig, grant = 0;
	char err[4096];
	sigset_t set;

	/* "newsd: message" lines on stderr; the journal adds the time. */
	log_init_plain("newsd");
	while ((opt = getopt_long(argc, argv, "c:thV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 't': test = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("newsd %s\n", PACKAGE_VERSION); return 0;
		case 'G':
		case 'R':
			if (admin) {
				usage(stderr);
				return 2;
			}
			admin = optarg;
			grant = opt == 'G';
			break;
		default: usage(stderr); return 2;
		}
	}
	if (!path || optind != argc || (admin && test)) {
		usage(stderr);
		return 2;
	}
	if (newsd_config_load(path, &site.cfg, err, sizeof(err)) < 0) {
		/* One line a problem, each saying whose it is. */
		for (char *line = strtok(err, "\n"); line; line = strtok(NULL, "\n"))
			fprintf(stderr, "newsd: %s\n", line);
		return 2;
	}
	if (test) {
		printf("newsd: %s: configuration OK\n", path);
		newsd_config_free(&site.cfg);
		return 0;
	}
	/* hiredis writes with write(2): a node dying mid-write must fail the
	 * call, not end the process. */
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT); /* not thread-safe: before the workers */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* the workers inherit it */

	site.copts = (struct cluster_opts){
		.seeds = (const char **)site.cfg.redis_nodes,
		.nseeds = site.cfg.nredis,
		.user = site.cfg.redis_user,
		.password = site.cfg.redis_password,
		.connect_timeout_ms = (int)site.cfg.redis_timeout_ms,
		.command_timeout_ms = (int)site.cfg.redis_timeout_ms,
	};
	if (admin) {
		int rc = admin_command(&site, admin, grant);
		newsd_config_free(&site.cfg);
		curl_global_cleanup();
		return rc;
	}
	pthread_mutex_init(&site.secret_lock, NULL);
	site.pool = pool_new(&site.copts, (size_t)site.cfg.workers);
	site.cache = newscache_new(site.cfg.list_cache_ms);
	size_t nroutes = 0;
	const char **patterns = NULL;
	int ready = site.pool && site.cache;
	if (ready && site.cfg.metrics_listen)
		ready = (patterns = route_patterns(&nroutes)) && (site.metrics = metrics_new(patterns, nroutes));
	struct metrics_http *md = ready && site.metrics ? metrics_listen_start(&site) : NULL;
	struct MHD_Daemon *d = ready && (md || !site.metrics) ? start(&site) : NULL;
	if (!d) {
		metrics_http_stop(md);
		metrics_free(site.metrics);
		free(patterns);
		pool_free(site.pool);
		newscache_free(site.cache);
		newsd_config_free(&site.cfg);
		return 1;
	}
	log_info("listening on %s, %ld workers, cluster seeds %s%s", site.cfg.listen, site.cfg.workers,
	       site.cfg.redis_nodes[0], site.cfg.nredis > 1 ? ", ..." : "");
	if (md)
		log_info("metrics at http://%s/metrics", site.cfg.metrics_listen);
	for (;;) {
		if (sigwait(&set, &sig) != 0 || sig != SIGHUP)
			break;
		log_info("SIGHUP: the configuration is read at start only; restart to change it");
	}
	log_info("stopping (%lu requests, %lu answered 5xx)", (unsigned long)site.requests,
	       (unsigned long)site.errors_5xx);
	MHD_stop_daemon(d);
	mail_stop(); /* before curl_global_cleanup: its thread uses libcurl */
	metrics_http_stop(md);
	metrics_free(site.metrics);
	free(patterns);
	pool_free(site.pool);
	newscache_free(site.cache);
	pthread_mutex_destroy(&site.secret_lock);
	newsd_config_free(&site.cfg);
	curl_global_cleanup();
	return 0;
}
