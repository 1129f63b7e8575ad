/* httpcheck.h - HTTP GET checks for track_http, on libcurl's multi
 * interface driven by the daemon's event loop: many checks in flight,
 * none of them blocking an advertisement. */
#ifndef VIPD_HTTPCHECK_H
#define VIPD_HTTPCHECK_H

#include <stddef.h>

#include "evh.h"
#include "fsm.h"

struct httpcheck;
struct httpcheck_job;

/* code: the HTTP status (0 if none came); error: NULL when a response
 * came, else why not (curl's words). */
typedef void (*httpcheck_done_fn)(void *arg, long code, const char *error);

/* NULL with err if libcurl cannot be set up. */
struct httpcheck *httpcheck_new(evh_watch_fn watch, void *ctx, char *err, size_t errlen);
void httpcheck_free(struct httpcheck *hc);

/* GET url within timeout_ms; done runs later, from the event loop, never
 * from inside this call. NULL with err if the check cannot start. */
struct httpcheck_job *httpcheck_start(struct httpcheck *hc, const char *url, unsigned timeout_ms,
				      httpcheck_done_fn done, void *arg, char *err, size_t errlen);
void httpcheck_cancel(struct httpcheck *hc, struct httpcheck_job *job);

/* libcurl's own timeouts. */
fsm_time httpcheck_deadline(const struct httpcheck *hc);
void httpcheck_timer(struct httpcheck *hc, fsm_time now);

#endif
