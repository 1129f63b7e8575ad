/* repair.c - clusterctl add and heal: read the cluster, take one step,
 * wait until the cluster shows it done. See repair.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "admin.h"
#include "clusterctl.h"
#include "health.h"
#include "mono.h"
#include "repair.h"
#include "slot_count.h"
/* Redis fails a dead master over by itself within a few seconds of the
 * FAIL flag; FORCE is for when it does not. */
#define TAKEOVER_GRACE_MS 10000

static bool stopped(const struct repair *r)
{
	return r->stop && *r->stop;
}

void repair_say(const struct repair *r, const char *fmt, ...)
{
	va_list ap;

	if (r->stamp) {
		struct timeval tv;
		struct tm tm;
		char when[32];
		gettimeofday(&tv, NULL);
		gmtime_r(&tv.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		printf("%s.%03ldZ ", when, (long)tv.tv_usec / 1000);
	}
	printf("clusterctl %s: ", r->cmd);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* --- reading the cluster ------------------------------------------------- */

/* Labels apply to every node at the address: a dead node and its rebuilt
 * successor share it, and share the failure domain. */
static void repair_set_domains(const struct repair *r, struct ctable *t)
{
	for (size_t i = 0; i < r->nlabels; i++)
		for (size_t j = 0; j < t->n; j++)
			if (t->nodes[j].port == r->labels[i].port &&
			    host_compare(t->nodes[j].host, r->labels[i].host) == 0)
				snprintf(t->nodes[j].domain, sizeof(t->nodes[j].domain), "%s",
					 r->labels[i].label);
}

static void repair_remember(struct repair *r, const struct ctable *t)
{
	char (*k)[HOSTPORT_STRLEN] = calloc(t->n + 1, sizeof(*k));
	size_t n = 0;

	if (!k)
		return;
	for (size_t i = 0; i < t->n; i++)
		if (*t->nodes[i].host && !cnode_failed(&t->nodes[i]))
			hostport_format(t->nodes[i].host, t->nodes[i].port, k[n++], sizeof(k[0]));
	free(r->known);
	r->known = k;
	r->nknown = n;
}

/* Open the first seed that answers (the given ones, then the members seen
 * last time). */
static int repair_open_seed(struct repair *r, struct admin_node *seed, char *err, size_t len)
{
	int st = ADMIN_UNREACHABLE;

	snprintf(err, len, "no seed given");
	for (size_t i = 0; i < r->nseeds + r->nknown; i++) {
		struct node_addr a;
		char e[300];
		if (i < r->nseeds)
			a = r->seeds[i];
		else if (node_addr_parse(r->known[i - r->nseeds], &a, e, sizeof(e)) < 0)
			continue;
		st = admin_open(seed, a.host, a.port, r->password, CONNECT_TIMEOUT_MS);
		if (st == ADMIN_OK)
			return st;
		snprintf(err, len, "%s", seed->err);
		if (st == ADMIN_AUTH)
			return st;
	}
	return st;
}

/* CLUSTER NODES times a node's last PONG in unix ms. */
static long long repair_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The cluster as the first answering seed sees it, with domains and
 * probes: what health_check and heal_plan_next want. */
static int repair_read(struct repair *r, struct ctable *t, char *err, size_t len)
{
	struct admin_node seed;
	int st = repair_open_seed(r, &seed, err, len);

	memset(t, 0, sizeof(*t));
	if (st == ADMIN_OK && (st = admin_cluster_nodes(&seed, t)) != ADMIN_OK)
		snprintf(err, len, "%s", seed.err);
	if (st == ADMIN_OK) {
		repair_set_domains(r, t);
		admin_probe_all(t, &seed, r->password, CONNECT_TIMEOUT_MS);
		repair_remember(r, t);
	}
	admin_close(&seed);
	return st;
}

static int repair_open(struct repair *r, const struct cnode *c, struct admin_node *n)
{
	return admin_open(n, c->host, c->port, r->password, CONNECT_TIMEOUT_MS);
}

/* The first thing a check report finds wrong, for the log. */
static void repair_problem(const struct ctable *t, const struct health_report *k, char *buf,
			   size_t len)
{
	char a[300];

	if (k->nmissing || k->served != SLOT_COUNT)
		snprintf(buf, len, "%d of %d slots not served", SLOT_COUNT - k->served, SLOT_COUNT);
	else if (k->nfailed)
		snprintf(buf, len, "%s (%s) is failed or unreachable",
			 cnode_name(&t->nodes[k->failed[0]], a, sizeof(a)), t->nodes[k->failed[0]].domain);
	else if (k->nopen)
		snprintf(buf, len, "%s has open slots", cnode_name(&t->nodes[k->open[0]], a, sizeof(a)));
	else if (k->nviolations && k->violations[0].kind == VIOL_NO_REMOTE_REPLICA)
		snprintf(buf, len, "master %s has no working replica in another failure domain",
			 cnode_name(&t->nodes[k->violations[0].node], a, sizeof(a)));
	else if (k->nviolations)
		snprintf(buf, len, "replica %s shares its master's failure domain",
			 cnode_name(&t->nodes[k->violations[0].node], a, sizeof(a)));
	else if (k->over_share)
		snprintf(buf, len, "a failure domain holds more than %d master(s)", k->fair_share);
	else if (k->nlink_down)
		snprintf(buf, len, "replica %s: replication link down",
			 cnode_name(&t->nodes[k->link_down[0]], a, sizeof(a)));
	else if (k->ndisagree)
		snprintf(buf, len, "%s does not agree with the seed yet",
			 cnode_name(&t->nodes[k->disagree[0]], a, sizeof(a)));
	else if (k->nstate_fail)
		snprintf(buf, len, "%s reports cluster_state:fail",
			 cnode_name(&t->nodes[k->state_fail[0]], a, sizeof(a)));
	else
		snprintf(buf, len, "healthy");
}

/* --- the steps ----------------------------------------------------------- */

/* Poll node c (reopened as needed) until test says 1 or the deadline. */
typedef int (*repair_test)(struct admin_node *n, const void *arg, char *why, size_t len);

static int repair_wait(struct repair *r, const struct cnode *c, repair_test test, const void *arg,
		       char *why, size_t len)
{
	long long deadline = mono_ms() + (long long)r->timeout_s * 1000;
	struct admin_node n = { .ctx = NULL };
	int st = 0;

	for (;;) {
		if (!n.ctx && repair_open(r, c, &n) != ADMIN_OK)
			snprintf(why, len, "%s", n.err);
		else if ((st = test(&n, arg, why, len)) == 1)
			break;
		if (mono_ms() > deadline || stopped(r)) {
			st = 0;
			break;
		}
		sleep_ms(POLL_MS);
	}
	admin_close(&n);
	return st == 1;
}

static int test_link_up(struct admin_node *n, const void *arg, char *why, size_t len)
{
	(void)arg;
	int st = admin_link_up(n);
	if (st == 0)
		snprintf(why, len, "%s: replication link not up", n->name);
	else if (st < 0)
		snprintf(why, len, "%s", n->err);
	return st;
}

/* The node says it is a master with slots and the cluster is ok. */
static int test_master_ok(struct admin_node *n, const void *arg, char *why, size_t len)
{
	struct ctable t;
	int me, st;

	(void)arg;
	if ((st = admin_cluster_nodes(n, &t)) != ADMIN_OK) {
		snprintf(why, len, "%s", n->err);
		return st;
	}
	me = ctable_myself(&t);
	st = (t.nodes[me].flags & CN_MASTER) && t.nodes[me].nslots > 0;
	ctable_free(&t);
	if (!st) {
		snprintf(why, len, "%s is not a master with slots yet", n->name);
		return 0;
	}
	st = admin_cluster_ok(n);
	if (st == 0)
		snprintf(why, len, "%s does not report cluster_state:ok yet", n->name);
	return st;
}

static int step_replicate(struct repair *r, const struct ctable *t, const struct heal_step *s)
{
	struct admin_node n;
	char why[400];
	int st = repair_open(r, &t->nodes[s->node], &n);

	if (st == ADMIN_OK)
		st = admin_run(&n, "CLUSTER REPLICATE %s", t->nodes[s->target].id);
	if (st != ADMIN_OK) {
		repair_say(r, "CLUSTER REPLICATE failed: %s", n.err);
		admin_close(&n);
		return -1;
	}
	admin_close(&n);
	if (!repair_wait(r, &t->nodes[s->node], test_link_up, NULL, why, sizeof(why))) {
		repair_say(r, "gave up after %d s: %s", r->timeout_s, why);
		return -1;
	}
	repair_say(r, "%s replicates %s, link up", n.name, t->nodes[s->target].id);
	return 0;
}

/* FORGET on every live node, quickly: a node that still knows the
 * forgotten one would teach it back to the others after 60 s. */
static int step_forget(struct repair *r, const struct ctable *t, const struct heal_step *s)
{
	const char *id = t->nodes[s->node].id;
	int done = 0, failed = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct cnode *c = &t->nodes[i];
		struct admin_node n;
		if ((int)i == s->node || cnode_failed(c) || !*c->host)
			continue;
		int st = repair_open(r, c, &n);
		if (st == ADMIN_OK)
			st = admin_run(&n, "CLUSTER FORGET %s", id);
		if (st == ADMIN_OK || strstr(n.err, "Unknown node"))
			done++;
		else {
			repair_say(r, "%s", n.err);
			failed++;
		}
		admin_close(&n);
	}
	repair_say(r, "forgot %.8s on %d node(s)%s", id, done, failed ? ", some refused" : "");
	return done ? 0 : -1;
}

struct offsets_arg {
	struct repair *r;
	const struct cnode *master;
};

/* Caught up: the replica has reached the offset its master had just
 * before (asked first, so a busy master cannot keep it "behind"). */
static int test_caught_up(struct admin_node *n, const void *varg, char *why, size_t len)
{
	const struct offsets_arg *arg = varg;
	struct admin_node m;
	long long mo = 0, ro = 0;
	int st = repair_open(arg->r, arg->master, &m);

	if (st == ADMIN_OK)
		st = admin_repl_field(&m, "master_repl_offset", &mo);
	if (st != ADMIN_OK) {
		snprintf(why, len, "%s", m.err);
		admin_close(&m);
		return 0;
	}
	admin_close(&m);
	if ((st = admin_link_up(n)) != 1) {
		snprintf(why, len, "%s: replication link not up", n->name);
		return st;
	}
	if ((st = admin_repl_field(n, "slave_repl_offset", &ro)) != ADMIN_OK) {
		snprintf(why, len, "%s", n->err);
		return st;
	}
	snprintf(why, len, "%s at offset %lld, its master at %lld", n->name, ro, mo);
	return ro >= mo;
}

static int step_failover(struct repair *r, const struct ctable *t, const struct heal_step *s)
{
	const struct cnode *c = &t->nodes[s->node];
	struct offsets_arg arg = { r, &t->nodes[s->target] };
	struct admin_node n;
	char why[400], a[300];
	bool force = s->kind == HEAL_TAKEOVER;

	cnode_name(c, a, sizeof(a));
	if (force) {
		/* Give redis the chance to do it the normal way first. */
		int saved = r->timeout_s;
		r->timeout_s = TAKEOVER_GRACE_MS / 1000;
		int done = repair_wait(r, c, test_master_ok, NULL, why, sizeof(why));
		r->timeout_s = saved;
		if (done) {
			repair_say(r, "%s took over by itself", a);
			return 0;
		}
	} else if (!repair_wait(r, c, test_caught_up, &arg, why, sizeof(why))) {
		repair_say(r, "not failing over: replica not caught up after %d s: %s", r->timeout_s, why);
		return -1;
	} else {
		repair_say(r, "%s caught up (%s)", a, why);
	}
	int st = repair_open(r, c, &n);
	if (st == ADMIN_OK)
		st = admin_run(&n, force ? "CLUSTER FAILOVER FORCE" : "CLUSTER FAILOVER");
	if (st != ADMIN_OK) {
		repair_say(r, "CLUSTER FAILOVER%s failed: %s", force ? " FORCE" : "", n.err);
		admin_close(&n);
		return -1;
	}
	admin_close(&n);
	if (!repair_wait(r, c, test_master_ok, NULL, why, sizeof(why))) {
		repair_say(r, "failover to %s not confirmed after %d s: %s", a, r->timeout_s, why);
		return -1;
	}
	repair_say(r, "%s is master now, cluster_state:ok", a);
	return 0;
}

/* The seed's view has caught up with the step: the next plan must not
 * be made on stale flags. */
static void repair_settle(struct repair *r, const struct heal_step *done, const char *node_id)
{
	long long deadline = mono_ms() + (long long)r->timeout_s * 1000;
	char err[400];

	while (mono_ms() < deadline && !stopped(r)) {
		struct ctable t;
		bool settled = false;
		if (repair_read(r, &t, err, sizeof(err)) == ADMIN_OK) {
			int i = ctable_find(&t, node_id);
			if (done->kind == HEAL_FORGET)
				settled = i < 0;
			else if (done->kind == HEAL_REPLICATE)
				settled = i >= 0 && (t.nodes[i].flags & CN_SLAVE);
			else
				settled = i >= 0 && (t.nodes[i].flags & CN_MASTER) && t.nodes[i].nslots;
		}
		ctable_free(&t);
		if (settled)
			return;
		sleep_ms(POLL_MS * 2);
	}
}

int repair_look(struct repair *r, bool *healthy, struct heal_step *s, char *line, size_t len)
{
	struct ctable t;
	struct health_report k;
	char err[400], why[400];
	int st = repair_read(r, &t, err, sizeof(err));

	*healthy = false;
	if (st != ADMIN_OK) {
		snprintf(line, len, "cannot read the cluster: %s", err);
		ctl_metrics_watch_checked(r->metrics, NULL, repair_wall_ms() / 1000.0);
		return st;
	}
	if (health_check(&t, &k) < 0 || heal_plan_next_at(&t, s, repair_wall_ms(), r->forget_after_s * 1000LL) < 0) {
		ctable_free(&t);
		snprintf(line, len, "out of memory");
		return ADMIN_REFUSED;
	}
	ctl_metrics_watch_checked(r->metrics, &k, repair_wall_ms() / 1000.0);
	*healthy = k.healthy;
	repair_problem(&t, &k, why, sizeof(why));
	snprintf(line, len, "degraded: %s; %s", why,
		 s->kind == HEAL_NONE ? s->reason : "healing");
	health_report_free(&k);
	ctable_free(&t);
	return 0;
}

/* --- heal ---------------------------------------------------------------- */

/* Healthy by now, or after the short while replicas and views need. */
static int repair_final(struct repair *r)
{
	/* watch checks again soon anyway, and must not sit on the lease. */
	long long deadline = mono_ms() + (r->stamp ? 3000 : (long long)r->timeout_s * 1000);
	char why[400] = "", err[400];

	for (;;) {
		struct ctable t;
		struct health_report k;
		if (repair_read(r, &t, err, sizeof(err)) != ADMIN_OK) {
			snprintf(why, sizeof(why), "%s", err);
		} else if (health_check(&t, &k) == 0) {
			bool healthy = k.healthy;
			repair_problem(&t, &k, why, sizeof(why));
			health_report_free(&k);
			ctable_free(&t);
			if (healthy) {
				repair_say(r, "healthy: all slots served, one master per failure domain share, "
					   "replicas outside their masters' domains");
				return EXIT_OK;
			}
		}
		ctable_free(&t);
		if (mono_ms() > deadline || stopped(r))
			break;
		sleep_ms(POLL_MS * 5);
	}
	repair_say(r, "not healthy: %s", why);
	return EXIT_FAILED;
}

/* Every reachable node holds the seed's configuration: a plan made while
 * gossip is still spreading a change would act on a stale picture. */
static bool repair_agreed(const struct ctable *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->nodes[i].probe.reachable && !t->nodes[i].probe.agrees)
			return false;
	return true;
}

static int repair_read_agreed(struct repair *r, struct ctable *t, char *err, size_t len)
{
	long long deadline = mono_ms() + (long long)r->timeout_s * 1000 / 3;
	int st;

	while ((st = repair_read(r, t, err, len)) == ADMIN_OK && !repair_agreed(t) &&
	       mono_ms() < deadline && !stopped(r)) {
		ctable_free(t);
		sleep_ms(POLL_MS * 2);
	}
	return st;
}

static int repair_step_run(struct repair *r, const struct ctable *t, const struct heal_step *s)
{
	switch (s->kind) {
	case HEAL_REPLICATE: return step_replicate(r, t, s);
	case HEAL_FORGET: return step_forget(r, t, s);
	default: return step_failover(r, t, s); /* HEAL_TAKEOVER, HEAL_FAILOVER */
	}
}

/* One round of heal: read the cluster, plan, take the step and wait for
 * the seed to show it. -1 when the next round should follow; else the
 * exit status heal ends with. */
static int repair_heal_round(struct repair *r, bool first)
{
	struct ctable t;
	struct heal_step s;
	char err[400], id[NODE_ID_LEN + 1];
	int rc;

	if (repair_read_agreed(r, &t, err, sizeof(err)) != ADMIN_OK) {
		repair_say(r, "cannot read the cluster: %s", err);
		return first ? EXIT_UNREACHABLE : EXIT_FAILED;
	}
	if (heal_plan_next_at(&t, &s, repair_wall_ms(), r->forget_after_s * 1000LL) < 0) {
		ctable_free(&t);
		repair_say(r, "out of memory");
		return EXIT_FAILED;
	}
	if (s.kind == HEAL_NONE) {
		ctable_free(&t);
		if (!s.balanced || strncmp(s.reason, "balanced", 8) != 0) {
			repair_say(r, "cannot heal fully: %s", s.reason);
			return EXIT_FAILED;
		}
		repair_say(r, "%s", s.reason);
		return repair_final(r);
	}
	if (r->keep_going && !r->keep_going(r)) {
		ctable_free(&t);
		repair_say(r, "stopping: the lease is lost");
		return EXIT_FAILED;
	}
	repair_say(r, "%s", s.reason);
	ctl_metrics_watch_step(r->metrics, s.kind);
	strcpy(id, t.nodes[s.node].id);
	rc = repair_step_run(r, &t, &s);
	ctable_free(&t);
	if (rc < 0) {
		repair_say(r, "cannot heal fully: the step above failed");
		return EXIT_FAILED;
	}
	repair_settle(r, &s, id);
	return -1;
}

int repair_heal(struct repair *r)
{
	int max_steps = 64;

	for (int step = 0; step < max_steps && !stopped(r); step++) {
		int rc = repair_heal_round(r, step == 0);
		if (rc >= 0)
			return rc;
	}
	repair_say(r, "cannot heal fully: still not done after %d steps", max_steps);
	return EXIT_FAILED;
}

/* --- add ----------------------------------------------------------------- */

struct add_node {
	struct admin_node n;
	const char *domain;
	int master;          /* table index, or -1: an empty master */
	bool member;         /* already in this cluster: nothing to do */
};

/* Every new node fit to join: reachable, cluster-enabled, and either empty
 * and alone or already a member of this very cluster. */
static int add_connect(struct repair *r, const struct node_addr *nodes, size_t n,
		       struct add_node *a, const struct ctable *t)
{
	int rc = EXIT_OK;

	for (size_t i = 0; i < n; i++) {
		struct admin_node *x = &a[i].n;
		int st = admin_open(x, nodes[i].host, nodes[i].port, r->password, CONNECT_TIMEOUT_MS);
		struct ctable own;
		if (st == ADMIN_OK && (st = admin_cluster_nodes(x, &own)) == ADMIN_OK) {
			int k = ctable_find(t, x->id);
			a[i].member = own.n > 1 && k >= 0 && !cnode_failed(&t->nodes[k]);
			ctable_free(&own);
		}
		if (st == ADMIN_OK && !a[i].member)
			st = admin_check_empty(x);
		if (st != ADMIN_OK) {
			fprintf(stderr, "clusterctl add: %s\n", x->err);
			if (rc != EXIT_UNREACHABLE)
				rc = command_exit_status(st);
			continue;
		}
		a[i].domain = *nodes[i].label ? nodes[i].label : x->ip;
		for (size_t j = 0; j < i; j++)
			if (strcmp(a[j].n.id, x->id) == 0) {
				fprintf(stderr, "clusterctl add: %s and %s are the same node\n", a[j].n.name,
					x->name);
				rc = rc ? rc : EXIT_USAGE;
			}
	}
	return rc;
}

/* Every live member and every new node knows every new node. */
static bool add_known_by_all(struct repair *r, const struct ctable *t, struct add_node *a, size_t n,
			     char *why, size_t len)
{
	for (size_t i = 0; i < t->n + n; i++) {
		struct admin_node tmp, *x = i < t->n ? &tmp : &a[i - t->n].n;
		struct ctable v;
		int st;
		if (i < t->n) {
			if (cnode_failed(&t->nodes[i]) || !*t->nodes[i].host)
				continue;
			st = repair_open(r, &t->nodes[i], &tmp);
		} else {
			st = x->ctx ? ADMIN_OK : ADMIN_UNREACHABLE;
		}
		if (st == ADMIN_OK)
			st = admin_cluster_nodes(x, &v);
		if (st != ADMIN_OK) {
			snprintf(why, len, "%s", x->err);
			if (x == &tmp)
				admin_close(&tmp);
			return false;
		}
		for (size_t j = 0; j < n; j++) {
			int k = ctable_find(&v, a[j].n.id);
			if (k < 0 || (v.nodes[k].flags & (CN_HANDSHAKE | CN_NOADDR))) {
				snprintf(why, len, "%.150s does not know %.150s yet", x->name, a[j].n.name);
				ctable_free(&v);
				if (x == &tmp)
					admin_close(&tmp);
				return false;
			}
		}
		ctable_free(&v);
		if (x == &tmp)
			admin_close(&tmp);
	}
	return true;
}

static int add_join(struct repair *r, const struct ctable *t, struct add_node *a, size_t n,
		    const struct admin_node *seed)
{
	long long deadline = mono_ms() + (long long)r->timeout_s * 1000;
	char why[400] = "";

	for (size_t i = 0; i < n; i++)
		if (!a[i].member && admin_run(&a[i].n, "CLUSTER MEET %s %d", seed->ip, seed->port) != ADMIN_OK) {
			repair_say(r, "CLUSTER MEET failed: %s", a[i].n.err);
			return EXIT_FAILED;
		}
	while (!add_known_by_all(r, t, a, n, why, sizeof(why))) {
		if (mono_ms() > deadline) {
			repair_say(r, "gave up after %d s waiting for every node to know the new ones: %s",
				   r->timeout_s, why);
			return EXIT_FAILED;
		}
		sleep_ms(POLL_MS);
	}
	repair_say(r, "every node knows the new node(s)");
	for (size_t i = 0; i < n; i++) {
		if (a[i].master < 0)
			continue;
		for (;;) {
			/* "Unknown node" until the master's gossip reaches it. */
			int st = admin_run(&a[i].n, "CLUSTER REPLICATE %s", t->nodes[a[i].master].id);
			if (st == ADMIN_OK)
				break;
			if (st != ADMIN_REFUSED || mono_ms() > deadline) {
				repair_say(r, "CLUSTER REPLICATE failed: %s", a[i].n.err);
				return EXIT_FAILED;
			}
			sleep_ms(POLL_MS);
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct cnode c = { .port = a[i].n.port };
		snprintf(c.host, sizeof(c.host), "%s", a[i].n.ip);
		if (a[i].master >= 0 && !repair_wait(r, &c, test_link_up, NULL, why, sizeof(why))) {
			repair_say(r, "gave up after %d s: %s", r->timeout_s, why);
			return EXIT_FAILED;
		}
	}
	return EXIT_OK;
}

/* Say which new nodes have no master outside their failure domain; true
 * when there is one, and then nothing is done. */
static bool add_refused(const struct add_node *a, const int *out, size_t n)
{
	bool refuse = false;

	for (size_t i = 0; i < n; i++)
		if (out[i] < 0 && !a[i].member) {
			fprintf(stderr, "clusterctl add: %s (%s): no working master outside its failure "
				"domain (add it with --master?)\n", a[i].n.name, a[i].domain);
			refuse = true;
		}
	if (refuse)
		fprintf(stderr, "clusterctl add: nothing was changed\n");
	return refuse;
}

/* Each new node's master, a[i].master: the table index heal_plan_add
 * picks, or -1 (--master, or a member already) for none. */
static int add_pick_masters(const struct ctable *t, struct add_node *a, size_t n, bool as_masters)
{
	const char **domains = calloc(n, sizeof(*domains));
	int *out = calloc(n, sizeof(*out));
	int rc = EXIT_FAILED;

	if (!domains || !out)
		goto done;
	for (size_t i = 0; i < n; i++) {
		domains[i] = a[i].domain;
		out[i] = -1;
	}
	if (!as_masters && heal_plan_add(t, domains, n, out) != 0 && add_refused(a, out, n))
		goto done;
	for (size_t i = 0; i < n; i++)
		a[i].master = a[i].member ? -1 : out[i];
	rc = EXIT_OK;
done:
	free(domains);
	free(out);
	return rc;
}

static void add_announce(const struct repair *r, const struct ctable *t, const struct add_node *a,
			 size_t n)
{
	char m[300];

	for (size_t i = 0; i < n; i++) {
		if (a[i].member)
			repair_say(r, "%s is already a member of this cluster; left as it is", a[i].n.name);
		else if (a[i].master < 0)
			repair_say(r, "%s (%s) joins as an empty master", a[i].n.name, a[i].domain);
		else
			repair_say(r, "%s (%s) joins as replica of %s (%s): fewest replicas outside its "
				   "failure domain", a[i].n.name, a[i].domain,
				   cnode_name(&t->nodes[a[i].master], m, sizeof(m)),
				   t->nodes[a[i].master].domain);
	}
}

int repair_add(struct repair *r, const struct node_addr *nodes, size_t n, bool as_masters)
{
	struct add_node *a = calloc(n, sizeof(*a));
	struct admin_node seed = { .ctx = NULL };
	struct ctable t = { NULL, 0 };
	char err[400];
	int rc = EXIT_FAILED;

	if (!a)
		goto out;
	if (repair_open_seed(r, &seed, err, sizeof(err)) != ADMIN_OK ||
	    admin_cluster_nodes(&seed, &t) != ADMIN_OK) {
		fprintf(stderr, "clusterctl add: %s\n", seed.ctx ? seed.err : err);
		rc = EXIT_UNREACHABLE;
		goto out;
	}
	repair_set_domains(r, &t);
	if ((rc = add_connect(r, nodes, n, a, &t)) != EXIT_OK) {
		fprintf(stderr, "clusterctl add: nothing was changed\n");
		goto out;
	}
	if ((rc = add_pick_masters(&t, a, n, as_masters)) != EXIT_OK)
		goto out;
	add_announce(r, &t, a, n);
	rc = add_join(r, &t, a, n, &seed);
	if (rc == EXIT_OK)
		repair_say(r, "done: %zu node(s) joined, replication links up", n);
out:
	for (size_t i = 0; a && i < n; i++)
		admin_close(&a[i].n);
	admin_close(&seed);
	ctable_free(&t);
	free(a);
	return rc;
}
