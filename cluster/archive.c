/* archive.c - clusterctl archive: keep, off the redis hosts, a base copy
 * of every master and every write after it, with the second it was made,
 * until SIGTERM or SIGINT.
 *
 * The main thread reads the cluster (CLUSTER NODES, from the seeds or any
 * member seen before) every second and hands each link (archive_link.c)
 * the master to follow: its own, or after a failover the node now serving
 * its slots, where PSYNC with the old replication id continues the same
 * history. A master whose slots no history holds gets a link of its own.
 * Each history takes a fresh base copy every --base-every hours (the old
 * one closes once the new one is restorable, so the window has no hole),
 * and histories that ended before the --retain window are deleted. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <dirent.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "archive.h"
#include "clusterctl.h"
#include "mono.h"
#include "when.h"

#define ROUND_MS 1000          /* how often the cluster is read */
#define OFFSETS_EVERY_S 5      /* how often the masters' own offsets are asked */
#define PRUNE_EVERY_S 60

void archive_say(const char *fmt, ...)
{
	struct timeval tv;
	struct tm tm;
	char when[32];
	va_list ap;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	flockfile(stdout);
	printf("%s.%03ldZ clusterctl archive: ", when, (long)tv.tv_usec / 1000);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	funlockfile(stdout);
}

double archive_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- options ---------------------------------------------------------------- */

struct archive_cli {
	const struct command *cmd;
	struct archive a;
	struct node_addr *seeds;
	const char *metrics_listen;      /* --metrics ADDR:PORT, or NULL */
};

/* A positive number of `unit` (days, hours) into seconds. */
static int positive(const struct command *cmd, const char *opt, const char *arg, double unit,
		    double *out)
{
	char *end;
	double v = strtod(arg, &end);

	if (!*arg || *end || !isfinite(v) || v <= 0 || v > 100000)
		return command_usage_error(cmd, "%s takes a positive number, not '%s'", opt, arg);
	*out = v * unit;
	return EXIT_OK;
}

static int archive_option(void *ctx, int opt, char **argv)
{
	struct archive_cli *o = ctx;

	switch (opt) {
	case 'T': o->a.dir = optarg; return EXIT_OK;
	case 'r': return positive(o->cmd, "--retain", optarg, 86400, &o->a.retain_s);
	case 'b': return positive(o->cmd, "--base-every", optarg, 3600, &o->a.base_every_s);
	case 'u': o->a.user = optarg; return EXIT_OK;
	case 'a': o->a.password = optarg; return EXIT_OK;
	case 'M': return command_metrics_option(o->cmd, optarg, &o->metrics_listen);
	case 'h': command_help(o->cmd, stdout); return -1;
	default:
		return command_usage_error(o->cmd, "unknown option or missing value: %s", argv[optind - 1]);
	}
}

static int archive_options(struct archive_cli *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 'T' },
		{ "retain", required_argument, NULL, 'r' },
		{ "base-every", required_argument, NULL, 'b' },
		{ "user", required_argument, NULL, 'u' },
		{ "metrics", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char err[300];
	int rc = command_options(argc, argv, opts, archive_option, o);

	if (rc != EXIT_OK)
		return rc;
	if (!o->a.dir)
		return command_usage_error(o->cmd, "give the archive's directory with --to DIR");
	if (argc - optind < 1)
		return command_usage_error(o->cmd, "give at least one HOST:PORT of the cluster");
	o->seeds = calloc((size_t)(argc - optind), sizeof(*o->seeds));
	if (!o->seeds)
		return EXIT_FAILED;
	for (int i = optind; i < argc; i++)
		if (node_addr_parse(argv[i], &o->seeds[o->a.nseeds++], err, sizeof(err)) < 0)
			return command_usage_error(o->cmd, "%s", err);
	o->a.seeds = o->seeds;
	if (o->a.password && !*o->a.password)
		o->a.password = NULL;
	if (o->a.user && !o->a.password)
		return command_usage_error(o->cmd, "--user %s needs a password (-a or $CLUSTERCTL_AUTH)",
					   o->a.user);
	return EXIT_OK;
}

/* --- reading the cluster ---------------------------------------------------- */

static bool is_serving_master(const struct cnode *c)
{
	return (c->flags & CN_MASTER) && !(c->flags & (CN_FAIL | CN_NOADDR | CN_HANDSHAKE)) &&
	       c->nslots > 0 && c->host[0];
}

/* CLUSTER NODES from the first seed or known member that answers; the
 * members it lists become the known ones, and its serving masters are
 * counted. */
static int read_cluster(struct archive *a, struct ctable *t, char *err, size_t errlen)
{
	size_t n = a->nseeds + a->nknown;
	int st = ADMIN_UNREACHABLE;

	snprintf(err, errlen, "no node to ask");
	for (size_t i = 0; i < n; i++) {
		struct admin_node node;
		struct node_addr addr;
		char e[64];
		if (i < a->nseeds)
			addr = a->seeds[i];
		else if (node_addr_parse(a->known[i - a->nseeds], &addr, e, sizeof(e)) < 0)
			continue;
		st = admin_open_as(&node, addr.host, addr.port, a->user, a->password, 1000);
		if (st == ADMIN_OK)
			st = admin_cluster_nodes(&node, t);
		if (st != ADMIN_OK)
			snprintf(err, errlen, "%s", node.err);
		admin_close(&node);
		if (st == ADMIN_OK)
			break;
	}
	if (st != ADMIN_OK)
		return st;
	a->masters = 0;
	for (size_t i = 0; i < t->n; i++)
		a->masters += is_serving_master(&t->nodes[i]);
	char (*known)[HOSTPORT_STRLEN] = calloc(t->n ? t->n : 1, sizeof(*known));
	if (!known)
		return ADMIN_OK;
	free(a->known);
	a->known = known;
	a->nknown = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->nodes[i].host[0] && !(t->nodes[i].flags & (CN_NOADDR | CN_HANDSHAKE)))
			hostport_format(t->nodes[i].host, t->nodes[i].port, known[a->nknown++],
					HOSTPORT_STRLEN);
	return ADMIN_OK;
}

static void cnode_slotset(const struct cnode *c, struct slotset *s)
{
	slotset_clear(s);
	for (size_t i = 0; i < c->nslots; i++)
		slotset_add_range(s, c->slots[i].first, c->slots[i].last);
}

static bool link_live(const struct link *l)
{
	return l->state != LINK_DONE && !l->retire;
}

/* Is id a master serving slots in t? */
static bool serving(const struct ctable *t, const char *id)
{
	int i = *id ? ctable_find(t, id) : -1;
	return i >= 0 && is_serving_master(&t->nodes[i]);
}

static int add_link(struct archive *a, struct link *l)
{
	struct link **v = realloc(a->links, sizeof(*v) * (a->nlinks + 1));

	if (!v)
		return -1;
	a->links = v;
	v[a->nlinks++] = l;
	return 0;
}

static void replica_seen(struct archive *a, const char *id, double at)
{
	size_t i = 0;

	while (i < a->nseen && strcmp(a->seen[i].id, id) != 0)
		i++;
	if (i == a->nseen) {
		struct replica_seen *v = realloc(a->seen, sizeof(*v) * (a->nseen + 1));
		if (!v)
			return;
		a->seen = v;
		snprintf(v[a->nseen++].id, sizeof(v->id), "%s", id);
	}
	a->seen[i].at = at;
}

static void link_assign(struct link *l, const struct cnode *m)
{
	snprintf(l->target.host, sizeof(l->target.host), "%s", m->host);
	l->target.port = m->port;
	snprintf(l->target_id, sizeof(l->target_id), "%s", m->id);
	l->target_gen++;
}

/* Master m is followed by the links already on it; else the waiting link
 * whose slots it took over follows it; else it is new. Called locked. */
static void assign_master(struct archive *a, const struct ctable *t, const struct cnode *m,
			  const struct slotset *ms, struct link **fresh)
{
	struct link *best = NULL;
	int best_overlap = 0;
	bool followed = false;
	char slots[120], name[HOSTPORT_STRLEN];

	for (size_t i = 0; i < a->nlinks; i++) {
		struct link *l = a->links[i];
		if (!link_live(l) || strcmp(l->target_id, m->id) != 0)
			continue;
		followed = true;
		if (!slotset_equal(&l->slots, ms)) {
			l->new_slots = *ms;
			l->slots_changed = true;
			l->slots = *ms;
		}
		if (l->state == LINK_WAITING)
			l->target_gen++; /* try it again */
	}
	if (followed)
		return;
	for (size_t i = 0; i < a->nlinks; i++) {
		struct link *l = a->links[i];
		if (!link_live(l) || l->state != LINK_WAITING || serving(t, l->target_id))
			continue;
		struct slotset both = l->slots;
		for (size_t w = 0; w < SLOT_COUNT / 64; w++)
			both.bits[w] &= ms->bits[w];
		int overlap = slotset_count(&both);
		if (overlap > best_overlap) {
			best = l;
			best_overlap = overlap;
		}
	}
	hostport_format(m->host, m->port, name, sizeof(name));
	slotset_format(ms, slots, sizeof(slots));
	if (best) {
		best->promoted_after = 0;
		for (size_t i = 0; i < a->nseen; i++)
			if (strcmp(a->seen[i].id, m->id) == 0)
				best->promoted_after = a->seen[i].at;
		archive_say("history %s: follows %s (%.12s), now serving its slots %s",
			    best->name[0] ? best->name : "(new)", name, m->id, slots);
		link_assign(best, m);
		if (!slotset_equal(&best->slots, ms)) {
			best->new_slots = *ms;
			best->slots_changed = true;
			best->slots = *ms;
		}
		return;
	}
	*fresh = link_new(a, NULL, ms);
	if (*fresh) {
		archive_say("master %s (%.12s) serves slots %s: a new history starts there", name, m->id,
			    slots);
		link_assign(*fresh, m);
	}
}

static void assign_all(struct archive *a, const struct ctable *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct cnode *m = &t->nodes[i];
		struct link *fresh = NULL;
		struct slotset ms;
		if (!is_serving_master(m))
			continue;
		cnode_slotset(m, &ms);
		pthread_mutex_lock(&a->lock);
		assign_master(a, t, m, &ms, &fresh);
		if (fresh && add_link(a, fresh) < 0) {
			history_free(&fresh->h);
			free(fresh);
			fresh = NULL;
		}
		pthread_mutex_unlock(&a->lock);
		if (fresh && link_start(fresh) < 0)
			archive_say("cannot start a thread for the new history");
	}
}

/* While a link waits for its master's successor, ask the replicas of the
 * master it followed whether they still are replicas: the one promoted
 * took its first write after the last time it said so, which narrows the
 * seconds a failover leaves unrestorable (archive_link.c, blind_from). */
static void watch_replicas(struct archive *a, const struct ctable *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct cnode *c = &t->nodes[i];
		bool wanted = false;
		pthread_mutex_lock(&a->lock);
		for (size_t k = 0; k < a->nlinks && !wanted; k++)
			wanted = link_live(a->links[k]) && a->links[k]->state == LINK_WAITING &&
				 c->master_id[0] && strcmp(a->links[k]->target_id, c->master_id) == 0;
		pthread_mutex_unlock(&a->lock);
		if (!wanted || !c->host[0] || (c->flags & (CN_FAIL | CN_NOADDR)))
			continue;
		struct admin_node n;
		struct ctable own;
		double asked = archive_now();
		if (admin_open_as(&n, c->host, c->port, a->user, a->password, 500) == ADMIN_OK &&
		    admin_cluster_nodes(&n, &own) == ADMIN_OK) {
			int me = ctable_myself(&own);
			if (me >= 0 && (own.nodes[me].flags & CN_SLAVE))
				replica_seen(a, c->id, asked);
			ctable_free(&own);
		}
		admin_close(&n);
	}
}

/* Each followed master's own offset, for the lag that backups reports. */
static void ask_offsets(struct archive *a)
{
	for (size_t i = 0; i < a->nlinks; i++) {
		struct link *l = a->links[i];
		struct node_addr t;
		struct admin_node n;
		long long off;
		pthread_mutex_lock(&a->lock);
		bool on = link_live(l) && l->state == LINK_STREAMING;
		t = l->target;
		pthread_mutex_unlock(&a->lock);
		if (!on)
			continue;
		if (admin_open_as(&n, t.host, t.port, a->user, a->password, 1000) == ADMIN_OK &&
		    admin_repl_field(&n, "master_repl_offset", &off) == ADMIN_OK) {
			pthread_mutex_lock(&a->lock);
			l->master_offset = off;
			l->master_seen = archive_now();
			pthread_mutex_unlock(&a->lock);
		}
		admin_close(&n);
	}
}

/* A history whose base copy is older than --base-every gets a successor
 * on the same master; once that one is restorable, the old one closes. */
static void rotate(struct archive *a, double now)
{
	size_t n = a->nlinks;

	for (size_t i = 0; i < n; i++) {
		struct link *l = a->links[i], *s = NULL;
		pthread_mutex_lock(&a->lock);
		if (l->successor && (l->successor->started || l->successor->state == LINK_DONE)) {
			l->retire = l->successor->started;
			l->successor = NULL;
		} else if (link_live(l) && !l->successor && l->started && l->state == LINK_STREAMING &&
			   now - l->started_at > a->base_every_s && (s = link_new(a, NULL, &l->slots))) {
			s->target = l->target;
			snprintf(s->target_id, sizeof(s->target_id), "%s", l->target_id);
			s->target_gen = 1;
			if (add_link(a, s) < 0) {
				free(s);
				s = NULL;
			} else {
				l->successor = s;
				archive_say("history %s: its base copy is %.3g hours old; taking a new one",
					    l->name, (now - l->started_at) / 3600);
			}
		}
		pthread_mutex_unlock(&a->lock);
		if (s)
			link_start(s);
	}
}

/* --- the histories on disk -------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 ? -1 : 0;
}

static void remove_history(const char *path, const char *why)
{
	archive_say("removing %s: %s", path, why);
	if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
		archive_say("%s: could not remove everything: %s", path, strerror(errno));
}

static bool followed_dir(struct archive *a, const char *path)
{
	bool f = false;
	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->nlinks && !f; i++)
		f = link_live(a->links[i]) && strcmp(a->links[i]->dir, path) == 0;
	pthread_mutex_unlock(&a->lock);
	return f;
}

/* Walk the histories: at start, resume the open ones and drop base copies
 * a crash cut short; later, delete what ended before the window. */
static void scan_histories(struct archive *a, bool at_start, double now)
{
	DIR *d = opendir(a->dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char path[4096], manifest[4200], err[400];
		struct history h;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", a->dir, e->d_name);
		snprintf(manifest, sizeof(manifest), "%s/%s/%s", path, AOF_DIR_NAME, AOF_MANIFEST_FILE);
		history_init(&h, e->d_name);
		if (history_load(path, &h, err, sizeof(err)) < 0) {
			if (at_start && access(manifest, F_OK) < 0 && errno == ENOENT)
				remove_history(path, "a base copy that was cut short");
			history_free(&h);
			continue;
		}
		if (at_start && access(manifest, F_OK) < 0)
			remove_history(path, "a base copy that was cut short");
		else if (at_start && h.closed <= 0) {
			struct link *l = link_new(a, path, NULL);
			if (l && add_link(a, l) == 0)
				archive_say("history %s: resumes at offset %lld (replid %s)", h.name, h.offset,
					    h.replid);
		} else if (h.closed > 0 && h.closed < now - a->retain_s && !followed_dir(a, path)) {
			char when[WHEN_STRLEN];
			snprintf(err, sizeof(err), "it ended at %s, before the %g-day retention",
				 when_format(h.closed, when, sizeof(when)), a->retain_s / 86400);
			remove_history(path, err);
		}
		history_free(&h);
	}
	if (d)
		closedir(d);
}

/* --- the metrics ------------------------------------------------------------ */

/* A successor taking a fresh base copy beside a live link is not a link of
 * its own to the master yet. Called locked. */
static bool is_successor(const struct archive *a, const struct link *l)
{
	for (size_t i = 0; i < a->nlinks; i++)
		if (a->links[i]->successor == l && link_live(a->links[i]))
			return true;
	return false;
}

/* The links that follow masters, as the metrics show them. */
static void publish_metrics(struct archive *a)
{
	struct ctl_archive_figures f;
	struct ctl_link_view *v;
	size_t n = 0;

	if (!a->metrics)
		return;
	pthread_mutex_lock(&a->lock);
	v = calloc(a->nlinks + 1, sizeof(*v));
	for (size_t i = 0; v && i < a->nlinks; i++) {
		const struct link *l = a->links[i];
		if (!link_live(l) || is_successor(a, l))
			continue;
		v[n++] = (struct ctl_link_view){
			.streaming = l->state == LINK_STREAMING, .covered = l->covered, .since = l->since,
			.archived = l->archived_offset, .archived_at = l->archived_at,
			.master_offset = l->master_offset, .master_seen = l->master_seen,
			.last_write = l->last_write,
		};
	}
	pthread_mutex_unlock(&a->lock);
	if (!v)
		return;
	ctl_archive_figures(v, n, a->masters, archive_now(), &f);
	ctl_metrics_archive_set(a->metrics, &f);
	free(v);
}

/* --- the verb --------------------------------------------------------------- */

static volatile sig_atomic_t archive_stop;

static void archive_signal(int sig)
{
	(void)sig;
	archive_stop = 1;
}

static int archive_prepare(struct archive *a, int *lock_fd)
{
	char path[4200];

	if (mkdir(a->dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "clusterctl archive: %s: %s\n", a->dir, strerror(errno));
		return EXIT_FAILED;
	}
	snprintf(path, sizeof(path), "%s/.lock", a->dir);
	*lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*lock_fd < 0) {
		fprintf(stderr, "clusterctl archive: %s: %s\n", path, strerror(errno));
		return EXIT_FAILED;
	}
	if (flock(*lock_fd, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr, "clusterctl archive: %s is in use by another clusterctl archive\n", a->dir);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

static bool any_waiting(struct archive *a)
{
	bool w = false;
	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->nlinks && !w; i++)
		w = link_live(a->links[i]) && a->links[i]->state == LINK_WAITING;
	pthread_mutex_unlock(&a->lock);
	return w;
}

static void archive_loop(struct archive *a)
{
	long long next_round = 0, next_offsets = mono_ms() + OFFSETS_EVERY_S * 1000,
		  next_prune = mono_ms() + PRUNE_EVERY_S * 1000;
	char err[400], last_err[400] = "";

	while (!archive_stop) {
		long long now = mono_ms();
		/* A link left waiting is served at once, not a second later. */
		if (now >= next_round || (any_waiting(a) && now >= next_round - ROUND_MS + 250)) {
			struct ctable t;
			next_round = now + ROUND_MS;
			if (read_cluster(a, &t, err, sizeof(err)) == ADMIN_OK) {
				watch_replicas(a, &t);
				assign_all(a, &t);
				ctable_free(&t);
				last_err[0] = '\0';
			} else {
				ctl_metrics_archive_error(a->metrics);
				if (strcmp(err, last_err) != 0)
					archive_say("cannot read the cluster: %s", err);
				snprintf(last_err, sizeof(last_err), "%s", err);
			}
			rotate(a, archive_now());
		}
		if (now >= next_offsets) {
			ask_offsets(a);
			next_offsets = now + OFFSETS_EVERY_S * 1000;
		}
		if (now >= next_prune) {
			scan_histories(a, false, archive_now());
			next_prune = now + PRUNE_EVERY_S * 1000;
		}
		publish_metrics(a);
		sleep_ms(50);
	}
}

static int archive_run(struct archive *a)
{
	struct sigaction sa = { .sa_handler = archive_signal };
	struct ctable t;
	char err[400];
	int lock_fd = -1, rc = archive_prepare(a, &lock_fd);

	if (rc != EXIT_OK)
		goto out;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	a->stop = &archive_stop;
	if ((rc = read_cluster(a, &t, err, sizeof(err))) != ADMIN_OK) {
		fprintf(stderr, "clusterctl archive: %s\n", err);
		rc = command_exit_status(rc);
		goto out;
	}
	rc = EXIT_OK;
	archive_say("archiving into %s, keeping %g days, a new base copy every %g hours", a->dir,
		    a->retain_s / 86400, a->base_every_s / 3600);
	scan_histories(a, true, archive_now());
	for (size_t i = 0; i < a->nlinks; i++)
		if (link_start(a->links[i]) < 0)
			archive_say("cannot start a thread for history %s", a->links[i]->name);
	assign_all(a, &t);
	ctable_free(&t);
	archive_loop(a);
	for (size_t i = 0; i < a->nlinks; i++)
		if (a->links[i]->running)
			pthread_join(a->links[i]->thread, NULL);
	archive_say("stopped by signal; %zu histories checkpointed", a->nlinks);
out:
	for (size_t i = 0; i < a->nlinks; i++) {
		history_free(&a->links[i]->h);
		free(a->links[i]);
	}
	free(a->links);
	free(a->known);
	free(a->seen);
	if (lock_fd >= 0)
		close(lock_fd);
	return rc;
}

int cmd_archive(const struct command *cmd, int argc, char **argv)
{
	struct archive_cli o = { .cmd = cmd,
				 .a = { .retain_s = 7 * 86400, .base_every_s = 24 * 3600,
					.user = getenv("CLUSTERCTL_USER"),
					.password = command_default_password() } };
	int rc = archive_options(&o, argc, argv);
	struct command_metrics cm;

	if (rc < 0)
		rc = EXIT_OK;
	else if (rc == EXIT_OK && (rc = command_metrics_start(cmd, o.metrics_listen, CTL_METRICS_ARCHIVE, &cm)) == EXIT_OK) {
		o.a.metrics = cm.m;
		if (cm.m)
			archive_say("metrics at http://%s/metrics", o.metrics_listen);
		pthread_mutex_init(&o.a.lock, NULL);
		rc = archive_run(&o.a);
		pthread_mutex_destroy(&o.a.lock);
		command_metrics_stop(&cm);
	}
	free(o.seeds);
	return rc;
}
