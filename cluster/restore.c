/* restore.c - clusterctl restore: a new cluster, on empty nodes, holding
 * the data as of a moment in the archive's window, every shard cut at the
 * same second.
 *
 * Everything that can refuse does so before a node is touched, with one
 * line: the TIME, the archive directory, the window and its gaps, the
 * target nodes (reachable, empty, alone: create's checks), the placement,
 * then each history's copy, cut and load into a temporary redis-server.
 * Only then is the cluster built (create's steps), and each history's
 * keys are copied over with DUMP and RESTORE, after which every master
 * waits for its replicas. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "backups.h"
#include "catalog.h"
#include "clusterctl.h"
#include "create.h"
#include "mono.h"
#include "restore.h"
#include "when.h"

#define LOAD_TIMEOUT_S 1800

struct restore_cli {
	const struct command *cmd;
	const char *dir, *at, *tmp;
	bool latest, check;
	struct create c;
};

static int restore_option(void *ctx, int opt, char **argv)
{
	struct restore_cli *o = ctx;

	switch (opt) {
	case 'F': o->dir = optarg; return EXIT_OK;
	case 'A': o->at = optarg; return EXIT_OK;
	case 'L': o->latest = true; return EXIT_OK;
	case 'W': o->tmp = optarg; return EXIT_OK;
	case 'C': o->check = true; return EXIT_OK;
	case 'r':
		if (command_parse_count(optarg, 0, 16, &o->c.replicas) < 0)
			return command_usage_error(o->cmd, "--replicas takes a number from 0 to 16, not '%s'",
						   optarg);
		return EXIT_OK;
	case 'c': o->c.colocated = true; return EXIT_OK;
	case 't':
		if (command_parse_count(optarg, 1, 3600, &o->c.wait_s) < 0)
			return command_usage_error(o->cmd, "--timeout takes seconds from 1 to 3600, not '%s'",
						   optarg);
		return EXIT_OK;
	case 'a': o->c.password = optarg; return EXIT_OK;
	case 'h': command_help(o->cmd, stdout); return -1;
	default:
		return command_usage_error(o->cmd, "unknown option or missing value: %s", argv[optind - 1]);
	}
}

/* EXIT_OK with the second to cut at, another status, or -1 for --help. */
static int restore_options(struct restore_cli *o, int argc, char **argv, double *at)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'F' },
		{ "at", required_argument, NULL, 'A' },
		{ "latest", no_argument, NULL, 'L' },
		{ "work-dir", required_argument, NULL, 'W' },
		{ "check", no_argument, NULL, 'C' },
		{ "replicas", required_argument, NULL, 'r' },
		{ "allow-colocated", no_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char err[300];
	int rc = command_options(argc, argv, opts, restore_option, o);

	if (rc != EXIT_OK)
		return rc;
	if (!o->dir)
		return command_usage_error(o->cmd, "give the archive's directory with --from DIR");
	if (!o->at == !o->latest)
		return command_usage_error(o->cmd, "give either --at TIME or --latest");
	if (o->at && when_parse(o->at, at, err, sizeof(err)) < 0) {
		/* The message names the forms TIME takes: one line is enough. */
		fprintf(stderr, "clusterctl restore: %s\n", err);
		return EXIT_USAGE;
	}
	return create_set_nodes(&o->c, argv + optind, (size_t)(argc - optind));
}

/* The second to cut at, checked against the window and its gaps. */
static int restore_when(struct restore_cli *o, const struct catalog *cat, double at, long long *cut)
{
	char a[WHEN_STRLEN], b[WHEN_STRLEN], w[WHEN_STRLEN];
	const struct catalog_gap *g = NULL;
	int rc;

	if (cat->earliest > cat->latest) {
		fprintf(stderr, "clusterctl restore: %s holds nothing restorable yet (see clusterctl "
			"backups)\n", o->dir);
		return EXIT_FAILED;
	}
	/* The archive keeps the second each write arrived in: a moment within
	 * a second is taken back to that second's start, so that nothing
	 * written after TIME is restored. */
	*cut = o->latest ? cat->latest : (long long)at;
	rc = catalog_check(cat, *cut, &g);
	/* The latest second every slot reaches may fall in one range's gap:
	 * then the latest before that gap. */
	while (o->latest && rc == -2)
		rc = catalog_check(cat, *cut = g->first - 1, &g);
	when_format((double)*cut, w, sizeof(w));
	if (rc == -1) {
		fprintf(stderr, "clusterctl restore: %s is outside the restorable window %s .. %s\n",
			o->at ? o->at : w, when_format((double)cat->earliest, a, sizeof(a)),
			when_format((double)cat->latest, b, sizeof(b)));
		return EXIT_FAILED;
	}
	if (rc == -2) {
		fprintf(stderr, "clusterctl restore: %s falls in a gap of slots %d-%d (%s .. %s): %s\n", w,
			g->slot_first, g->slot_last, when_format((double)g->first, a, sizeof(a)),
			when_format((double)g->last, b, sizeof(b)), g->why);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

/* Which history gives which slots at cut: one source per history used. */
static int restore_sources(struct restore_cli *o, const struct history *h, size_t n, long long cut,
			   struct restore_source **out, size_t *nout)
{
	int *choice = malloc(sizeof(int) * SLOT_COUNT);
	struct restore_source *s = calloc(n ? n : 1, sizeof(*s));
	size_t k = 0;

	if (!choice || !s) {
		free(choice);
		free(s);
		fprintf(stderr, "clusterctl restore: out of memory\n");
		return EXIT_FAILED;
	}
	catalog_choose(h, n, cut, choice);
	for (int sl = 0; sl < SLOT_COUNT; sl++)
		if (choice[sl] < 0) {
			/* The window said yes: the bookkeeping changed under us. */
			fprintf(stderr, "clusterctl restore: no history holds slot %d at that second; "
				"nothing was changed\n", sl);
			free(choice);
			free(s);
			return EXIT_FAILED;
		}
	for (size_t i = 0; i < n; i++) {
		bool used = false;
		for (int sl = 0; sl < SLOT_COUNT; sl++)
			if (choice[sl] == (int)i) {
				if (!used)
					slotset_clear(&s[k].slots);
				used = true;
				slotset_add_range(&s[k].slots, sl, sl);
			}
		if (!used)
			continue;
		s[k].h = &h[i];
		snprintf(s[k].hist_dir, sizeof(s[k].hist_dir), "%s/%s", o->dir, h[i].name);
		k++;
	}
	free(choice);
	*out = s;
	*nout = k;
	return EXIT_OK;
}

/* Copy, cut and load every history; nothing in the new cluster yet. */
static int restore_load_all(struct restore_cli *o, struct restore_source *s, size_t n, long long cut)
{
	const char *tmp = o->tmp ? o->tmp : getenv("TMPDIR");
	char err[4600], slots[200];

	if (!tmp || !*tmp)
		tmp = "/tmp";
	for (size_t i = 0; i < n; i++) {
		printf("History %s gives slots %s\n", s[i].h->name,
		       slotset_format(&s[i].slots, slots, sizeof(slots)));
		if (restore_prepare(&s[i], tmp, cut, err, sizeof(err)) < 0 ||
		    restore_start(&s[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "clusterctl restore: %s; nothing was changed\n", err);
			return EXIT_FAILED;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (restore_wait_loaded(&s[i], LOAD_TIMEOUT_S, err, sizeof(err)) < 0) {
			fprintf(stderr, "clusterctl restore: %s; nothing was changed\n", err);
			return EXIT_FAILED;
		}
	fflush(stdout);
	return EXIT_OK;
}

/* Every master WAITs for its replicas: the copy is done when they hold it. */
static int restore_wait_replicas(struct create *c)
{
	for (size_t i = 0; i < c->n; i++) {
		int want = 0;
		if (c->role[i].master >= 0)
			continue;
		for (size_t j = 0; j < c->n; j++)
			want += c->role[j].master == (int)i;
		if (!want)
			continue;
		redisReply *r = redisCommand(c->node[i].ctx, "WAIT %d %d", want, c->wait_s * 1000);
		bool ok = r && r->type == REDIS_REPLY_INTEGER && r->integer >= want;
		if (!ok)
			fprintf(stderr, "clusterctl restore: %s: %lld of %d replicas confirmed the copy "
				"within %d s\n", c->node[i].name, r && r->type == REDIS_REPLY_INTEGER ?
				r->integer : 0LL, want, c->wait_s);
		freeReplyObject(r);
		if (!ok)
			return EXIT_FAILED;
	}
	return EXIT_OK;
}

static int restore_run(struct restore_cli *o, double at)
{
	struct history *h = NULL;
	struct restore_source *s = NULL;
	struct catalog cat = { 0 };
	size_t n = 0, ns = 0;
	long long cut = 0, t0, keys = 0;
	char err[4300], w[WHEN_STRLEN];
	int rc;

	if (backups_load(o->dir, &h, &n, err, sizeof(err)) < 0) {
		fprintf(stderr, "clusterctl restore: %s\n", err);
		return EXIT_FAILED;
	}
	if (catalog_build(h, n, &cat) < 0) {
		fprintf(stderr, "clusterctl restore: out of memory\n");
		rc = EXIT_FAILED;
	} else if ((rc = restore_when(o, &cat, at, &cut)) == EXIT_OK && o->check) {
		/* Asked before the target nodes are emptied: the archive's answer only. */
		if ((rc = restore_sources(o, h, n, cut, &s, &ns)) == EXIT_OK)
			printf("Restorable: %s (%lld) from %zu histories; no node was touched\n",
			       when_format((double)cut, w, sizeof(w)), cut, ns);
	} else if (rc == EXIT_OK &&
		   (rc = create_connect(&o->c)) == EXIT_OK && (rc = create_plan(&o->c)) == EXIT_OK &&
		   (rc = restore_sources(o, h, n, cut, &s, &ns)) == EXIT_OK) {
		printf("Restoring %s: every write the archive received before %s (%lld)\n", o->dir,
		       when_format((double)cut, w, sizeof(w)), cut);
		t0 = mono_ms();
		rc = restore_load_all(o, s, ns, cut);
		if (rc == EXIT_OK) {
			printf("Loaded %zu histories in %.1f s\n", ns, (mono_ms() - t0) / 1000.0);
			rc = create_build(&o->c);
		}
		for (size_t i = 0; rc == EXIT_OK && i < ns; i++) {
			if (restore_copy(&s[i], &o->c, err, sizeof(err)) < 0) {
				fprintf(stderr, "clusterctl restore: %s\n", err);
				rc = EXIT_FAILED;
			}
			keys += s[i].keys;
			restore_cleanup(&s[i]);
		}
		if (rc == EXIT_OK && (rc = restore_wait_replicas(&o->c)) == EXIT_OK)
			printf("Restored %lld keys as of %s in %.1f s; every replica holds them\n", keys, w,
			       (mono_ms() - t0) / 1000.0);
	}
	for (size_t i = 0; i < ns; i++)
		restore_cleanup(&s[i]);
	free(s);
	catalog_free(&cat);
	backups_free(h, n);
	return rc;
}

int cmd_restore(const struct command *cmd, int argc, char **argv)
{
	struct restore_cli o = { .cmd = cmd,
				 .c = { .cmd = cmd, .replicas = 1, .wait_s = CREATE_DEFAULT_WAIT_S,
					.one_line = true, .password = command_default_password() } };
	double at = 0;
	int rc = restore_options(&o, argc, argv, &at);

	/* hiredis writes with write(2): a node dying mid-copy must fail the
	 * copy, not kill the process. */
	signal(SIGPIPE, SIG_IGN);
	if (rc < 0)
		rc = EXIT_OK; /* --help */
	else if (rc == EXIT_OK)
		rc = restore_run(&o, at);
	create_free(&o.c);
	return rc;
}
