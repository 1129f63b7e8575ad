/* clusterctl.h - what clusterctl's command files share: the exit status,
 * the command table's entry, and the option helpers of every command. */
#ifndef CLUSTER_CLUSTERCTL_H
#define CLUSTER_CLUSTERCTL_H

#include <getopt.h>
#include <stdio.h>

#include "ctl_metrics.h"

/* clusterctl's exit status: 0 done (check: healthy), 1 failed or refused
 * (check: degraded), 2 a node could not be reached or authenticated,
 * 3 usage. */
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_UNREACHABLE = 2, EXIT_USAGE = 3 };

/* A node that has not answered by then counts as unreachable. */
#define CONNECT_TIMEOUT_MS 2000
/* The pause between two looks while waiting for the cluster to show a
 * change: short, since every wait has its own deadline. */
#define POLL_MS 100

/* One verb: `clusterctl NAME USAGE`, its help text, and the handler, which
 * gets argv from the verb on. */
struct command {
	const char *name;
	const char *usage;
	const char *help;
	int (*run)(const struct command *cmd, int argc, char **argv);
};

/* clusterctl create (create.c). */
int cmd_create(const struct command *cmd, int argc, char **argv);

/* clusterctl archive (archive.c), backups (backups.c), restore (restore.c). */
int cmd_archive(const struct command *cmd, int argc, char **argv);
int cmd_backups(const struct command *cmd, int argc, char **argv);
int cmd_restore(const struct command *cmd, int argc, char **argv);

/* "clusterctl VERB: message" and the verb's usage line on stderr;
 * returns EXIT_USAGE. */
int command_usage_error(const struct command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* getopt_long over a verb's argv (short options: -a PASSWORD, -h), each
 * option handed to one(ctx, opt, argv). EXIT_OK, or the first other status
 * one() returns (-1: --help was shown). */
int command_options(int argc, char **argv, const struct option *opts,
		    int (*one)(void *ctx, int opt, char **argv), void *ctx);

/* The verb's usage line and help text. */
void command_help(const struct command *cmd, FILE *out);

/* The exit status for an admin.h status: EXIT_UNREACHABLE when the node
 * could not be reached or refused the password, else EXIT_FAILED. */
int command_exit_status(int admin_status);

/* $CLUSTERCTL_AUTH, the password when -a is not given; NULL if unset. */
const char *command_default_password(void);

/* A decimal number from min to max into *out: 0, or -1. */
int command_parse_count(const char *s, int min, int max, int *out);

/* --metrics ADDR:PORT (watch, archive): checked when given, so that a
 * typo is a usage error before anything starts. EXIT_OK with *out = arg,
 * or EXIT_USAGE. */
int command_metrics_option(const struct command *cmd, const char *arg, const char **out);

/* A verb's metrics (ctl_metrics.h) and the listener serving them. */
struct command_metrics {
	struct ctl_metrics *m;
	struct metrics_http *http;
};

/* Serve the verb's metrics at listen (NULL: --metrics not given, nothing
 * to do). EXIT_OK, or EXIT_FAILED after saying on stderr why it cannot
 * listen. */
int command_metrics_start(const struct command *cmd, const char *listen, enum ctl_metrics_verb verb,
			  struct command_metrics *out);
/* Stop serving, then free the figures. */
void command_metrics_stop(struct command_metrics *cm);

#endif
