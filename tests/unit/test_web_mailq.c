/* test_web_mailq.c - newsd's mail queue with a fake relay: order, the
 * bound, retries and their backoff, giving up, and a stop that neither
 * hangs on a relay that never answers nor drops what it could send. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mailq.h"

#define MAXCALLS 32

/* The fake relay: answers from a script, or holds every call until it is
 * released or the queue cancels it. */
struct fake {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int script[MAXCALLS], nscript, dflt; /* the answers to calls 0.., then dflt */
	int hold, released, saw_cancel;
	int calls;
	long long call_ms[MAXCALLS];
	char sent[MAXCALLS][32];
	int nsent;
	int outcomes[MAILQ_DROPPED + 1];
	long delays[MAXCALLS];
	int ndelays;
	char last_err[64]; /* of the last report */
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int fake_send(void *arg, struct mailq *q, const struct mailq_msg *m, char *err, size_t errlen)
{
	struct fake *f = arg;
	int i, rc;

	pthread_mutex_lock(&f->mu);
	i = f->calls++;
	if (i < MAXCALLS)
		f->call_ms[i] = now_ms();
	pthread_cond_broadcast(&f->cv);
	while (f->hold && !f->released) {
		pthread_mutex_unlock(&f->mu);
		if (mailq_cancelled(q)) {
			pthread_mutex_lock(&f->mu);
			f->saw_cancel = 1;
			pthread_mutex_unlock(&f->mu);
			snprintf(err, errlen, "cancelled");
			return MAILQ_RETRY;
		}
		nap_ms(5);
		pthread_mutex_lock(&f->mu);
	}
	rc = i < f->nscript ? f->script[i] : f->dflt;
	if (rc == 0 && f->nsent < MAXCALLS)
		snprintf(f->sent[f->nsent++], sizeof(f->sent[0]), "%s", m->to);
	pthread_mutex_unlock(&f->mu);
	if (rc)
		snprintf(err, errlen, "relay says no");
	return rc;
}

static void fake_report(void *arg, const struct mailq_msg *m, enum mailq_outcome o, long delay_ms,
			const char *err)
{
	struct fake *f = arg;

	(void)m;
	pthread_mutex_lock(&f->mu);
	f->outcomes[o]++;
	if (o == MAILQ_RETRYING && f->ndelays < MAXCALLS)
		f->delays[f->ndelays++] = delay_ms;
	snprintf(f->last_err, sizeof(f->last_err), "%s", err);
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
}

static void fake_destroy(struct fake *f)
{
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
}

/* Wait up to ms for *counter to reach want; its final value. */
static int fake_wait(struct fake *f, const int *counter, int want, long ms)
{
	long long end = now_ms() + ms;
	int v;

	pthread_mutex_lock(&f->mu);
	while ((v = *counter) < want && now_ms() < end) {
		pthread_mutex_unlock(&f->mu);
		nap_ms(2);
		pthread_mutex_lock(&f->mu);
	}
	pthread_mutex_unlock(&f->mu);
	return v;
}

static struct mailq *start(struct fake *f, size_t capacity, int attempts, long backoff_ms)
{
	const struct mailq_opts o = {
		.capacity = capacity,
		.attempts = attempts,
		.backoff_ms = backoff_ms,
		.backoff_max_ms = 60000,
		.send = fake_send,
		.report = fake_report,
		.arg = f,
	};
	struct mailq *q = mailq_start(&o);

	assert_non_null(q);
	return q;
}

static void test_sends_in_order(void **state)
{
	struct fake f;
	struct mailq *q;

	(void)state;
	fake_init(&f);
	q = start(&f, 8, 3, 10);
	assert_int_equal(mailq_push(q, "m1", "a@x", "s", "b"), 0);
	assert_int_equal(mailq_push(q, "m2", "b@x", "s", "b"), 0);
	assert_int_equal(mailq_push(q, "m3", "c@x", "s", "b"), 0);
	assert_int_equal(fake_wait(&f, &f.outcomes[MAILQ_SENT], 3, 5000), 3);
	assert_string_equal(f.sent[0], "a@x");
	assert_string_equal(f.sent[1], "b@x");
	assert_string_equal(f.sent[2], "c@x");
	assert_int_equal(f.calls, 3);
	assert_int_equal(mailq_length(q), 0);
	assert_int_equal(mailq_stop(q, 1000), 0);
	assert_int_equal(f.outcomes[MAILQ_DROPPED], 0);
	fake_destroy(&f);
}

/* A full queue refuses at once, the message being sent included in the
 * count, and takes mail again once it has room. */
static void test_full_refuses_without_waiting(void **state)
{
	struct fake f;
	struct mailq *q;
	long long t0;

	(void)state;
	fake_init(&f);
	f.hold = 1;
	q = start(&f, 4, 3, 10);
	for (int i = 0; i < 4; i++)
		assert_int_equal(mailq_push(q, "m", "a@x", "s", "b"), 0);
	assert_int_equal(fake_wait(&f, &f.calls, 1, 5000), 1);
	t0 = now_ms();
	assert_int_equal(mailq_push(q, "m", "e@x", "s", "b"), MAILQ_FULL);
	assert_true(now_ms() - t0 < 100);
	assert_int_equal(mailq_length(q), 4);
	pthread_mutex_lock(&f.mu);
	f.released = 1;
	pthread_mutex_unlock(&f.mu);
	assert_int_equal(fake_wait(&f, &f.outcomes[MAILQ_SENT], 4, 5000), 4);
	assert_int_equal(mailq_push(q, "m", "f@x", "s", "b"), 0);
	assert_int_equal(fake_wait(&f, &f.outcomes[MAILQ_SENT], 5, 5000), 5);
	assert_string_equal(f.sent[4], "f@x");
	assert_int_equal(mailq_stop(q, 1000), 0);
	fake_destroy(&f);
}

static void test_retry_backoff_doubles(void **state)
{
	struct fake f;
	struct mailq *q;

	(void)state;
	fake_init(&f);
	f.script[0] = MAILQ_RETRY;
	f.script[1] = MAILQ_RETRY;
	f.nscript = 2; /* then 0: sent */
	q = start(&f, 4, 4, 40);
	assert_int_equal(mailq_push(q, "m", "a@x", "s", "b"), 0);
	assert_int_equal(fake_wait(&f, &f.outcomes[MAILQ_SENT], 1, 5000), 1);
	assert_int_equal(f.calls, 3);
	assert_int_equal(f.outcomes[MAILQ_RETRYING], 2);
	assert_int_equal(f.delays[0], 40);
	assert_int_equal(f.delays[1], 80);
	/* The waits were kept, not skipped. */
	assert_true(f.call_ms[1] - f.call_ms[0] >= 40);
	assert_true(f.call_ms[2] - f.call_ms[1] >= 80);
	assert_int_equal(f.outcomes[MAILQ_FAILED], 0);
	assert_int_equal(mailq_stop(q, 1000), 0);
	fake_destroy(&f);
}

/* While one message waits for its retry, the others go out. */
static void test_retry_does_not_block_others(void **state)
{
	struct fake f;
	struct mailq *q;

	(void)state;
	fake_init(&f);
	f.script[0] = MAILQ_RETRY;
	f.nscript = 1;
	q = start(&f, 4, 2, 10000);
	assert_int_equal(mailq_push(q, "m1", "slow@x", "s", "b"), 0);
	assert_int_equal(fake_wait(&f, &f.outcomes[MAILQ_RETRYING], 1, 5000), 1);
	assert_int_equal(mailq_push(q, "m2", "quick@x", "s", "b"), 0);
	assert_int_equal(fake_wait(&f, &f.outcomes[MAILQ_SENT], 1, 2000), 1);
	assert_string_equal(f.sent[0], "quick@x");
	assert_int_equal(mailq_length(q), 1);
	/* The retry is due after the stop's wait: dropped at once. */
	assert_int_equal(mailq_stop(q, 1000), 1);
	assert_int_equal(f.outcomes[MAILQ_DROPPED], 1);
	fake_destroy(&f);
}

static void test_gives_up_after_attempts(void **state)
{
	struct fake f;
	struct mailq *q;

	(void)state;
	fake_init(&f);
	f.dflt = MAILQ_RETRY;
	q = start(&f, 4, 3, 5);
	assert_int_equal(mailq_push(q, "m", "a@x", "s", "b"), 0);
	assert_int_equal(fake_wait(&f, &f.outcomes[MAILQ_FAILED], 1, 5000), 1);
	nap_ms(50);
	assert_int_equal(f.calls, 3);
	assert_int_equal(f.outcomes[MAILQ_RETRYING], 2);
	assert_int_equal(f.outcomes[MAILQ_SENT], 0);
	assert_int_equal(mailq_length(q), 0);
	assert_int_equal(mailq_stop(q, 1000), 0);
	fake_destroy(&f);
}

static void test_fatal_is_not_retried(void **state)
{
	struct fake f;
	struct mailq *q;

	(void)state;
	fake_init(&f);
	f.dflt = MAILQ_FATAL;
	q = start(&f, 4, 4, 5);
	assert_int_equal(mailq_push(q, "m", "a@x", "s", "b"), 0);
	assert_int_equal(fake_wait(&f, &f.outcomes[MAILQ_FAILED], 1, 5000), 1);
	nap_ms(50);
	assert_int_equal(f.calls, 1);
	assert_int_equal(f.outcomes[MAILQ_RETRYING], 0);
	assert_string_equal(f.last_err, "relay says no");
	assert_int_equal(mailq_stop(q, 1000), 0);
	fake_destroy(&f);
}

/* A relay that never answers: the stop waits its bounded time, cancels
 * the send in progress and drops everything, counted. */
static void test_stop_is_bounded(void **state)
{
	struct fake f;
	struct mailq *q;
	long long t0, took;

	(void)state;
	fake_init(&f);
	f.hold = 1;
	q = start(&f, 8, 4, 10);
	for (int i = 0; i < 3; i++)
		assert_int_equal(mailq_push(q, "m", "a@x", "s", "b"), 0);
	assert_int_equal(fake_wait(&f, &f.calls, 1, 5000), 1);
	t0 = now_ms();
	assert_int_equal(mailq_stop(q, 200), 3);
	took = now_ms() - t0;
	assert_true(took >= 200);
	assert_true(took < 2000);
	assert_int_equal(f.saw_cancel, 1);
	assert_int_equal(f.calls, 1);
	assert_int_equal(f.outcomes[MAILQ_DROPPED], 3);
	assert_int_equal(f.outcomes[MAILQ_FAILED], 0);
	assert_int_equal(f.outcomes[MAILQ_SENT], 0);
	fake_destroy(&f);
}

/* A working relay: the stop sends what is queued before it returns. */
static void test_stop_flushes(void **state)
{
	struct fake f;
	struct mailq *q;

	(void)state;
	fake_init(&f);
	q = start(&f, 8, 4, 10);
	for (int i = 0; i < 5; i++)
		assert_int_equal(mailq_push(q, "m", "a@x", "s", "b"), 0);
	assert_int_equal(mailq_stop(q, 5000), 0);
	assert_int_equal(f.outcomes[MAILQ_SENT], 5);
	assert_int_equal(f.outcomes[MAILQ_DROPPED], 0);
	fake_destroy(&f);
}

static void test_start_refuses_bad_options(void **state)
{
	struct fake f;
	struct mailq_opts o = { .capacity = 0, .attempts = 1, .send = fake_send, .arg = &f };

	(void)state;
	errno = 0;
	assert_null(mailq_start(&o));
	assert_int_equal(errno, EINVAL);
	o.capacity = 1;
	o.send = NULL;
	assert_null(mailq_start(&o));
	assert_int_equal(mailq_stop(NULL, 100), 0);
}

static void test_relay_label(void **state)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "smtp://10.33.0.5:25", "smtp://10.33.0.5:25" },
		{ "smtp://user:secret@10.33.0.5:25", "smtp://10.33.0.5:25" },
		{ "smtps://u%40x:p@ss@relay.lab:465/news.lab", "smtps://relay.lab:465/news.lab" },
		{ "smtp://relay.lab/dom@ain", "smtp://relay.lab/dom@ain" },
		{ "smtp://:secret@relay.lab", "smtp://relay.lab" },
		{ "not a url", "not a url" },
		{ "", "" },
	};
	char out[128], small[12];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		mailq_relay_label(v[i].in, out, sizeof(out));
		assert_string_equal(out, v[i].out);
	}
	mailq_relay_label(NULL, out, sizeof(out));
	assert_string_equal(out, "");
	mailq_relay_label("smtp://user:secret@relay.lab:25", small, sizeof(small));
	assert_string_equal(small, "smtp://rela");
	assert_null(strstr(small, "secret"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sends_in_order),
		cmocka_unit_test(test_full_refuses_without_waiting),
		cmocka_unit_test(test_retry_backoff_doubles),
		cmocka_unit_test(test_retry_does_not_block_others),
		cmocka_unit_test(test_gives_up_after_attempts),
		cmocka_unit_test(test_fatal_is_not_retried),
		cmocka_unit_test(test_stop_is_bounded),
		cmocka_unit_test(test_stop_flushes),
		cmocka_unit_test(test_start_refuses_bad_options),
		cmocka_unit_test(test_relay_label),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
