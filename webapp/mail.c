/* mail.c - mail through the configured SMTP relay, with libcurl, from a
 * queue (mailq.h) that one thread of its own empties: a request only
 * queues its mail, so a slow or dead relay holds up no worker.
 *
 * The queue starts with the first mail and is the process's: there is one
 * relay, and a site that never mails never starts a thread. mail_stop()
 * ends it at shutdown. */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mailq.h"
#include "site.h"

/* The queue: at most this many mails wait; a mail is tried this many
 * times, 5 s after the first failure, then 10 s, then 20 s. */
#define MAIL_QUEUE_MAX 64
#define MAIL_ATTEMPTS 4
#define MAIL_BACKOFF_MS 5000L
#define MAIL_BACKOFF_MAX_MS 60000L
/* One try: connecting, then the whole dialogue. */
#define MAIL_CONNECT_TIMEOUT_MS 3000L
#define MAIL_TIMEOUT_MS 10000L
/* At shutdown, what is queued gets this long to go out. */
#define MAIL_STOP_WAIT_MS 5000L

static struct {
	pthread_mutex_t mu;     /* start, push and stop */
	struct mailq *q;
	int started, stopped;
	char relay[256];        /* the relay as the log shows it: no login */
} mail = { .mu = PTHREAD_MUTEX_INITIALIZER };

struct reader {
	const char *p;
	size_t left;
};

static size_t mail_feed(char *dst, size_t size, size_t n, void *arg)
{
	struct reader *rd = arg;
	size_t k = size * n < rd->left ? size * n : rd->left;

	memcpy(dst, rd->p, k);
	rd->p += k;
	rd->left -= k;
	return k;
}

/* Header values come from the configuration and the user's own profile:
 * a line break in them would forge headers, so they are refused. */
static int header_safe(const char *s)
{
	return !strpbrk(s, "\r\n");
}

/* libcurl calls this about once a second, and more often while data
 * moves: a nonzero return aborts the transfer. */
static int mail_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			 curl_off_t ulnow)
{
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return mailq_cancelled(arg);
}

/* A 5xx answer or a relay that cannot be used as configured will not get
 * better with time; anything else (no connection, a timeout, a 4xx) may. */
static int mail_failure_kind(CURLcode rc, long smtp_code)
{
	if (smtp_code >= 500 || rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL ||
	    rc == CURLE_LOGIN_DENIED)
		return MAILQ_FATAL;
	return MAILQ_RETRY;
}

/* One try at the relay: mailq's send. */
static int mail_send(void *arg, struct mailq *q, const struct mailq_msg *m, char *err, size_t errlen)
{
	const struct site *s = arg;
	struct buf msg = BUF_INIT;
	struct curl_slist *rcpt = NULL;
	char date[64], rcptbuf[320];
	struct reader rd;
	time_t now = time(NULL);
	struct tm tm;
	long code = 0;
	CURLcode rc;
	CURL *c;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	buf_printf(&msg, "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: %s\r\nMIME-Version: 1.0\r\n"
			 "Content-Type: text/plain; charset=utf-8\r\n\r\n%s",
		   date, s->cfg.mail_from, m->to, m->subject, m->body);
	snprintf(rcptbuf, sizeof(rcptbuf), "<%s>", m->to);
	if (buf_failed(&msg) || !(c = curl_easy_init())) {
		buf_free(&msg);
		snprintf(err, errlen, "out of memory");
		return MAILQ_RETRY;
	}
	rd.p = buf_str(&msg);
	rd.left = msg.len;
	rcpt = curl_slist_append(NULL, rcptbuf);
	curl_easy_setopt(c, CURLOPT_URL, s->cfg.mail_relay);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, s->cfg.mail_from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, mail_feed);
	curl_easy_setopt(c, CURLOPT_READDATA, &rd);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, MAIL_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, MAIL_TIMEOUT_MS);
	/* At shutdown a relay that never answers is given up on at once. */
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, mail_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, q);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		if (code)
			snprintf(err, errlen, "%s: %s (SMTP %ld)", mail.relay, curl_easy_strerror(rc), code);
		else
			snprintf(err, errlen, "%s: %s", mail.relay, curl_easy_strerror(rc));
	}
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	buf_free(&msg);
	return rc == CURLE_OK ? 0 : mail_failure_kind(rc, code);
}

/* mailq's report: one log line per outcome, and the metrics. */
static void mail_report(void *arg, const struct mailq_msg *m, enum mailq_outcome o, long delay_ms,
			const char *err)
{
	const struct site *s = arg;

	switch (o) {
	case MAILQ_SENT:
		log_info("%s: sent through %s", m->what, mail.relay);
		metrics_count(s->metrics, METRICS_MAIL_SENT);
		break;
	case MAILQ_RETRYING:
		log_warn("%s: try %d of %d failed, next in %ld s: %s", m->what, m->tries, MAIL_ATTEMPTS,
			 delay_ms / 1000, err);
		break;
	case MAILQ_FAILED:
		log_warn("%s: not sent, giving up after %d %s: %s", m->what, m->tries,
			 m->tries == 1 ? "try" : "tries", err);
		metrics_count(s->metrics, METRICS_MAIL_FAILED);
		break;
	case MAILQ_DROPPED:
		log_warn("%s: dropped unsent at shutdown (%d %s made)", m->what, m->tries,
			 m->tries == 1 ? "try" : "tries");
		metrics_count(s->metrics, METRICS_MAIL_DROPPED);
		break;
	}
}

/* Under mail.mu. */
static void mail_start(const struct site *s)
{
	const struct mailq_opts o = {
		.capacity = MAIL_QUEUE_MAX,
		.attempts = MAIL_ATTEMPTS,
		.backoff_ms = MAIL_BACKOFF_MS,
		.backoff_max_ms = MAIL_BACKOFF_MAX_MS,
		.send = mail_send,
		.report = mail_report,
		.arg = (void *)s,
	};

	mail.started = 1;
	mailq_relay_label(s->cfg.mail_relay, mail.relay, sizeof(mail.relay));
	if (!(mail.q = mailq_start(&o)))
		log_err("mail: cannot start the mail queue: %s", strerror(errno));
}

int mail_queue(const struct site *s, const char *what, const char *to, const char *subject, const char *body,
	       char *err, size_t errlen)
{
	int rc;

	if (!s->cfg.mail_relay) {
		snprintf(err, errlen, "no mail_relay is configured");
		return MAIL_ERROR;
	}
	if (!header_safe(to) || !header_safe(subject) || !header_safe(s->cfg.mail_from)) {
		snprintf(err, errlen, "a header value contains a line break");
		metrics_count(s->metrics, METRICS_MAIL_FAILED);
		return MAIL_ERROR;
	}
	pthread_mutex_lock(&mail.mu);
	if (!mail.started && !mail.stopped)
		mail_start(s);
	if (!mail.q) {
		snprintf(err, errlen, mail.stopped ? "newsd is stopping" : "the mail queue could not start");
		rc = MAIL_ERROR;
	} else if ((rc = mailq_push(mail.q, what, to, subject, body)) == MAILQ_FULL) {
		snprintf(err, errlen, "the mail queue is full (%d mails wait for %s)", MAIL_QUEUE_MAX, mail.relay);
		rc = MAIL_FULL;
	} else if (rc < 0) {
		snprintf(err, errlen, rc == MAILQ_NOMEM ? "out of memory" : "newsd is stopping");
		rc = MAIL_ERROR;
	}
	pthread_mutex_unlock(&mail.mu);
	metrics_count(s->metrics, rc == 0 ? METRICS_MAIL_QUEUED : rc == MAIL_FULL ? METRICS_MAIL_REJECTED
										: METRICS_MAIL_FAILED);
	return rc;
}

void mail_stop(void)
{
	struct mailq *q;
	size_t left, dropped;

	pthread_mutex_lock(&mail.mu);
	q = mail.q;
	mail.q = NULL;
	mail.stopped = 1;
	pthread_mutex_unlock(&mail.mu);
	if (!q)
		return;
	if ((left = mailq_length(q)) > 0)
		log_info("mail: %zu %s queued, waiting up to %ld s for %s", left, left == 1 ? "mail" : "mails",
			 MAIL_STOP_WAIT_MS / 1000, mail.relay);
	if ((dropped = mailq_stop(q, MAIL_STOP_WAIT_MS)) > 0)
		log_warn("mail: %zu %s dropped unsent at shutdown", dropped, dropped == 1 ? "mail" : "mails");
}
