/* proc.h - the daemon's child processes (track scripts, notify hooks).
 *
 * A child is started with posix_spawn (no fork of the daemon's memory),
 * in a session of its own, with the signal mask and dispositions reset,
 * stdin from /dev/null, stdout and stderr into a pipe the daemon drains,
 * and no other descriptor. It is reaped on SIGCHLD; past its deadline
 * its whole process group is killed. Nothing here blocks. */
#ifndef VIPD_PROC_H
#define VIPD_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "evh.h"
#include "fsm.h"

#define PROC_OUTPUT_MAX 512 /* output kept for the log; the rest is read and dropped */

struct proc_result {
	int status;          /* the wait status */
	bool timed_out;      /* killed at its deadline */
	fsm_time runtime;    /* microseconds */
	const char *output;  /* stdout and stderr, at most PROC_OUTPUT_MAX bytes, NUL-terminated */
};

typedef void (*proc_done_fn)(void *arg, const struct proc_result *r);

struct proc_table;

/* The output pipes are watched through watch(ctx, ...). */
struct proc_table *proc_table_new(evh_watch_fn watch, void *ctx);
/* What still runs is left to run (proc_forget kills). */
void proc_table_free(struct proc_table *t);

/* Start argv[0] (a path) with argv; done(arg, result) runs once, from
 * proc_reap() or proc_timer(). Returns the pid, or -1 with err. */
pid_t proc_spawn(struct proc_table *t, char *const argv[], fsm_time now, fsm_time timeout, proc_done_fn done,
		 void *arg, char *err, size_t errlen);

/* The owner of arg goes away: done is not called; with kill, its
 * children are killed, else they run to their end on their own. */
void proc_forget(struct proc_table *t, void *arg, bool kill);

/* SIGCHLD arrived: reap every child that ended. */
void proc_reap(struct proc_table *t, fsm_time now);

/* Kill children past their deadline; the next deadline, FSM_NEVER if none. */
void proc_timer(struct proc_table *t, fsm_time now);
fsm_time proc_deadline(const struct proc_table *t);

/* "exit 3", "killed by signal 9", "timed out after 1.0 s". */
void proc_describe(const struct proc_result *r, char *buf, size_t len);

#endif
