/* create.c - clusterctl create: make a new cluster of empty nodes, laid out
 * by placement_plan, and wait until every node agrees and the cluster is
 * ok. Every node is checked before anything is changed. clusterctl
 * restore builds its new cluster with the same steps (create.h). */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "clusterctl.h"
#include "create.h"
#include "ctable.h"
#include "mono.h"
#include "node_addr.h"
#include "placement.h"

static int create_option(void *ctx, int opt, char **argv)
{
	struct create *c = ctx;

	switch (opt) {
	case 'r':
		if (command_parse_count(optarg, 0, 16, &c->replicas) < 0)
			return command_usage_error(c->cmd, "--replicas takes a number from 0 to 16, "
						   "not '%s'", optarg);
		return EXIT_OK;
	case 'c': c->colocated = true; return EXIT_OK;
	case 't':
		if (command_parse_count(optarg, 1, 3600, &c->wait_s) < 0)
			return command_usage_error(c->cmd, "--timeout takes seconds from 1 to 3600, "
						   "not '%s'", optarg);
		return EXIT_OK;
	case 'a': c->password = optarg; return EXIT_OK;
	case 'h': command_help(c->cmd, stdout); return -1;
	default:
		return command_usage_error(c->cmd, "unknown option or missing value: %s",
					   argv[optind - 1]);
	}
}

int create_set_nodes(struct create *c, char **args, size_t n)
{
	c->n = n;
	if (c->n == 0)
		return command_usage_error(c->cmd, "no nodes given");
	if (c->n > PLACEMENT_MAX_NODES)
		return command_usage_error(c->cmd, "at most %d nodes", PLACEMENT_MAX_NODES);
	c->addr = calloc(c->n, sizeof(*c->addr));
	c->node = calloc(c->n, sizeof(*c->node));
	c->domain = calloc(c->n, sizeof(*c->domain));
	c->role = calloc(c->n, sizeof(*c->role));
	if (!c->addr || !c->node || !c->domain || !c->role) {
		fprintf(stderr, "clusterctl %s: out of memory\n", c->cmd->name);
		return EXIT_FAILED;
	}
	for (size_t i = 0; i < c->n; i++) {
		char err[300];
		if (node_addr_parse(args[i], &c->addr[i], err, sizeof(err)) < 0)
			return command_usage_error(c->cmd, "%s", err);
	}
	return EXIT_OK;
}

/* EXIT_OK, another exit status, or -1 when --help was shown. */
static int create_options(struct create *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "replicas", required_argument, NULL, 'r' },
		{ "allow-colocated", no_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int rc = command_options(argc, argv, opts, create_option, c);

	return rc != EXIT_OK ? rc : create_set_nodes(c, argv + optind, (size_t)(argc - optind));
}

/* One unfit node: its own line, or with one_line the first one kept for
 * the summary. */
static void create_unfit(struct create *c, char *first, size_t len, int *bad, const char *msg)
{
	if (!c->one_line)
		fprintf(stderr, "clusterctl %s: %s\n", c->cmd->name, msg);
	else if ((*bad)++ == 0)
		snprintf(first, len, "%s", msg);
}

/* Connect to every node and make sure each is fit before anything is
 * changed: reachable, password right, cluster-enabled, empty, alone, and
 * not the same node under two names. Every unfit node gets its line (with
 * one_line: the first, and how many more). */
int create_connect(struct create *c)
{
	char first[400] = "", msg[400];
	int rc = EXIT_OK, bad = 0;

	for (size_t i = 0; i < c->n; i++) {
		struct admin_node *n = &c->node[i];
		int st = admin_open(n, c->addr[i].host, c->addr[i].port, c->password, CONNECT_TIMEOUT_MS);
		if (st == ADMIN_OK)
			st = admin_check_empty(n);
		if (st != ADMIN_OK) {
			create_unfit(c, first, sizeof(first), &bad, n->err);
			if (rc != EXIT_UNREACHABLE)
				rc = command_exit_status(st);
			continue;
		}
		c->domain[i] = *c->addr[i].label ? c->addr[i].label : n->ip;
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->node[j].id, n->id) == 0) {
				snprintf(msg, sizeof(msg), "%.100s and %.100s are the same node (%s)",
					 c->node[j].name, n->name, n->id);
				create_unfit(c, first, sizeof(first), &bad, msg);
				rc = rc ? rc : EXIT_USAGE;
			}
	}
	if (rc != EXIT_OK && c->one_line && bad > 1)
		fprintf(stderr, "clusterctl %s: %s (and %d more unfit node%s); nothing was changed\n",
			c->cmd->name, first, bad - 1, bad > 2 ? "s" : "");
	else if (rc != EXIT_OK && c->one_line)
		fprintf(stderr, "clusterctl %s: %s; nothing was changed\n", c->cmd->name, first);
	else if (rc != EXIT_OK)
		fprintf(stderr, "clusterctl %s: nothing was changed\n", c->cmd->name);
	return rc;
}

int create_plan(struct create *c)
{
	struct placement_node *pn = calloc(c->n, sizeof(*pn));
	char err[512];
	int rc;

	if (!pn) {
		fprintf(stderr, "clusterctl %s: out of memory\n", c->cmd->name);
		return EXIT_FAILED;
	}
	for (size_t i = 0; i < c->n; i++)
		pn[i] = (struct placement_node){ c->node[i].ip, c->node[i].port, c->domain[i] };
	rc = placement_plan(pn, c->n, c->replicas, c->colocated, c->role, err, sizeof(err));
	free(pn);
	if (rc < 0) {
		fprintf(stderr, "clusterctl %s: %s\nclusterctl %s: nothing was changed\n", c->cmd->name, err,
			c->cmd->name);
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
void create_print_layout(const struct create *c)
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

static int create_step_failed(const struct create *c, const struct admin_node *n)
{
	fprintf(stderr, "clusterctl %s: %s\nclusterctl %s: the cluster is half made; reset "
		"its nodes (CLUSTER RESET HARD) before trying again\n", c->cmd->name, n->err, c->cmd->name);
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
			return create_step_failed(c, n);
		if (r->master < 0 &&
		    admin_run(n, "CLUSTER ADDSLOTSRANGE %d %d", r->slot_first, r->slot_last) != ADMIN_OK)
			return create_step_failed(c, n);
	}
	for (size_t i = 1; i < c->n; i++)
		if (admin_run(&c->node[i], "CLUSTER MEET %s %d", c->node[0].ip, c->node[0].port) !=
		    ADMIN_OK)
			return create_step_failed(c, &c->node[i]);
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
				fprintf(stderr, "clusterctl %s: %s\n", c->cmd->name, why);
				return EXIT_FAILED;
			}
			all = st == 1;
		}
		if (all)
			return EXIT_OK;
		if (mono_ms() > c->deadline) {
			fprintf(stderr, "clusterctl %s: gave up waiting for %s after %d s: %s\n", c->cmd->name, what,
				c->wait_s, why);
			return EXIT_FAILED;
		}
		sleep_ms(POLL_MS);
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
			if (st != ADMIN_REFUSED || mono_ms() > c->deadline)
				return create_step_failed(c, n);
			sleep_ms(POLL_MS);
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

void create_free(struct create *c)
{
	for (size_t i = 0; c->node && i < c->n; i++)
		admin_close(&c->node[i]);
	free(c->addr);
	free(c->node);
	free(c->domain);
	free(c->role);
	free(c->expected);
}

int create_build(struct create *c)
{
	int rc;

	create_print_layout(c);
	fflush(stdout);
	c->deadline = mono_ms() + (long long)c->wait_s * 1000;
	if ((rc = create_assign_and_meet(c)) != EXIT_OK ||
	    (rc = create_wait(c, test_joined, "every node to know every other")) != EXIT_OK ||
	    (rc = create_replicate(c)) != EXIT_OK)
		return rc;
	c->expected = create_expected_signature(c);
	if (!c->expected) {
		fprintf(stderr, "clusterctl %s: out of memory\n", c->cmd->name);
		return EXIT_FAILED;
	}
	rc = create_wait(c, test_converged, "the nodes to agree and the cluster to be ok");
	if (rc == EXIT_OK)
		printf("Cluster ready: all %zu nodes agree, cluster_state:ok\n", c->n);
	return rc;
}

int cmd_create(const struct command *cmd, int argc, char **argv)
{
	struct create c = { .cmd = cmd, .replicas = 1, .wait_s = CREATE_DEFAULT_WAIT_S,
			    .password = command_default_password() };
	int rc = create_options(&c, argc, argv);

	if (rc < 0)
		rc = EXIT_OK; /* --help */
	else if (rc == EXIT_OK && (rc = create_connect(&c)) == EXIT_OK &&
		 (rc = create_plan(&c)) == EXIT_OK)
		rc = create_build(&c);
	create_free(&c);
	return rc;
}
