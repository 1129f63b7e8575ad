/* restore_load.c - one history, from the archive into the new cluster.
 * See restore.h. The programs are Debian's redis-server and
 * redis-check-aof (or $CLUSTERCTL_REDIS_SERVER, $CLUSTERCTL_REDIS_CHECK_AOF). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aof_dir.h"
#include "mono.h"
#include "restore.h"
#include "slot.h"

/* Keys asked for per SCAN, and so per pipelined round of DUMP, PEXPIRETIME
 * and RESTORE. */
#define COPY_BATCH 1000

static const char *program(const char *env, const char *dflt)
{
	const char *p = getenv(env);
	return p && *p ? p : dflt;
}

/* --- the working directory ----------------------------------------------------- */

/* Copy the first `bytes` of src (all when < 0) to dst. 0 or -1. */
static int copy_file(const char *src, const char *dst, long long bytes)
{
	int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, rc = -1;
	struct stat st;

	if (in < 0 || fstat(in, &st) < 0)
		goto out;
	if (bytes < 0 || bytes > st.st_size)
		bytes = bytes < 0 ? st.st_size : -1;
	if (bytes < 0) {
		errno = EIO; /* the bookkeeping counts bytes the file does not have */
		goto out;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		goto out;
	while (bytes > 0) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)bytes, 0);
		if (n <= 0) {
			char buf[65536];
			n = read(in, buf, bytes < (long long)sizeof(buf) ? (size_t)bytes : sizeof(buf));
			if (n <= 0 || write(out, buf, (size_t)n) != n)
				goto out;
		}
		bytes -= n;
	}
	rc = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0)
		rc = -1;
	return rc;
}

/* Run argv, its output into log; its exit status, or -1. */
static int run_program(char *const argv[], const char *log)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The last line of a file, for a message. */
static void last_line(const char *path, char *out, size_t len)
{
	char line[512];
	FILE *f = fopen(path, "re");

	snprintf(out, len, "(no output)");
	while (f && fgets(line, sizeof(line), f))
		if (line[strspn(line, " \n")]) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, len, "%.*s", (int)len - 1, line);
		}
	if (f)
		fclose(f);
}

/* Cut the INCR copy after the annotations up to cut - 1: redis-check-aof
 * --truncate-to-timestamp cuts at the first annotation later than the
 * time given, and refuses a file whose first one is already later
 * ("nothing before timestamp"): that file is emptied here instead. */
static int cut_incr(struct restore_source *s, const char *incr, long long cut, char *err,
		    size_t errlen)
{
	char ts[32], log[4200], line[300];
	long long first = aof_first_timestamp(incr);
	char *argv[] = { (char *)program("CLUSTERCTL_REDIS_CHECK_AOF", "redis-check-aof"),
			 "--truncate-to-timestamp", ts, (char *)incr, NULL };
	int rc;

	if (s->h->last_ts <= cut - 1 && s->h->last_ts > 0)
		return 0;
	if (first == 0)
		return 0;
	if (first < 0 || first > cut - 1)
		return truncate(incr, 0) == 0 ? 0 : (snprintf(err, errlen, "%s: %s", incr, strerror(errno)), -1);
	snprintf(ts, sizeof(ts), "%lld", cut - 1);
	snprintf(log, sizeof(log), "%s/check-aof.log", s->work);
	rc = run_program(argv, log);
	last_line(log, line, sizeof(line));
	if (rc != 0) {
		snprintf(err, errlen, "%s --truncate-to-timestamp %s failed (%d): %s", argv[0], ts, rc, line);
		return -1;
	}
	return 0;
}

int restore_prepare(struct restore_source *s, const char *tmp_base, long long cut, char *err,
		    size_t errlen)
{
	char src[4400], dst[4400], text[1024];
	struct aof_manifest m;
	FILE *f;
	size_t n;

	snprintf(s->work, sizeof(s->work), "%s/clusterctl-restore.XXXXXX", tmp_base);
	if (!mkdtemp(s->work)) {
		snprintf(err, errlen, "%s: %s", s->work, strerror(errno));
		s->work[0] = '\0';
		return -1;
	}
	snprintf(src, sizeof(src), "%s/%s/%s", s->hist_dir, AOF_DIR_NAME, AOF_MANIFEST_FILE);
	f = fopen(src, "re");
	n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	if (f)
		fclose(f);
	text[n] = '\0';
	if (!f || aof_manifest_parse(text, &m, dst, sizeof(dst)) < 0 || !m.base[0] || m.nincr != 1) {
		snprintf(err, errlen, "%s: %s", src, !f ? strerror(errno) : "not one base and one INCR file");
		return -1;
	}
	snprintf(dst, sizeof(dst), "%s/%s", s->work, AOF_DIR_NAME);
	if (mkdir(dst, 0700) < 0 || aof_manifest_write(dst, err, errlen) < 0)
		return -1;
	/* The base is never written again: a link spares copying it. */
	snprintf(src, sizeof(src), "%s/%s/%s", s->hist_dir, AOF_DIR_NAME, m.base);
	snprintf(dst, sizeof(dst), "%s/%s/%s", s->work, AOF_DIR_NAME, AOF_BASE_FILE);
	if (link(src, dst) < 0 && copy_file(src, dst, -1) < 0) {
		snprintf(err, errlen, "copying %s: %s", src, strerror(errno));
		return -1;
	}
	/* The INCR file grows while the archive runs: only what the
	 * bookkeeping vouches for. */
	snprintf(src, sizeof(src), "%s/%s/%s", s->hist_dir, AOF_DIR_NAME, m.incr[0]);
	snprintf(dst, sizeof(dst), "%s/%s/%s", s->work, AOF_DIR_NAME, AOF_INCR_FILE);
	if (copy_file(src, dst, s->h->aof_size) < 0) {
		snprintf(err, errlen, "copying %s: %s", src, strerror(errno));
		return -1;
	}
	return cut_incr(s, dst, cut, err, errlen);
}

/* --- the temporary server ------------------------------------------------------- */

int restore_start(struct restore_source *s, char *err, size_t errlen)
{
	char sock[4200], log[4200];
	const char *server = program("CLUSTERCTL_REDIS_SERVER", "redis-server");
	char *argv[] = { (char *)server, "--port", "0", "--unixsocket", sock, "--unixsocketperm", "700",
			 "--dir", s->work, "--appendonly", "yes", "--appenddirname", AOF_DIR_NAME,
			 "--appendfilename", AOF_FILE_NAME, "--appendfsync", "no", "--save", "",
			 "--auto-aof-rewrite-percentage", "0", "--cluster-enabled", "no",
			 "--daemonize", "no", "--protected-mode", "no", "--logfile", log, NULL };

	snprintf(sock, sizeof(sock), "%s/redis.sock", s->work);
	snprintf(log, sizeof(log), "%s/redis.log", s->work);
	s->pid = fork();
	if (s->pid < 0) {
		s->pid = 0;
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (s->pid == 0) {
		/* It must not outlive a restore that dies. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(server, argv);
		fprintf(stderr, "%s: %s\n", server, strerror(errno));
		_exit(127);
	}
	return 0;
}

static redisContext *connect_work(const struct restore_source *s)
{
	char sock[4200];
	struct timeval tv = { 5, 0 };

	snprintf(sock, sizeof(sock), "%s/redis.sock", s->work);
	redisContext *ctx = redisConnectUnixWithTimeout(sock, tv);
	if (ctx && ctx->err) {
		redisFree(ctx);
		return NULL;
	}
	if (ctx)
		redisSetTimeout(ctx, (struct timeval){ 60, 0 });
	return ctx;
}

int restore_wait_loaded(struct restore_source *s, int timeout_s, char *err, size_t errlen)
{
	long long deadline = mono_ms() + timeout_s * 1000LL;
	char log[4200], line[400];
	int st;

	snprintf(log, sizeof(log), "%s/redis.log", s->work);
	while (mono_ms() < deadline) {
		redisContext *ctx;
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			s->pid = 0;
			last_line(log, line, sizeof(line));
			snprintf(err, errlen, "the temporary redis-server for history %s exited: %s",
				 s->h->name, line);
			return -1;
		}
		if ((ctx = connect_work(s))) {
			redisReply *r = redisCommand(ctx, "PING");
			bool up = r && r->type == REDIS_REPLY_STATUS;
			freeReplyObject(r);
			redisFree(ctx);
			if (up)
				return 0;
		}
		sleep_ms(100);
	}
	snprintf(err, errlen, "the temporary redis-server for history %s did not load within %d s",
		 s->h->name, timeout_s);
	return -1;
}

/* --- DUMP and RESTORE ------------------------------------------------------------ */

struct copy {
	struct restore_source *s;
	struct create *c;
	redisContext *src;
	int owner[SLOT_COUNT];    /* index in c->node of each slot's master */
	long long *pending;       /* RESTOREs sent to each node, replies not read */
	char *err;
	size_t errlen;
};

/* Read every RESTORE reply due from every master. BUSYKEY is a key SCAN
 * returned twice (the targets were empty): not copied again. */
static int copy_drain(struct copy *k)
{
	for (size_t i = 0; i < k->c->n; i++)
		for (; k->pending[i] > 0; k->pending[i]--) {
			redisReply *r = NULL;
			if (redisGetReply(k->c->node[i].ctx, (void **)&r) != REDIS_OK || !r) {
				snprintf(k->err, k->errlen, "%s: RESTORE: %s", k->c->node[i].name,
					 k->c->node[i].ctx->errstr);
				return -1;
			}
			if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "BUSYKEY", 7) != 0) {
				snprintf(k->err, k->errlen, "%s: RESTORE: %s", k->c->node[i].name, r->str);
				freeReplyObject(r);
				return -1;
			}
			k->s->keys += r->type != REDIS_REPLY_ERROR;
			freeReplyObject(r);
		}
	return 0;
}

/* DUMP and PEXPIRETIME of the keys of one SCAN reply that belong here,
 * then one RESTORE each to the slot's master. */
static int copy_batch(struct copy *k, const redisReply *keys)
{
	size_t n = 0, *take = calloc(keys->elements + 1, sizeof(size_t));
	int rc = 0;

	if (!take)
		return -1;
	for (size_t i = 0; i < keys->elements; i++) {
		const redisReply *key = keys->element[i];
		if (slotset_has(&k->s->slots, slot_of(key->str, key->len))) {
			const char *dump[] = { "DUMP", key->str }, *pexp[] = { "PEXPIRETIME", key->str };
			size_t len[] = { 4, key->len }, plen[] = { 11, key->len };
			redisAppendCommandArgv(k->src, 2, dump, len);
			redisAppendCommandArgv(k->src, 2, pexp, plen);
			take[n++] = i;
		}
	}
	k->s->seen += (long long)n;
	for (size_t j = 0; j < n && rc == 0; j++) {
		const redisReply *key = keys->element[take[j]];
		redisReply *d = NULL, *e = NULL;
		if (redisGetReply(k->src, (void **)&d) != REDIS_OK ||
		    redisGetReply(k->src, (void **)&e) != REDIS_OK || !d || !e ||
		    d->type == REDIS_REPLY_ERROR || e->type != REDIS_REPLY_INTEGER) {
			snprintf(k->err, k->errlen, "history %s: DUMP %.100s: %s", k->s->h->name, key->str,
				 d && d->type == REDIS_REPLY_ERROR ? d->str : k->src->errstr);
			rc = -1;
		} else if (d->type == REDIS_REPLY_STRING && e->integer != -2) {
			/* Gone since the SCAN (expired) when nil or -2. */
			char ttl[32];
			int node = k->owner[slot_of(key->str, key->len)];
			snprintf(ttl, sizeof(ttl), "%lld", e->integer > 0 ? e->integer : 0);
			const char *argv[] = { "RESTORE", key->str, ttl, d->str, "ABSTTL" };
			size_t lens[] = { 7, key->len, strlen(ttl), d->len, 6 };
			redisAppendCommandArgv(k->c->node[node].ctx, e->integer > 0 ? 5 : 4, argv, lens);
			k->pending[node]++;
		}
		freeReplyObject(d);
		freeReplyObject(e);
	}
	free(take);
	return rc == 0 ? copy_drain(k) : rc;
}

int restore_copy(struct restore_source *s, struct create *c, char *err, size_t errlen)
{
	struct copy k = { .s = s, .c = c, .err = err, .errlen = errlen };
	char cursor[32] = "0";
	int rc = 0;

	for (int i = 0; i < SLOT_COUNT; i++)
		k.owner[i] = -1;
	for (size_t i = 0; i < c->n; i++)
		if (c->role[i].master < 0)
			for (int sl = c->role[i].slot_first; sl <= c->role[i].slot_last; sl++)
				k.owner[sl] = (int)i;
	k.pending = calloc(c->n, sizeof(*k.pending));
	if (!k.pending || !(k.src = connect_work(s))) {
		snprintf(err, errlen, "history %s: cannot reach its temporary redis-server", s->h->name);
		free(k.pending);
		return -1;
	}
	do {
		redisReply *r = redisCommand(k.src, "SCAN %s COUNT %d", cursor, COPY_BATCH);
		if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY) {
			snprintf(err, errlen, "history %s: SCAN: %s", s->h->name,
				 r && r->type == REDIS_REPLY_ERROR ? r->str : k.src->errstr);
			freeReplyObject(r);
			rc = -1;
			break;
		}
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
		rc = copy_batch(&k, r->element[1]);
		freeReplyObject(r);
	} while (rc == 0 && strcmp(cursor, "0") != 0);
	redisFree(k.src);
	free(k.pending);
	return rc;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 ? -1 : 0;
}

void restore_cleanup(struct restore_source *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
			;
		s->pid = 0;
	}
	if (s->work[0] && !getenv("CLUSTERCTL_KEEP_WORK"))
		nftw(s->work, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	s->work[0] = '\0';
}
