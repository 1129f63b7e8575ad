/* mailq.h - mail waiting to be sent, and the one thread that sends it.
 *
 * A request that mails something only queues it and answers at once: a
 * relay that is slow or down then delays the mail, never the site. The
 * queue is bounded (a full queue refuses, it never blocks); its thread
 * sends one message at a time, retries a failure after a backoff that
 * doubles each time, and gives up after a number of tries. Stopping waits
 * a bounded time for what is queued, then drops the rest.
 *
 * No I/O here: the sending is a function the owner gives (mail.c speaks
 * SMTP), and so is the report of each outcome (mail.c logs and counts). */
#ifndef NEWSD_MAILQ_H
#define NEWSD_MAILQ_H

#include <stddef.h>

struct mailq;

struct mailq_msg {
	char *what;    /* for the log: "reset mail for user alice" */
	char *to, *subject, *body;
	int tries;     /* attempts made so far */
};

/* What send returns besides 0 (sent). */
#define MAILQ_RETRY (-1)  /* may work later: timeout, refused connection, 4xx */
#define MAILQ_FATAL (-2)  /* will never work: 5xx, bad relay address */

/* What mailq_push returns besides 0 (queued). */
#define MAILQ_FULL (-1)    /* capacity messages are waiting already */
#define MAILQ_STOPPED (-2) /* the queue is stopping */
#define MAILQ_NOMEM (-3)

enum mailq_outcome {
	MAILQ_SENT,
	MAILQ_RETRYING, /* a try failed; another follows after delay_ms */
	MAILQ_FAILED,   /* the last try failed, or a fatal error */
	MAILQ_DROPPED,  /* still queued (or being sent) when the stop timed out */
};

struct mailq_opts {
	size_t capacity;      /* messages queued at most, the one being sent included */
	int attempts;         /* tries per message, at least 1 */
	long backoff_ms;      /* wait before the second try; doubled for each further one */
	long backoff_max_ms;  /* ... up to this */
	/* Send m; 0, MAILQ_RETRY or MAILQ_FATAL, with err set on failure. It
	 * should give up soon once mailq_cancelled() says so. */
	int (*send)(void *arg, struct mailq *q, const struct mailq_msg *m, char *err, size_t errlen);
	/* Told of every try's outcome, from the queue's thread, no lock held.
	 * delay_ms: MAILQ_RETRYING's wait; err: the failure, or "". */
	void (*report)(void *arg, const struct mailq_msg *m, enum mailq_outcome o, long delay_ms,
		       const char *err);
	void *arg;
};

/* Start the queue and its thread; NULL (errno set) when that fails. */
struct mailq *mailq_start(const struct mailq_opts *o);

/* Queue a copy of the message: 0, MAILQ_FULL, MAILQ_STOPPED or
 * MAILQ_NOMEM. Never waits for the relay. */
int mailq_push(struct mailq *q, const char *what, const char *to, const char *subject, const char *body);

/* Messages queued, the one being sent included. */
size_t mailq_length(struct mailq *q);

/* 1 once the queue is stopping and its wait is over: a send in progress
 * should give up (the message is then dropped, not failed). */
int mailq_cancelled(struct mailq *q);

/* Send what is queued for up to wait_ms more (no retry is waited for past
 * that), then cancel the send in progress, report the rest as dropped,
 * end the thread and free q. The number of messages dropped. */
size_t mailq_stop(struct mailq *q, long wait_ms);

/* The relay's URL as a log may show it: "smtp://user:secret@host:25"
 * becomes "smtp://host:25". Truncated to fit out. */
void mailq_relay_label(const char *url, char *out, size_t len);

#endif
