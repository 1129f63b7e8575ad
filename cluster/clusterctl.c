/* clusterctl.c - create and check Redis Clusters whose masters and replicas
 * keep to different failure domains (hosts, racks).
 *
 * The commands live in one table (name, usage, help, handler). Each handler
 * reads its options, then runs its steps in order; the layout and the
 * verdict come from placement.c, the talking from admin.c. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "placement.h"
#include "repair.h" /* and the exit status: 0 done (check: healthy), 1 failed or
		     * refused (check: degraded), 2 a node could not be reached or
		     * authenticated, 3 usage */

#define CONNECT_TIMEOUT_MS 2000
#define DEFAULT_WAIT_S 60
#define POLL_MS 100

struct command {
	const char *name;
	const char *usage;
	const char *help;
	int (*run)(const struct command *cmd, int argc, char **argv); /* NULL: not yet */
};

/* --- small helpers ------------------------------------------------------- */

static int usage_error(const struct command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int usage_error(const struct command *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "clusterctl %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: clusterctl %s %s\n", cmd->name, cmd->usage);
	return EXIT_USAGE;
}

static void command_help(const struct command *cmd, FILE *out)
{
	fprintf(out, "usage: clusterctl %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->help);
}

static int exit_for(int admin_status)
{
	return admin_status == ADMIN_UNREACHABLE || admin_status == ADMIN_AUTH ? EXIT_UNREACHABLE
									     : EXIT_FAILED;
}

static const char *default_password(void)
{
	return getenv("CLUSTERCTL_AUTH");
}



static int parse_count(const char *s, int min, int max, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

/* --- create -------------------------------------------------------------- */

struct create {
	const struct command *cmd;
	int replicas, wait_s;
	bool colocated;
	const char *password;
	size_t n;
	struct node_addr *addr;
	struct admin_node *node;
	const char **domain;
	struct placement_role *role;
	long long deadline;
	char *expected;           /* the planned configuration's signature */
};

static int create_options(struct create *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "replicas", required_argument, NULL, 'r' },
		{ "allow-colocated", no_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "a:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (parse_count(optarg, 0, 16, &c->replicas) < 0)
				return usage_error(c->cmd, "--replicas takes a number from 0 to 16, not '%s'",
						   optarg);
			break;
		case 'c': c->colocated = true; break;
		case 't':
			if (parse_count(optarg, 1, 3600, &c->wait_s) < 0)
				return usage_error(c->cmd, "--timeout takes seconds from 1 to 3600, not '%s'",
						   optarg);
			break;
		case 'a': c->password = optarg; break;
		case 'h': command_help(c->cmd, stdout); return -1;
		default: return usage_error(c->cmd, "unknown option or missing value: %s", argv[optind - 1]);
		}
	}
	c->n = (size_t)(argc - optind);
	if (c->n == 0)
		return usage_error(c->cmd, "no nodes given");
	if (c->n > PLACEMENT_MAX_NODES)
		return usage_error(c->cmd, "at most %d nodes", PLACEMENT_MAX_NODES);
	c->addr = calloc(c->n, sizeof(*c->addr));
	c->node = calloc(c->n, sizeof(*c->node));
	c->domain = calloc(c->n, sizeof(*c->domain));
	c->role = calloc(c->n, sizeof(*c->role));
	if (!c->addr || !c->node || !c->domain || !c->role) {
		fprintf(stderr, "clusterctl create: out of memory\n");
		return EXIT_FAILED;
	}
	for (size_t i = 0; i < c->n; i++) {
		char err[300];
		if (node_addr_parse(argv[optind + (int)i], &c->addr[i], err, sizeof(err)) < 0)
			return usage_error(c->cmd, "%s", err);
	}
	return EXIT_OK;
}

/* Connect to every node and make sure each is fit before anything is
 * changed: reachable, password right, cluster-enabled, empty, alone, and
 * not the same node under two names. Every unfit node gets its line. */
static int create_connect(struct create *c)
{
	int rc = EXIT_OK;

	for (size_t i = 0; i < c->n; i++) {
		struct admin_node *n = &c->node[i];
		int st = admin_open(n, c->addr[i].host, c->addr[i].port, c->password, CONNECT_TIMEOUT_MS);
		if (st == ADMIN_OK)
			st = admin_check_empty(n);
		if (st != ADMIN_OK) {
			fprintf(stderr, "clusterctl create: %s\n", n->err);
			if (rc != EXIT_UNREACHABLE)
				rc = exit_for(st);
			continue;
		}
		c->domain[i] = *c->addr[i].label ? c->addr[i].label : n->ip;
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->node[j].id, n->id) == 0) {
				fprintf(stderr, "clusterctl create: %s and %s are the same node (%s)\n",
					c->node[j].name, n->name, n->id);
				rc = rc ? rc : EXIT_USAGE;
			}
	}
	if (rc != EXIT_OK)
		fprintf(stderr, "clusterctl create: nothing was changed\n");
	return rc;
}

static int create_plan(struct create *c)
{
	struct placement_node *pn = calloc(c->n, sizeof(*pn));
	char err[512];
	int rc;

	if (!pn) {
		fprintf(stderr, "clusterctl create: out of memory\n");
		return EXIT_FAILED;
	}
	for (size_t i = 0; i < c->n; i++)
		pn[i] = (struct placement_node){ c->node[i].ip, c->node[i].port, c->domain[i] };
	rc = placement_plan(pn, c->n, c->replicas, c->colocated, c->role, err, sizeof(err));
	free(pn);
	if (rc < 0) {
		fprintf(stderr, "clusterctl create: %s\nclusterctl create: nothing was changed\n", err);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

static int domain_sort_cmp(const void *x, const void *y, void *arg)
{
	const struct create *c = arg;
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	int d = host_compare(c->domain[a], c->domain[b]);
	if (!d)
		d = strcmp(c->domain[a], c->domain[b]);
	if (!d)
		d = host_compare(c->node[a].ip, c->node[b].ip);
	return d ? d : c->node[a].port - c->node[b].port;
}

/* Per failure domain: which masters with which slots, whose replicas. */
static void create_print_layout(const struct create *c)
{
	size_t *order = malloc(sizeof(size_t) * c->n), masters = 0, domains = 0;

	if (!order)
		return;
	for (size_t i = 0; i < c->n; i++) {
		order[i] = i;
		masters += c->role[i].master < 0;
	}
	qsort_r(order, c->n, sizeof(size_t), domain_sort_cmp, (void *)c);
	for (size_t k = 0; k < c->n; k++)
		domains += k == 0 || strcmp(c->domain[order[k]], c->domain[order[k - 1]]) != 0;
	printf("Layout: %zu masters, %zu replicas, %zu failure domains\n", masters, c->n - masters,
	       domains);
	for (size_t k = 0; k < c->n; k++) {
		size_t i = order[k];
		const struct placement_role *r = &c->role[i];
		if (k == 0 || strcmp(c->domain[i], c->domain[order[k - 1]]) != 0)
			printf("  %s\n", c->domain[i]);
		if (r->master < 0)
			printf("    %-24s master   slots %d-%d (%d)\n", c->node[i].name, r->slot_first,
			       r->slot_last, r->slot_last - r->slot_first + 1);
		else
			printf("    %-24s replica  of %s (%s)%s\n", c->node[i].name,
			       c->node[r->master].name, c->domain[r->master],
			       r->colocated ? "  SAME FAILURE DOMAIN" : "");
	}
	free(order);
}

static int create_step_failed(const struct admin_node *n)
{
	fprintf(stderr, "clusterctl create: %s\nclusterctl create: the cluster is half made; reset "
		"its nodes (CLUSTER RESET HARD) before trying again\n", n->err);
	return EXIT_FAILED;
}

/* Slots to the masters, distinct config epochs to everyone (so the nodes
 * need not settle epoch collisions among themselves), then every node
 * meets the first. */
static int create_assign_and_meet(struct create *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct admin_node *n = &c->node[i];
		const struct placement_role *r = &c->role[i];
		/* A refusal only means the nodes sort epochs out among themselves. */
		if (admin_run(n, "CLUSTER SET-CONFIG-EPOCH %d", (int)i + 1) == ADMIN_UNREACHABLE)
			return create_step_failed(n);
		if (r->master < 0 &&
		    admin_run(n, "CLUSTER ADDSLOTSRANGE %d %d", r->slot_first, r->slot_last) != ADMIN_OK)
			return create_step_failed(n);
	}
	for (size_t i = 1; i < c->n; i++)
		if (admin_run(&c->node[i], "CLUSTER MEET %s %d", c->node[0].ip, c->node[0].port) !=
		    ADMIN_OK)
			return create_step_failed(&c->node[i]);
	return EXIT_OK;
}

/* Does node n know all the others by now (no handshakes left)? */
static int create_knows_all(struct create *c, struct admin_node *n, char *why, size_t len)
{
	struct ctable t;
	size_t known = 0;
	int st = admin_cluster_nodes(n, &t);

	if (st != ADMIN_OK) {
		snprintf(why, len, "%s", n->err);
		return st;
	}
	for (size_t j = 0; j < c->n; j++) {
		int k = ctable_find(&t, c->node[j].id);
		known += k >= 0 && !(t.nodes[k].flags & (CN_HANDSHAKE | CN_NOADDR));
	}
	ctable_free(&t);
	snprintf(why, len, "%s knows %zu of the %zu nodes", n->name, known, c->n);
	return known == c->n;
}

typedef int (*node_test)(struct create *c, size_t i, char *why, size_t len);

/* Poll until test holds for every node or the deadline passes; the message
 * then says which node was still behind and why. */
static int create_wait(struct create *c, node_test test, const char *what)
{
	char why[512] = "";

	for (;;) {
		bool all = true;
		for (size_t i = 0; i < c->n && all; i++) {
			int st = test(c, i, why, sizeof(why));
			if (st < 0 && c->node[i].ctx == NULL) {
				fprintf(stderr, "clusterctl create: %s\n", why);
				return EXIT_FAILED;
			}
			all = st == 1;
		}
		if (all)
			return EXIT_OK;
		if (admin_now_ms() > c->deadline) {
			fprintf(stderr, "clusterctl create: gave up waiting for %s after %d s: %s\n", what,
				c->wait_s, why);
			return EXIT_FAILED;
		}
		admin_sleep_ms(POLL_MS);
	}
}

static int test_joined(struct create *c, size_t i, char *why, size_t len)
{
	return create_knows_all(c, &c->node[i], why, len);
}

/* Replicas follow their masters. A replica that has not heard of its master
 * yet says "Unknown node": asked again until the deadline. */
static int create_replicate(struct create *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct placement_role *r = &c->role[i];
		struct admin_node *n = &c->node[i];
		if (r->master < 0)
			continue;
		for (;;) {
			int st = admin_run(n, "CLUSTER REPLICATE %s", c->node[r->master].id);
			if (st == ADMIN_OK)
				break;
			if (st != ADMIN_REFUSED || admin_now_ms() > c->deadline)
				return create_step_failed(n);
			admin_sleep_ms(POLL_MS);
		}
	}
	return EXIT_OK;
}

/* The configuration the plan asks for, as ctable_signature writes it. */
static char *create_expected_signature(const struct create *c)
{
	struct ctable t = { calloc(c->n, sizeof(struct cnode)), c->n };
	struct slot_range *ranges = calloc(c->n, sizeof(*ranges));
	char *sig = NULL;

	if (t.nodes && ranges) {
		for (size_t i = 0; i < c->n; i++) {
			struct cnode *n = &t.nodes[i];
			const struct placement_role *r = &c->role[i];
			strcpy(n->id, c->node[i].id);
			if (r->master >= 0) {
				n->flags = CN_SLAVE;
				strcpy(n->master_id, c->node[r->master].id);
				continue;
			}
			n->flags = CN_MASTER;
			ranges[i] = (struct slot_range){ r->slot_first, r->slot_last };
			n->slots = &ranges[i];
			n->nslots = 1;
		}
		sig = ctable_signature(&t);
	}
	free(t.nodes);
	free(ranges);
	return sig;
}

/* Node i holds the planned configuration, says cluster_state:ok, and (a
 * replica) has its replication link up. */
static int test_converged(struct create *c, size_t i, char *why, size_t len)
{
	struct admin_node *n = &c->node[i];
	struct ctable t;
	char *sig;
	int st = admin_cluster_nodes(n, &t);

	if (st != ADMIN_OK) {
		snprintf(why, len, "%s", n->err);
		return st;
	}
	sig = ctable_signature(&t);
	ctable_free(&t);
	st = sig && strcmp(sig, c->expected) == 0;
	free(sig);
	if (!st) {
		snprintf(why, len, "%s does not hold the planned configuration yet", n->name);
		return 0;
	}
	st = admin_cluster_ok(n);
	if (st < 0)
		snprintf(why, len, "%s", n->err);
	else if (st == 0)
		snprintf(why, len, "%s does not report cluster_state:ok yet", n->name);
	if (st != 1)
		return st;
	if (c->role[i].master < 0)
		return 1;
	st = admin_link_up(n);
	if (st < 0)
		snprintf(why, len, "%s", n->err);
	else if (st == 0)
		snprintf(why, len, "%s: replication link to %s not up yet", n->name,
			 c->node[c->role[i].master].name);
	return st;
}

static void create_free(struct create *c)
{
	for (size_t i = 0; c->node && i < c->n; i++)
		admin_close(&c->node[i]);
	free(c->addr);
	free(c->node);
	free(c->domain);
	free(c->role);
	free(c->expected);
}

static int cmd_create(const struct command *cmd, int argc, char **argv)
{
	struct create c = { .cmd = cmd, .replicas = 1, .wait_s = DEFAULT_WAIT_S,
			    .password = default_password() };
	int rc = create_options(&c, argc, argv);

	if (rc < 0) {
		rc = EXIT_OK; /* --help */
		goto out;
	}
	if (rc != EXIT_OK || (rc = create_connect(&c)) != EXIT_OK || (rc = create_plan(&c)) != EXIT_OK)
		goto out;
	create_print_layout(&c);
	fflush(stdout);
	c.deadline = admin_now_ms() + (long long)c.wait_s * 1000;
	if ((rc = create_assign_and_meet(&c)) != EXIT_OK ||
	    (rc = create_wait(&c, test_joined, "every node to know every other")) != EXIT_OK ||
	    (rc = create_replicate(&c)) != EXIT_OK)
		goto out;
	c.expected = create_expected_signature(&c);
	if (!c.expected) {
		fprintf(stderr, "clusterctl create: out of memory\n");
		rc = EXIT_FAILED;
		goto out;
	}
	rc = create_wait(&c, test_converged, "the nodes to agree and the cluster to be ok");
	if (rc == EXIT_OK)
		printf("Cluster ready: all %zu nodes agree, cluster_state:ok\n", c.n);
out:
	create_free(&c);
	return rc;
}

/* --- check --------------------------------------------------------------- */

struct check {
	const struct command *cmd;
	bool json;
	const char *password;
	struct node_addr seed;
	struct node_addr *labels; /* host, port, label */
	size_t nlabels;
	struct ctable t;
	struct check_report r;
};

/* --label HOST:PORT=LABEL, checked like HOST:PORT@LABEL. */
static int label_add(const struct command *cmd, struct node_addr **labels, size_t *n,
		     const char *arg)
{
	char text[NODE_HOST_MAX + NODE_LABEL_MAX + 16], err[300];
	const char *eq = strrchr(arg, '=');
	struct node_addr *l;

	if (!eq || strlen(arg) >= sizeof(text) || strchr(arg, '@'))
		return usage_error(cmd, "--label takes HOST:PORT=LABEL, not '%s'", arg);
	snprintf(text, sizeof(text), "%.*s@%s", (int)(eq - arg), arg, eq + 1);
	l = realloc(*labels, sizeof(*l) * (*n + 1));
	if (!l)
		return EXIT_FAILED;
	*labels = l;
	if (node_addr_parse(text, &l[*n], err, sizeof(err)) < 0)
		return usage_error(cmd, "--label '%s': %s", arg, err);
	(*n)++;
	return EXIT_OK;
}

static int check_add_label(struct check *k, const char *arg)
{
	return label_add(k->cmd, &k->labels, &k->nlabels, arg);
}

static int check_options(struct check *k, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "label", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char err[300];
	int opt, rc;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "a:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j': k->json = true; break;
		case 'a': k->password = optarg; break;
		case 'l':
			if ((rc = check_add_label(k, optarg)) != EXIT_OK)
				return rc;
			break;
		case 'h': command_help(k->cmd, stdout); return -1;
		default: return usage_error(k->cmd, "unknown option or missing value: %s", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return usage_error(k->cmd, "give exactly one HOST:PORT to start from");
	if (node_addr_parse(argv[optind], &k->seed, err, sizeof(err)) < 0)
		return usage_error(k->cmd, "%s", err);
	return EXIT_OK;
}

static void check_set_domains(struct check *k)
{
	for (size_t i = 0; i < k->nlabels; i++) {
		const struct node_addr *l = &k->labels[i];
		int idx = ctable_find_addr(&k->t, l->host, l->port);
		if (idx < 0)
			fprintf(stderr, "clusterctl check: --label %s:%d: no such node in the cluster\n",
				l->host, l->port);
		else
			snprintf(k->t.nodes[idx].domain, sizeof(k->t.nodes[idx].domain), "%s", l->label);
	}
}

static const char *addr_of(const struct cnode *c, char *buf, size_t len)
{
	return *c->host ? node_addr_format(c->host, c->port, buf, len) : c->id;
}

static void flags_text(unsigned flags, char *buf, size_t len)
{
	static const char *names[] = { "myself", "master", "slave", "fail?", "fail", "handshake",
				       "noaddr", "nofailover" };
	size_t used = 0;
	buf[0] = '\0';
	for (int b = 0; b < 8; b++)
		if (flags & (1u << b))
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "", names[b]);
}

/* --- check: readable report ---------------------------------------------- */

static void text_node(const struct check *k, size_t i)
{
	const struct cnode *c = &k->t.nodes[i];
	char a[300], m[300], flags[100];
	int mi = *c->master_id ? ctable_find(&k->t, c->master_id) : -1;

	flags_text(c->flags, flags, sizeof(flags));
	printf("    %s %-24s %.8s", c->flags & CN_SLAVE ? "S" : "M", addr_of(c, a, sizeof(a)), c->id);
	if (c->flags & CN_SLAVE) {
		printf("  replica of %s", mi >= 0 ? addr_of(&k->t.nodes[mi], m, sizeof(m)) : c->master_id);
		if (c->probe.probed && c->probe.reachable)
			printf(", link %s", c->probe.link_up ? "up" : "down");
		if (k->r.lag[i] >= 0)
			printf(", lag %lld", k->r.lag[i]);
	} else if (c->nslots) {
		printf("  slots");
		for (size_t s = 0; s < c->nslots && s < 8; s++)
			printf(s ? ",%d-%d" : " %d-%d", c->slots[s].first, c->slots[s].last);
		printf("%s (%d)", c->nslots > 8 ? ",..." : "", cnode_slot_count(c));
	} else {
		printf("  no slots");
	}
	if (cnode_failed(c))
		printf("  FAILED (%s%s%s)", flags, c->probe.error[0] ? "; " : "", c->probe.error);
	printf("\n");
}

static int text_problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int text_problem(const char *fmt, ...)
{
	va_list ap;
	printf("[FAIL] ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return 1;
}

static void text_verdict(const struct check *k)
{
	const struct check_report *r = &k->r;
	const struct ctable *t = &k->t;
	char a[300], b[300];
	int problems = 0;

	if (r->nmissing)
		problems += text_problem("%d of %d slots have no master, first %d-%d",
					 CLUSTER_SLOTS - r->assigned, CLUSTER_SLOTS, r->missing[0].first,
					 r->missing[0].last);
	if (r->assigned != r->served)
		problems += text_problem("%d slots belong to failed masters", r->assigned - r->served);
	for (size_t i = 0; i < r->nopen; i++) {
		const struct cnode *c = &t->nodes[r->open[i]];
		problems += text_problem("%s has open slots: %d %s", addr_of(c, a, sizeof(a)),
					 c->open[0].slot, c->open[0].importing ? "importing" : "migrating");
	}
	for (size_t i = 0; i < r->nfailed; i++)
		problems += text_problem("%s (%s) is failed or unreachable",
					 addr_of(&t->nodes[r->failed[i]], a, sizeof(a)),
					 t->nodes[r->failed[i]].domain);
	for (size_t i = 0; i < r->nviolations; i++) {
		const struct violation *v = &r->violations[i];
		const struct cnode *c = &t->nodes[v->node];
		if (v->kind == VIOL_REPLICA_IN_MASTER_DOMAIN)
			problems += text_problem("replica %s shares failure domain %s with its master %s",
						 addr_of(c, a, sizeof(a)), c->domain,
						 addr_of(&t->nodes[v->master], b, sizeof(b)));
		else
			problems += text_problem("master %s (%s) has no working replica in another "
						 "failure domain", addr_of(c, a, sizeof(a)), c->domain);
	}
	for (size_t d = 0; d < r->ndomains; d++)
		if (r->domains[d].over_share)
			problems += text_problem("failure domain %s holds %d masters; its fair share is %d",
						 r->domains[d].name, r->domains[d].masters, r->fair_share);
	for (size_t i = 0; i < r->nlink_down; i++)
		problems += text_problem("replica %s: replication link down",
					 addr_of(&t->nodes[r->link_down[i]], a, sizeof(a)));
	for (size_t i = 0; i < r->ndisagree; i++)
		problems += text_problem("%s sees a different configuration than the seed",
					 addr_of(&t->nodes[r->disagree[i]], a, sizeof(a)));
	for (size_t i = 0; i < r->nstate_fail; i++)
		problems += text_problem("%s reports cluster_state:fail",
					 addr_of(&t->nodes[r->state_fail[i]], a, sizeof(a)));
	if (problems)
		printf("degraded: %d problem(s)\n", problems);
	else
		printf("[OK] all %d slots served, no open slots, all nodes up and in agreement\n"
		       "[OK] every replica outside its master's failure domain; at most %d master(s) "
		       "per domain\nhealthy\n", CLUSTER_SLOTS, r->fair_share);
}

static int cnode_addr_cmp(const void *x, const void *y, void *arg)
{
	const struct ctable *t = arg;
	const struct cnode *a = &t->nodes[*(const size_t *)x], *b = &t->nodes[*(const size_t *)y];
	int c = host_compare(a->host, b->host);
	return c ? c : a->port - b->port;
}

static void check_print_text(const struct check *k, const char *seed_name)
{
	const struct check_report *r = &k->r;

	printf("Cluster seen from %s: %zu nodes, %d working masters, %zu failure domains\n",
	       seed_name, k->t.n, r->masters, r->ndomains);
	size_t *order = malloc(sizeof(size_t) * (k->t.n + 1));

	if (!order)
		return;
	for (size_t i = 0; i < k->t.n; i++)
		order[i] = i;
	qsort_r(order, k->t.n, sizeof(size_t), cnode_addr_cmp, (void *)&k->t);
	for (size_t d = 0; d < r->ndomains; d++) {
		const struct domain_stat *ds = &r->domains[d];
		printf("  %s: %d master(s), %d replica(s), %d failed\n", ds->name, ds->masters,
		       ds->replicas, ds->failed);
		for (size_t j = 0; j < k->t.n; j++) {
			const struct cnode *c = &k->t.nodes[order[j]];
			if (strcmp(c->domain, ds->name) == 0 && !(c->flags & CN_HANDSHAKE))
				text_node(k, order[j]);
		}
	}
	free(order);
	text_verdict(k);
}

/* --- check: JSON ----------------------------------------------------------- */

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void json_addr(const struct cnode *c)
{
	char a[300];
	json_string(addr_of(c, a, sizeof(a)));
}

static void json_addr_list(const char *key, const struct ctable *t, const int *idx, size_t n)
{
	printf(",\"%s\":[", key);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? "," : "", stdout);
		json_addr(&t->nodes[idx[i]]);
	}
	printf("]");
}

static void json_node(const struct check *k, size_t i)
{
	const struct cnode *c = &k->t.nodes[i];
	char flags[100];
	int mi = *c->master_id ? ctable_find(&k->t, c->master_id) : -1;

	flags_text(c->flags, flags, sizeof(flags));
	printf("%s{\"id\":\"%s\",\"addr\":", i ? "," : "", c->id);
	json_addr(c);
	printf(",\"domain\":");
	json_string(c->domain);
	printf(",\"role\":\"%s\",\"flags\":", c->flags & CN_SLAVE ? "replica" : "master");
	json_string(flags);
	printf(",\"master\":");
	if (mi >= 0)
		json_addr(&k->t.nodes[mi]);
	else
		printf("null");
	printf(",\"slots\":[");
	for (size_t s = 0; s < c->nslots; s++)
		printf("%s[%d,%d]", s ? "," : "", c->slots[s].first, c->slots[s].last);
	printf("],\"slot_count\":%d,\"open_slots\":[", cnode_slot_count(c));
	for (size_t s = 0; s < c->nopen; s++)
		printf("%s{\"slot\":%d,\"state\":\"%s\",\"peer\":\"%s\"}", s ? "," : "", c->open[s].slot,
		       c->open[s].importing ? "importing" : "migrating", c->open[s].peer);
	printf("],\"failed\":%s,\"reachable\":%s,\"error\":", cnode_failed(c) ? "true" : "false",
	       c->probe.reachable ? "true" : "false");
	json_string(c->probe.error);
	if ((c->flags & CN_SLAVE) && c->probe.reachable)
		printf(",\"link\":\"%s\"", c->probe.link_up ? "up" : "down");
	else
		printf(",\"link\":null");
	if (k->r.lag[i] >= 0)
		printf(",\"lag\":%lld}", k->r.lag[i]);
	else
		printf(",\"lag\":null}");
}

static void check_print_json(const struct check *k, const char *seed_name)
{
	const struct check_report *r = &k->r;
	const struct ctable *t = &k->t;

	printf("{\"seed\":");
	json_string(seed_name);
	printf(",\"status\":\"%s\",\"nodes\":[", r->healthy ? "healthy" : "degraded");
	for (size_t i = 0; i < t->n; i++)
		json_node(k, i);
	printf("],\"slots\":{\"assigned\":%d,\"served\":%d,\"missing\":[", r->assigned, r->served);
	for (size_t i = 0; i < r->nmissing; i++)
		printf("%s[%d,%d]", i ? "," : "", r->missing[i].first, r->missing[i].last);
	printf("]}");
	json_addr_list("open_slots", t, r->open, r->nopen);
	json_addr_list("failed", t, r->failed, r->nfailed);
	printf(",\"violations\":[");
	for (size_t i = 0; i < r->nviolations; i++) {
		const struct violation *v = &r->violations[i];
		printf("%s{\"type\":\"%s\",\"node\":", i ? "," : "",
		       v->kind == VIOL_REPLICA_IN_MASTER_DOMAIN ? "replica_in_master_domain"
								 : "master_without_remote_replica");
		json_addr(&t->nodes[v->node]);
		printf(",\"master\":");
		if (v->master >= 0)
			json_addr(&t->nodes[v->master]);
		else
			printf("null");
		printf(",\"domain\":");
		json_string(t->nodes[v->node].domain);
		printf("}");
	}
	printf("],\"masters\":%d,\"fair_share\":%d,\"domains\":[", r->masters, r->fair_share);
	for (size_t d = 0; d < r->ndomains; d++) {
		const struct domain_stat *ds = &r->domains[d];
		printf("%s{\"name\":", d ? "," : "");
		json_string(ds->name);
		printf(",\"nodes\":%d,\"failed\":%d,\"masters\":%d,\"replicas\":%d,\"over_share\":%s}",
		       ds->nodes, ds->failed, ds->masters, ds->replicas, ds->over_share ? "true" : "false");
	}
	printf("],\"over_share\":[");
	for (size_t d = 0, n = 0; d < r->ndomains; d++)
		if (r->domains[d].over_share) {
			fputs(n++ ? "," : "", stdout);
			json_string(r->domains[d].name);
		}
	printf("]");
	json_addr_list("link_down", t, r->link_down, r->nlink_down);
	json_addr_list("disagree", t, r->disagree, r->ndisagree);
	json_addr_list("state_fail", t, r->state_fail, r->nstate_fail);
	printf("}\n");
}

static int cmd_check(const struct command *cmd, int argc, char **argv)
{
	struct check k = { .cmd = cmd, .password = default_password() };
	struct admin_node seed;
	int rc = check_options(&k, argc, argv), st;

	memset(&seed, 0, sizeof(seed));
	if (rc != EXIT_OK) {
		rc = rc < 0 ? EXIT_OK : rc;
		goto out;
	}
	st = admin_open(&seed, k.seed.host, k.seed.port, k.password, CONNECT_TIMEOUT_MS);
	if (st == ADMIN_OK)
		st = admin_cluster_nodes(&seed, &k.t);
	if (st != ADMIN_OK) {
		fprintf(stderr, "clusterctl check: %s\n", seed.err);
		rc = EXIT_UNREACHABLE;
		goto out;
	}
	check_set_domains(&k);
	admin_probe_all(&k.t, &seed, k.password, CONNECT_TIMEOUT_MS);
	if (check_cluster(&k.t, &k.r) < 0) {
		fprintf(stderr, "clusterctl check: out of memory\n");
		rc = EXIT_FAILED;
		goto out;
	}
	if (k.json)
		check_print_json(&k, seed.name);
	else
		check_print_text(&k, seed.name);
	rc = k.r.healthy ? EXIT_OK : EXIT_FAILED;
out:
	admin_close(&seed);
	check_report_free(&k.r);
	ctable_free(&k.t);
	free(k.labels);
	return rc;
}

/* --- add, heal, watch ------------------------------------------------------ */

struct repair_cli {
	const struct command *cmd;
	struct repair r;
	struct node_addr *labels, *seeds, *nodes;
	size_t nlabels, nseeds, nnodes;
	bool to_given, as_masters;
	int interval_s;
};

static int cli_push(struct node_addr **list, size_t *n, const struct command *cmd, const char *arg)
{
	char err[300];
	struct node_addr *l = realloc(*list, sizeof(*l) * (*n + 1));

	if (!l)
		return EXIT_FAILED;
	*list = l;
	if (node_addr_parse(arg, &l[*n], err, sizeof(err)) < 0)
		return usage_error(cmd, "%s", err);
	(*n)++;
	return EXIT_OK;
}

/* One parser for the three: add takes nodes plus --to and --master, watch
 * takes --interval and several seeds, heal one seed. -1: --help shown. */
static int repair_options(struct repair_cli *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 't' },
		{ "interval", required_argument, NULL, 'i' },
		{ "to", required_argument, NULL, 'T' },
		{ "master", no_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = o->cmd->name;
	bool add = strcmp(name, "add") == 0, watch = strcmp(name, "watch") == 0;
	int opt, rc;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "a:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'a': o->r.password = optarg; break;
		case 'l':
			if ((rc = label_add(o->cmd, &o->labels, &o->nlabels, optarg)) != EXIT_OK)
				return rc;
			break;
		case 't':
			if (parse_count(optarg, 1, 3600, &o->r.timeout_s) < 0)
				return usage_error(o->cmd, "--timeout takes seconds from 1 to 3600, not '%s'",
						   optarg);
			break;
		case 'i':
			if (!watch || parse_count(optarg, 1, 86400, &o->interval_s) < 0)
				return usage_error(o->cmd, "--interval takes seconds from 1 to 86400 (watch only)");
			break;
		case 'T':
			if (!add)
				return usage_error(o->cmd, "--to is for add only");
			if ((rc = cli_push(&o->seeds, &o->nseeds, o->cmd, optarg)) != EXIT_OK)
				return rc;
			o->to_given = true;
			break;
		case 'm':
			if (!add)
				return usage_error(o->cmd, "--master is for add only");
			o->as_masters = true;
			break;
		case 'h': command_help(o->cmd, stdout); return -1;
		default: return usage_error(o->cmd, "unknown option or missing value: %s", argv[optind - 1]);
		}
	}
	for (int i = optind; i < argc; i++)
		if ((rc = cli_push(add ? &o->nodes : &o->seeds, add ? &o->nnodes : &o->nseeds, o->cmd,
				   argv[i])) != EXIT_OK)
			return rc;
	if (add && (!o->to_given || o->nnodes == 0))
		return usage_error(o->cmd, "give the new nodes and --to HOST:PORT of a member");
	if (add && o->nnodes > PLACEMENT_MAX_NODES)
		return usage_error(o->cmd, "at most %d nodes", PLACEMENT_MAX_NODES);
	if (!add && !watch && o->nseeds != 1)
		return usage_error(o->cmd, "give exactly one HOST:PORT to start from");
	if (watch && o->nseeds == 0)
		return usage_error(o->cmd, "give at least one HOST:PORT to start from");
	o->r.labels = o->labels;
	o->r.nlabels = o->nlabels;
	o->r.seeds = o->seeds;
	o->r.nseeds = o->nseeds;
	return EXIT_OK;
}

static int cmd_repair(const struct command *cmd, int argc, char **argv)
{
	struct repair_cli o = { .cmd = cmd, .interval_s = 10,
				.r = { .cmd = cmd->name, .password = default_password(), .timeout_s = 30 } };
	int rc = repair_options(&o, argc, argv);

	if (rc == EXIT_OK) {
		if (strcmp(cmd->name, "add") == 0)
			rc = repair_add(&o.r, o.nodes, o.nnodes, o.as_masters);
		else if (strcmp(cmd->name, "heal") == 0)
			rc = repair_heal_leased(&o.r);
		else
			rc = repair_watch(&o.r, o.interval_s);
	} else if (rc < 0) {
		rc = EXIT_OK;
	}
	free(o.labels);
	free(o.seeds);
	free(o.nodes);
	free(o.r.known);
	return rc;
}

/* --- the command table ----------------------------------------------------- */

static const struct command commands[] = {
	{ "create", "[--replicas N] [-a PASSWORD] [--allow-colocated] [--timeout SECONDS] "
		    "HOST:PORT[@LABEL] ...",
	  "Make a new cluster of empty nodes: masters spread over the failure domains (LABEL,\n"
	  "else the IP), slots split evenly, each master's N replicas (default 1) in other\n"
	  "domains. Waits (default 60 s) until every node agrees and the cluster is ok.",
	  cmd_create },
	{ "check", "[--json] [-a PASSWORD] [--label HOST:PORT=LABEL]... HOST:PORT",
	  "Report slot coverage, open slots, failed nodes, replicas sharing their master's\n"
	  "failure domain and domains holding more than their share of masters.\n"
	  "Exit 0 healthy, 1 degraded, 2 unreachable.",
	  cmd_check },
	{ "add", "[-a PASSWORD] [--master] [--label HOST:PORT=LABEL]... [--timeout SECONDS] "
		 "HOST:PORT[@LABEL] ... --to HOST:PORT",
	  "Join empty nodes to the cluster --to belongs to, each as a replica of the master\n"
	  "with the fewest replicas outside its failure domain (--master: as empty masters).\n"
	  "Waits until every node knows them and their replication links are up.",
	  cmd_repair },
	{ "heal", "[-a PASSWORD] [--label HOST:PORT=LABEL]... [--timeout SECONDS] HOST:PORT",
	  "Forget failed nodes that serve no slot, re-attach orphaned replicas, and fail\n"
	  "over (one caught-up replica at a time) until no failure domain holds more than\n"
	  "its share of masters. Never drops a key. Exit 0 healthy, 1 not fully healed,\n"
	  "2 unreachable.",
	  cmd_repair },
	{ "watch", "[--interval SECONDS] [-a PASSWORD] [--label HOST:PORT=LABEL]... HOST:PORT ...",
	  "Check every interval (default 10 s) and heal when needed, under a lease in the\n"
	  "cluster so that one watcher heals at a time. Runs until SIGTERM or SIGINT.",
	  cmd_repair },
	{ NULL, NULL, NULL, NULL },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: clusterctl COMMAND [OPTIONS] ...\n\nCommands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(out, "  %-6s %s%s\n", c->name, c->usage, c->run ? "" : "  (not yet implemented)");
	fprintf(out, "\n-a PASSWORD (or $CLUSTERCTL_AUTH) authenticates to every node.\n"
		     "Exit status: 0 done or healthy, 1 failed or degraded, 2 a node unreachable\n"
		     "or refusing the password, 3 usage error. See clusterctl(8).\n");
}

static const struct command *command_find(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int main(int argc, char **argv)
{
	const struct command *cmd;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2 && (cmd = command_find(argv[2]))) {
			command_help(cmd, stdout);
			return EXIT_OK;
		}
		usage(stdout);
		return EXIT_OK;
	}
	cmd = command_find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "clusterctl: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!cmd->run) {
		fprintf(stderr, "clusterctl %s: not implemented yet\n", cmd->name);
		return EXIT_FAILED;
	}
	return cmd->run(cmd, argc - 1, argv + 1);
}
