/* clusterctl.c - create and check Redis Clusters whose masters and replicas
 * keep to different failure domains (hosts, racks), and archive them for
 * point-in-time restore.
 *
 * Every verb is a row of the command table at the end of this file (name,
 * usage, help, handler); main only finds the row, and --help is printed
 * from the table. The handlers of check, add, heal and watch read their
 * options here and hand over: create.c makes a cluster, report.c prints
 * check's verdict, repair.c and watch.c heal; archive.c, backups.c and
 * restore.c have verbs of their own. */
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "clusterctl.h"
#include "health.h"
#include "metrics_http.h"
#include "node_addr.h"
#include "placement.h"
#include "repair.h"
#include "report.h"

/* --- what every verb uses -------------------------------------------------- */

int command_options(int argc, char **argv, const struct option *opts,
		    int (*one)(void *ctx, int opt, char **argv), void *ctx)
{
	int opt, rc;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "a:h", opts, NULL)) != -1)
		if ((rc = one(ctx, opt, argv)) != EXIT_OK)
			return rc;
	return EXIT_OK;
}

int command_usage_error(const struct command *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "clusterctl %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: clusterctl %s %s\n", cmd->name, cmd->usage);
	return EXIT_USAGE;
}

void command_help(const struct command *cmd, FILE *out)
{
	fprintf(out, "usage: clusterctl %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->help);
}

int command_exit_status(int admin_status)
{
	return admin_status == ADMIN_UNREACHABLE || admin_status == ADMIN_AUTH ? EXIT_UNREACHABLE
									     : EXIT_FAILED;
}

const char *command_default_password(void)
{
	return getenv("CLUSTERCTL_AUTH");
}

int command_parse_count(const char *s, int min, int max, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

int command_metrics_option(const struct command *cmd, const char *arg, const char **out)
{
	struct sockaddr_in sa;
	char err[300];

	if (metrics_http_addr(arg, &sa, err, sizeof(err)) < 0)
		return command_usage_error(cmd, "--metrics %s", err);
	*out = arg;
	return EXIT_OK;
}

int command_metrics_start(const struct command *cmd, const char *listen, enum ctl_metrics_verb verb,
			  struct command_metrics *out)
{
	char err[300];

	*out = (struct command_metrics){ NULL, NULL };
	if (!listen)
		return EXIT_OK;
	if (!(out->m = ctl_metrics_new(verb, PACKAGE_VERSION))) {
		fprintf(stderr, "clusterctl %s: out of memory\n", cmd->name);
		return EXIT_FAILED;
	}
	out->http = metrics_http_start(listen, "clusterctl", ctl_metrics_render, out->m, err, sizeof(err));
	if (!out->http) {
		fprintf(stderr, "clusterctl %s: --metrics: cannot listen on %s\n", cmd->name, err);
		command_metrics_stop(out);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

void command_metrics_stop(struct command_metrics *cm)
{
	metrics_http_stop(cm->http);
	ctl_metrics_free(cm->m);
	*cm = (struct command_metrics){ NULL, NULL };
}

/* --label HOST:PORT=LABEL, checked like HOST:PORT@LABEL. */
static int label_add(const struct command *cmd, struct node_addr **labels, size_t *n,
		     const char *arg)
{
	char text[HOSTPORT_STRLEN + NODE_LABEL_MAX + 8], err[300];
	const char *eq = strrchr(arg, '=');
	struct node_addr *l;

	if (!eq || strlen(arg) >= sizeof(text) || strchr(arg, '@'))
		return command_usage_error(cmd, "--label takes HOST:PORT=LABEL, not '%s'", arg);
	snprintf(text, sizeof(text), "%.*s@%s", (int)(eq - arg), arg, eq + 1);
	l = realloc(*labels, sizeof(*l) * (*n + 1));
	if (!l)
		return EXIT_FAILED;
	*labels = l;
	if (node_addr_parse(text, &l[*n], err, sizeof(err)) < 0)
		return command_usage_error(cmd, "--label '%s': %s", arg, err);
	(*n)++;
	return EXIT_OK;
}

/* --- check ----------------------------------------------------------------- */

struct check {
	const struct command *cmd;
	bool json;
	const char *password;
	struct node_addr seed;
	struct node_addr *labels; /* host, port, label */
	size_t nlabels;
	struct ctable t;
	struct health_report r;
};

static int check_option(void *ctx, int opt, char **argv)
{
	struct check *k = ctx;

	switch (opt) {
	case 'j': k->json = true; return EXIT_OK;
	case 'a': k->password = optarg; return EXIT_OK;
	case 'l': return label_add(k->cmd, &k->labels, &k->nlabels, optarg);
	case 'h': command_help(k->cmd, stdout); return -1;
	default:
		return command_usage_error(k->cmd, "unknown option or missing value: %s", argv[optind - 1]);
	}
}

/* EXIT_OK, another exit status, or -1 when --help was shown. */
static int check_options(struct check *k, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "label", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char err[300];
	int rc;

	if ((rc = command_options(argc, argv, opts, check_option, k)) != EXIT_OK)
		return rc;
	if (argc - optind != 1)
		return command_usage_error(k->cmd, "give exactly one HOST:PORT to start from");
	if (node_addr_parse(argv[optind], &k->seed, err, sizeof(err)) < 0)
		return command_usage_error(k->cmd, "%s", err);
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

/* Read the cluster from the seed, probe every node, judge. */
static int check_run(struct check *k)
{
	struct admin_node seed;
	int rc, st = admin_open(&seed, k->seed.host, k->seed.port, k->password, CONNECT_TIMEOUT_MS);

	if (st == ADMIN_OK)
		st = admin_cluster_nodes(&seed, &k->t);
	if (st != ADMIN_OK) {
		fprintf(stderr, "clusterctl check: %s\n", seed.err);
		admin_close(&seed);
		return EXIT_UNREACHABLE;
	}
	check_set_domains(k);
	admin_probe_all(&k->t, &seed, k->password, CONNECT_TIMEOUT_MS);
	if (health_check(&k->t, &k->r) < 0) {
		fprintf(stderr, "clusterctl check: out of memory\n");
		rc = EXIT_FAILED;
	} else {
		if (k->json)
			report_print_json(&k->t, &k->r, seed.name);
		else
			report_print_text(&k->t, &k->r, seed.name);
		rc = k->r.healthy ? EXIT_OK : EXIT_FAILED;
	}
	admin_close(&seed);
	return rc;
}

static int cmd_check(const struct command *cmd, int argc, char **argv)
{
	struct check k = { .cmd = cmd, .password = command_default_password() };
	int rc = check_options(&k, argc, argv);

	if (rc == EXIT_OK)
		rc = check_run(&k);
	else if (rc < 0)
		rc = EXIT_OK; /* --help */
	health_report_free(&k.r);
	ctable_free(&k.t);
	free(k.labels);
	return rc;
}

/* --- add, heal, watch ------------------------------------------------------ */

/* What a verb takes besides -a, --label and --timeout. */
enum {
	TAKES_NODES = 1 << 0,    /* add: new nodes, --to and --master */
	TAKES_INTERVAL = 1 << 1, /* watch: --interval, and several seeds */
};

struct repair_cli {
	const struct command *cmd;
	unsigned takes;
	struct repair r;
	struct node_addr *labels, *seeds, *nodes;
	size_t nlabels, nseeds, nnodes;
	bool to_given, as_masters;
	int interval_s;
	const char *metrics_listen;    /* watch --metrics ADDR:PORT, or NULL */
};

static int repair_cli_push(struct repair_cli *o, struct node_addr **list, size_t *n, const char *arg)
{
	char err[300];
	struct node_addr *l = realloc(*list, sizeof(*l) * (*n + 1));

	if (!l)
		return EXIT_FAILED;
	*list = l;
	if (node_addr_parse(arg, &l[*n], err, sizeof(err)) < 0)
		return command_usage_error(o->cmd, "%s", err);
	(*n)++;
	return EXIT_OK;
}

static int repair_cli_option(void *ctx, int opt, char **argv)
{
	struct repair_cli *o = ctx;

	bool add = o->takes & TAKES_NODES, watch = o->takes & TAKES_INTERVAL;

	switch (opt) {
	case 'a': o->r.password = optarg; return EXIT_OK;
	case 'l': return label_add(o->cmd, &o->labels, &o->nlabels, optarg);
	case 't':
		if (command_parse_count(optarg, 1, 3600, &o->r.timeout_s) < 0)
			return command_usage_error(o->cmd, "--timeout takes seconds from 1 to 3600, "
						   "not '%s'", optarg);
		return EXIT_OK;
	case 'i':
		if (!watch || command_parse_count(optarg, 1, 86400, &o->interval_s) < 0)
			return command_usage_error(o->cmd, "--interval takes seconds from 1 to 86400 "
						   "(watch only)");
		return EXIT_OK;
	case 'T':
		if (!add)
			return command_usage_error(o->cmd, "--to is for add only");
		o->to_given = true;
		return repair_cli_push(o, &o->seeds, &o->nseeds, optarg);
	case 'm':
		if (!add)
			return command_usage_error(o->cmd, "--master is for add only");
		o->as_masters = true;
		return EXIT_OK;
	case 'M':
		if (!watch)
			return command_usage_error(o->cmd, "--metrics is for watch only");
		return command_metrics_option(o->cmd, optarg, &o->metrics_listen);
	case 'h': command_help(o->cmd, stdout); return -1;
	default:
		return command_usage_error(o->cmd, "unknown option or missing value: %s",
					   argv[optind - 1]);
	}
}

/* The positional arguments: add's new nodes, or the seeds to start from. */
static int repair_cli_operands(struct repair_cli *o, int argc, char **argv)
{
	bool add = o->takes & TAKES_NODES, watch = o->takes & TAKES_INTERVAL;
	int rc;

	for (int i = optind; i < argc; i++)
		if ((rc = repair_cli_push(o, add ? &o->nodes : &o->seeds, add ? &o->nnodes : &o->nseeds,
					  argv[i])) != EXIT_OK)
			return rc;
	if (add && (!o->to_given || o->nnodes == 0))
		return command_usage_error(o->cmd, "give the new nodes and --to HOST:PORT of a member");
	if (add && o->nnodes > PLACEMENT_MAX_NODES)
		return command_usage_error(o->cmd, "at most %d nodes", PLACEMENT_MAX_NODES);
	if (!add && !watch && o->nseeds != 1)
		return command_usage_error(o->cmd, "give exactly one HOST:PORT to start from");
	if (watch && o->nseeds == 0)
		return command_usage_error(o->cmd, "give at least one HOST:PORT to start from");
	return EXIT_OK;
}

/* One parser for the three verbs, told apart by o->takes. EXIT_OK, another
 * exit status, or -1 when --help was shown. */
static int repair_cli_options(struct repair_cli *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 't' },
		{ "interval", required_argument, NULL, 'i' },
		{ "to", required_argument, NULL, 'T' },
		{ "master", no_argument, NULL, 'm' },
		{ "metrics", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int rc;

	if ((rc = command_options(argc, argv, opts, repair_cli_option, o)) != EXIT_OK)
		return rc;
	if ((rc = repair_cli_operands(o, argc, argv)) != EXIT_OK)
		return rc;
	o->r.labels = o->labels;
	o->r.nlabels = o->nlabels;
	o->r.seeds = o->seeds;
	o->r.nseeds = o->nseeds;
	return EXIT_OK;
}

static int repair_cli_start(struct repair_cli *o, const struct command *cmd, unsigned takes,
			    int argc, char **argv)
{
	*o = (struct repair_cli){ .cmd = cmd, .takes = takes, .interval_s = 10,
				  .r = { .cmd = cmd->name, .password = command_default_password(),
					 .timeout_s = 30 } };
	return repair_cli_options(o, argc, argv);
}

/* The verb's exit status from rc (-1: --help was shown), and free o. */
static int repair_cli_finish(struct repair_cli *o, int rc)
{
	free(o->labels);
	free(o->seeds);
	free(o->nodes);
	free(o->r.known);
	return rc < 0 ? EXIT_OK : rc;
}

static int cmd_add(const struct command *cmd, int argc, char **argv)
{
	struct repair_cli o;
	int rc = repair_cli_start(&o, cmd, TAKES_NODES, argc, argv);

	if (rc == EXIT_OK)
		rc = repair_add(&o.r, o.nodes, o.nnodes, o.as_masters);
	return repair_cli_finish(&o, rc);
}

static int cmd_heal(const struct command *cmd, int argc, char **argv)
{
	struct repair_cli o;
	int rc = repair_cli_start(&o, cmd, 0, argc, argv);

	if (rc == EXIT_OK)
		rc = repair_heal_leased(&o.r);
	return repair_cli_finish(&o, rc);
}

static int cmd_watch(const struct command *cmd, int argc, char **argv)
{
	struct repair_cli o;
	int rc = repair_cli_start(&o, cmd, TAKES_INTERVAL, argc, argv);
	struct command_metrics cm;

	if (rc == EXIT_OK)
		rc = command_metrics_start(cmd, o.metrics_listen, CTL_METRICS_WATCH, &cm);
	if (rc == EXIT_OK) {
		o.r.metrics = cm.m;
		o.r.stamp = true;
		if (cm.m)
			repair_say(&o.r, "metrics at http://%s/metrics", o.metrics_listen);
		rc = repair_watch(&o.r, o.interval_s);
		command_metrics_stop(&cm);
	}
	return repair_cli_finish(&o, rc);
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
	  cmd_add },
	{ "heal", "[-a PASSWORD] [--label HOST:PORT=LABEL]... [--timeout SECONDS] HOST:PORT",
	  "Forget failed nodes that serve no slot, re-attach orphaned replicas, and fail\n"
	  "over (one caught-up replica at a time) until no failure domain holds more than\n"
	  "its share of masters. Never drops a key. Exit 0 healthy, 1 not fully healed,\n"
	  "2 unreachable.",
	  cmd_heal },
	{ "watch", "[--interval SECONDS] [--metrics ADDR:PORT] [-a PASSWORD] [--label HOST:PORT=LABEL]... "
		   "HOST:PORT ...",
	  "Check every interval (default 10 s) and heal when needed, under a lease in the\n"
	  "cluster so that one watcher heals at a time. Runs until SIGTERM or SIGINT.\n"
	  "--metrics serves Prometheus metrics at http://ADDR:PORT/metrics.",
	  cmd_watch },
	{ "archive", "--to DIR [--retain DAYS] [--base-every HOURS] [--user NAME] [--metrics ADDR:PORT] "
		     "[-a PASSWORD] HOST:PORT ...",
	  "Keep, in DIR, a base copy of every master and every write after it with the second\n"
	  "it arrived (Redis's own multi-part AOF, one directory per history), following\n"
	  "failovers and new masters. Read with an ACL user that cannot write (--user, or\n"
	  "$CLUSTERCTL_USER). Histories that ended more than --retain days ago (default 7)\n"
	  "are deleted; a new base copy is taken every --base-every hours (default 24).\n"
	  "--metrics serves Prometheus metrics at http://ADDR:PORT/metrics.\n"
	  "Runs until SIGTERM or SIGINT.",
	  cmd_archive },
	{ "backups", "--from DIR [--json]",
	  "What the archive in DIR can restore: the window every slot shares and each slot\n"
	  "range's own, gaps and their cause, each history's master, lag and size.",
	  cmd_backups },
	{ "restore", "--from DIR (--at TIME | --latest) [--check] [--replicas N] [-a PASSWORD] "
		     "[--timeout SECONDS] HOST:PORT[@LABEL] ...",
	  "Make a new cluster of empty nodes, laid out as create does, holding the data as of\n"
	  "TIME (unix seconds or ISO 8601 UTC, 2026-12-07T14:05:09Z; to the second: every\n"
	  "write the archive received before it) or the latest moment every slot reaches.\n"
	  "Refuses a TIME outside the window or in a gap, and unfit nodes, before any change;\n"
	  "--check stops after the archive's answer, touching no node.",
	  cmd_restore },
	{ NULL, NULL, NULL, NULL },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: clusterctl COMMAND [OPTIONS] ...\n\nCommands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(out, "  %-7s %s\n", c->name, c->usage);
	fprintf(out, "\n-a PASSWORD (or $CLUSTERCTL_AUTH) authenticates to every node, as the ACL\n"
		     "user $CLUSTERCTL_USER when it is set (archive: --user NAME).\n"
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
	/* Every verb logs in as $CLUSTERCTL_USER (an ACL user) when it is set;
	 * archive's --user overrides it. */
	admin_set_user(getenv("CLUSTERCTL_USER"));
	return cmd->run(cmd, argc - 1, argv + 1);
}
