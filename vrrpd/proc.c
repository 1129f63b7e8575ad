/* proc.c - spawn, drain, reap and time out child processes. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct proc {
	struct evh ev;         /* the output pipe */
	struct proc_table *t;
	pid_t pid;
	int out_fd;            /* read end of the output pipe, -1 once at EOF */
	fsm_time started, deadline;
	bool killed;           /* by the deadline */
	bool exited;           /* reaped; waiting for the pipe's EOF */
	int status;
	proc_done_fn done;     /* NULL: forgotten */
	void *arg;
	size_t outlen;
	char out[PROC_OUTPUT_MAX + 1];
	struct proc *next;
};

static void proc_on_output(struct evh *h, uint32_t events);

struct proc_table {
	struct proc *list;
	evh_watch_fn watch;
	void *ctx;
};

struct proc_table *proc_table_new(evh_watch_fn watch, void *ctx)
{
	struct proc_table *t = calloc(1, sizeof(*t));

	if (t) {
		t->watch = watch;
		t->ctx = ctx;
	}
	return t;
}

static void proc_close_pipe(struct proc_table *t, struct proc *p)
{
	if (p->out_fd < 0)
		return;
	t->watch(t->ctx, p->out_fd, 0, &p->ev);
	close(p->out_fd);
	p->out_fd = -1;
}

static void proc_unlink(struct proc_table *t, struct proc *p)
{
	for (struct proc **pp = &t->list; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	proc_close_pipe(t, p);
	free(p);
}

void proc_table_free(struct proc_table *t)
{
	if (!t)
		return;
	while (t->list)
		proc_unlink(t, t->list);
	free(t);
}

pid_t proc_spawn(struct proc_table *t, char *const argv[], fsm_time now, fsm_time timeout, proc_done_fn done,
		 void *arg, char *err, size_t errlen)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	int pfd[2];
	pid_t pid = -1;
	int rc;

	struct proc *p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		free(p);
		return -1;
	}
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&at);
	/* A session of its own: the deadline kills what it started too. The
	 * daemon blocks and ignores signals a child must not inherit. */
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	rc = posix_spawn(&pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(pfd[1]);
	if (rc != 0) {
		snprintf(err, errlen, "cannot run %s: %s", argv[0], strerror(rc));
		close(pfd[0]);
		free(p);
		return -1;
	}
	p->ev.fn = proc_on_output;
	p->t = t;
	p->pid = pid;
	p->out_fd = pfd[0];
	p->started = now;
	p->deadline = now + timeout;
	p->done = done;
	p->arg = arg;
	p->next = t->list;
	t->list = p;
	/* Unwatched, the pipe is still read once the child is reaped; a
	 * child with more to say then waits for its deadline. */
	t->watch(t->ctx, p->out_fd, EPOLLIN, &p->ev);
	return pid;
}

void proc_forget(struct proc_table *t, void *arg, bool kill_it)
{
	for (struct proc *p = t->list; p; p = p->next)
		if (p->arg == arg && p->done) {
			p->done = NULL;
			if (!p->exited && kill_it)
				kill(-p->pid, SIGKILL);
		}
}

static bool proc_read(struct proc *p);

/* The pipe is readable: keep the head, drop the rest, close at EOF. */
static void proc_on_output(struct evh *h, uint32_t events)
{
	struct proc *p = (struct proc *)h;

	(void)events;
	if (p->out_fd >= 0 && proc_read(p))
		proc_close_pipe(p->t, p);
}

/* Read what is there; true at EOF or error. */
static bool proc_read(struct proc *p)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(p->out_fd, buf, sizeof(buf));
		if (n > 0) {
			size_t room = PROC_OUTPUT_MAX - p->outlen, take = (size_t)n < room ? (size_t)n : room;
			memcpy(p->out + p->outlen, buf, take);
			p->outlen += take;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return n == 0 || errno != EAGAIN;
	}
}

/* Reaped and its output read to the end (a grandchild holding the pipe
 * open does not hold the result back past reaping: what is there is
 * read, and the pipe closed). */
static void proc_finish(struct proc_table *t, struct proc *p, fsm_time now)
{
	char out[PROC_OUTPUT_MAX + 1];
	struct proc_result r = {
		.status = p->status, .timed_out = p->killed, .runtime = now - p->started, .output = out,
	};

	if (p->out_fd >= 0)
		proc_read(p);
	/* p goes before done runs (done may start the next call). */
	memcpy(out, p->out, p->outlen);
	out[p->outlen] = '\0';
	proc_done_fn done = p->done;
	void *arg = p->arg;
	proc_unlink(t, p);
	if (done)
		done(arg, &r);
}

void proc_reap(struct proc_table *t, fsm_time now)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (struct proc *p = t->list; p; p = p->next) {
			if (p->pid != pid || p->exited)
				continue;
			p->exited = true;
			p->status = status;
			proc_finish(t, p, now);
			break;
		}
	}
}


void proc_timer(struct proc_table *t, fsm_time now)
{
	for (struct proc *p = t->list; p; p = p->next)
		if (!p->exited && !p->killed && p->deadline <= now) {
			kill(-p->pid, SIGKILL);
			p->killed = true;
		}
}

fsm_time proc_deadline(const struct proc_table *t)
{
	fsm_time next = FSM_NEVER;

	for (const struct proc *p = t->list; p; p = p->next)
		if (!p->exited && !p->killed && p->deadline < next)
			next = p->deadline;
	return next;
}

void proc_describe(const struct proc_result *r, char *buf, size_t len)
{
	if (r->timed_out)
		snprintf(buf, len, "timed out after %.1f s, killed", r->runtime / 1e6);
	else if (WIFEXITED(r->status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(r->status));
	else if (WIFSIGNALED(r->status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(r->status));
	else
		snprintf(buf, len, "status %#x", r->status);
}
