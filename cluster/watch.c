/* watch.c - clusterctl watch: check every few seconds, heal when needed.
 *
 * Meant to run on every redis host at once, so healing is guarded by a
 * lease in the cluster itself: SET clusterctl:lease <holder> NX PX, renewed
 * before each step and released with a compare-and-delete, so one watcher
 * heals at a time and a watcher that dies frees the lease when it expires.
 * Seeds: the ones given, then every member seen last time, so a watcher
 * outlives the loss of its own host's redis. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "client.h"
#include "clusterctl.h"
#include "mono.h"
#include "repair.h"

/* A failed node is forgotten once silent this long (or at once when a new
 * node answers at its address): a rebooting redis host comes back as the
 * same nodes, which rejoin by themselves only if nobody forgot them. */
#define WATCH_FORGET_AFTER_S 120

#define LEASE_KEY "clusterctl:lease"
#define LEASE_MS 120000

/* Delete or extend the lease only while it is still ours. */
static const char release_script[] =
	"if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
	"else return 0 end";
static const char renew_script[] =
	"if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) "
	"else return 0 end";

struct lease {
	char holder[128];
	struct cluster *c;
};

static struct cluster *lease_connect(struct repair *r, char *err, size_t len)
{
	size_t n = r->nseeds + r->nknown;
	const char **seeds = calloc(n + 1, sizeof(*seeds));
	char (*text)[HOSTPORT_STRLEN] = calloc(n + 1, sizeof(*text));
	struct cluster *c = NULL;

	if (seeds && text) {
		for (size_t i = 0; i < n; i++) {
			if (i < r->nseeds)
				hostport_format(r->seeds[i].host, r->seeds[i].port, text[i], sizeof(text[i]));
			else
				snprintf(text[i], sizeof(text[i]), "%s", r->known[i - r->nseeds]);
			seeds[i] = text[i];
		}
		struct cluster_opts o = { .seeds = seeds, .nseeds = n, .password = r->password,
					  .user = admin_user(),
					  .connect_timeout_ms = 1000, .command_timeout_ms = 2000 };
		c = cluster_open(&o, err, len);
	}
	free(seeds);
	free(text);
	return c;
}

/* 1 taken, 0 held by another (named in err), -1 failed (err says why). */
static int lease_take(struct repair *r, struct lease *l, char *err, size_t len)
{
	redisReply *rep;
	int got;

	if (!l->c && !(l->c = lease_connect(r, err, len)))
		return -1;
	rep = cluster_command(l->c, err, len, "SET %s %s NX PX %d", LEASE_KEY, l->holder, LEASE_MS);
	if (!rep)
		return -1;
	got = rep->type == REDIS_REPLY_STATUS;
	if (rep->type == REDIS_REPLY_ERROR) {
		snprintf(err, len, "%s", rep->str);
		freeReplyObject(rep);
		return -1;
	}
	freeReplyObject(rep);
	if (got)
		return 1;
	rep = cluster_command(l->c, err, len, "GET %s", LEASE_KEY);
	snprintf(err, len, "held by %s", rep && rep->type == REDIS_REPLY_STRING ? rep->str : "another");
	freeReplyObject(rep);
	return 0;
}

static int lease_eval(struct lease *l, const char *script, char *err, size_t len)
{
	char ms[16];
	snprintf(ms, sizeof(ms), "%d", LEASE_MS);
	redisReply *rep = cluster_command(l->c, err, len, "EVAL %s 1 %s %s %s", script, LEASE_KEY,
					  l->holder, ms);
	int rc = rep && rep->type == REDIS_REPLY_INTEGER ? (int)rep->integer : -1;
	if (rep && rep->type == REDIS_REPLY_ERROR)
		snprintf(err, len, "%s", rep->str);
	freeReplyObject(rep);
	return rc;
}

static bool lease_keep(struct repair *r)
{
	struct lease *l = r->lease;
	char err[300];
	/* A failed renewal (the key's master failing over) is retried once. */
	if (lease_eval(l, renew_script, err, sizeof(err)) == 1)
		return true;
	sleep_ms(1000);
	if (lease_eval(l, renew_script, err, sizeof(err)) == 1)
		return true;
	repair_say(r, "lease %s lost: %s", l->holder, err);
	ctl_metrics_watch_lease(r->metrics, false);
	return false;
}

static void lease_release(struct repair *r, struct lease *l)
{
	char err[300] = "";
	int rc = lease_eval(l, release_script, err, sizeof(err));
	repair_say(r, rc == 1 ? "lease %s released" : "lease %s not released (%s); it expires by itself",
		   l->holder, rc == 1 ? "" : err);
	cluster_close(l->c);
	l->c = NULL;
}

static volatile sig_atomic_t watch_stop;

static void watch_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

static void watch_sleep(int seconds)
{
	for (int i = 0; i < seconds * 10 && !watch_stop; i++)
		sleep_ms(100);
}

/* Log a state only when it changes: a watcher that says the same thing
 * every second buries the decisions. */
static void watch_note(struct repair *r, char *last, size_t len, const char *now)
{
	if (strcmp(last, now) == 0)
		return;
	repair_say(r, "%s", now);
	snprintf(last, len, "%s", now);
}

static void watch_heal(struct repair *r, struct lease *l, char *last, size_t len)
{
	char err[400], line[700];
	int got = lease_take(r, l, err, sizeof(err));

	if (got != 1) {
		snprintf(line, sizeof(line), "needs healing, but the lease is %s%s",
			 got == 0 ? "" : "not available: ", err);
		watch_note(r, last, len, line);
		return;
	}
	repair_say(r, "lease %s taken for %d ms: healing", l->holder, LEASE_MS);
	ctl_metrics_watch_lease(r->metrics, true);
	r->lease = l;
	r->keep_going = lease_keep;
	int rc = repair_heal(r);
	r->keep_going = NULL;
	lease_release(r, l);
	ctl_metrics_watch_lease(r->metrics, false);
	ctl_metrics_watch_healed(r->metrics, rc == EXIT_OK);
	repair_say(r, "heal finished: %s", rc == EXIT_OK ? "healthy" : "not fully healed");
	last[0] = '\0';
}

int repair_watch(struct repair *r, int interval_s)
{
	struct sigaction sa = { .sa_handler = watch_signal };
	struct lease l = { .c = NULL };
	char host[64] = "?", last[700] = "", line[700];

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	gethostname(host, sizeof(host) - 1);
	snprintf(l.holder, sizeof(l.holder), "%s:%ld:%ld", host, (long)getpid(), (long)time(NULL));
	r->stop = &watch_stop;
	r->stamp = true;
	r->forget_after_s = WATCH_FORGET_AFTER_S;
	ctl_metrics_watch_interval(r->metrics, interval_s);
	repair_say(r, "watching every %d s as %s", interval_s, l.holder);
	while (!watch_stop) {
		struct heal_step s;
		bool healthy;
		int st = repair_look(r, &healthy, &s, line, sizeof(line));
		if (st != 0)
			watch_note(r, last, sizeof(last), line);
		else if (healthy)
			watch_note(r, last, sizeof(last), "healthy");
		else if (s.kind == HEAL_NONE)
			watch_note(r, last, sizeof(last), line);
		else
			watch_heal(r, &l, last, sizeof(last));
		watch_sleep(interval_s);
	}
	if (l.c)
		cluster_close(l.c);
	repair_say(r, "stopped by signal");
	return EXIT_OK;
}

int repair_heal_leased(struct repair *r)
{
	struct lease l = { .c = NULL };
	char host[64] = "?", err[400] = "";
	time_t until = time(NULL) + r->timeout_s;
	bool said = false;
	int got;

	gethostname(host, sizeof(host) - 1);
	snprintf(l.holder, sizeof(l.holder), "heal:%s:%ld:%ld", host, (long)getpid(), (long)time(NULL));
	while ((got = lease_take(r, &l, err, sizeof(err))) == 0 && time(NULL) < until) {
		if (!said)
			repair_say(r, "waiting for the lease (%s): a watcher is healing", err);
		said = true;
		sleep_ms(500);
	}
	if (got == 0) {
		repair_say(r, "the lease is still %s after %d s: not healing now", err, r->timeout_s);
		cluster_close(l.c);
		return EXIT_FAILED;
	}
	if (got < 0) {
		repair_say(r, "healing without the lease (%s)", err);
		if (l.c)
			cluster_close(l.c);
		return repair_heal(r);
	}
	r->lease = &l;
	r->keep_going = lease_keep;
	int rc = repair_heal(r);
	r->keep_going = NULL;
	r->lease = NULL;
	lease_release(r, &l);
	return rc;
}
