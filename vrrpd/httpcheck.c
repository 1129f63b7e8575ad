/* httpcheck.c - libcurl multi_socket glue for the daemon's epoll loop.
 *
 * libcurl is loaded on first use (dynlib.c): it pulls in some thirty
 * libraries, megabytes resident, that a vipd without track_http does not
 * need. The entry points get the header's own types (__typeof__), so a
 * mismatch fails to compile. */
#include "httpcheck.h"

#define CURL_DISABLE_TYPECHECK /* the calls go through pointers */
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "dynlib.h"
#include "mono.h"

#define CURL_SONAME "libcurl.so.4"

/* X(member, symbol) */
#define CURL_API(X)                                                             \
	X(global_init, curl_global_init) X(global_cleanup, curl_global_cleanup)       \
	X(multi_init, curl_multi_init) X(multi_cleanup, curl_multi_cleanup)           \
	X(multi_setopt, curl_multi_setopt) X(multi_assign, curl_multi_assign)         \
	X(multi_add_handle, curl_multi_add_handle)                                    \
	X(multi_remove_handle, curl_multi_remove_handle)                              \
	X(multi_socket_action, curl_multi_socket_action)                              \
	X(multi_info_read, curl_multi_info_read) X(easy_init, curl_easy_init)         \
	X(easy_cleanup, curl_easy_cleanup) X(easy_setopt, curl_easy_setopt)           \
	X(easy_getinfo, curl_easy_getinfo) X(easy_strerror, curl_easy_strerror)

static struct {
	bool loaded;
#define MEMBER(m, sym) __typeof__(sym) *m;
	CURL_API(MEMBER)
#undef MEMBER
} cu;

static int hc_load(char *err, size_t errlen)
{
#define SYM(m, sym) DYNSYM(cu, m, sym)
	static const struct dynsym syms[] = { CURL_API(SYM){ NULL, NULL } };
#undef SYM
	return dynlib_load(CURL_SONAME, "libcurl4", syms, &cu.loaded, err, errlen);
}

struct httpcheck {
	CURLM *multi;
	evh_watch_fn watch;
	void *ctx;
	fsm_time deadline;     /* when libcurl wants its timeout action */
	unsigned jobs;
};

struct httpcheck_job {
	CURL *easy;
	httpcheck_done_fn done;
	void *arg;
};

/* One per socket libcurl asks us to watch. */
struct hsock {
	struct evh ev;
	struct httpcheck *hc;
	curl_socket_t fd;
};

/* Hand every finished transfer to its owner. */
static void hc_collect(struct httpcheck *hc)
{
	CURLMsg *m;
	int left;

	while ((m = cu.multi_info_read(hc->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct httpcheck_job *job = NULL;
		long code = 0;
		CURLcode rc = m->data.result;
		cu.easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&job);
		cu.easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
		cu.multi_remove_handle(hc->multi, m->easy_handle);
		cu.easy_cleanup(m->easy_handle);
		hc->jobs--;
		if (!job)
			continue;
		httpcheck_done_fn done = job->done;
		void *arg = job->arg;
		free(job);
		done(arg, code, rc == CURLE_OK ? NULL : cu.easy_strerror(rc));
	}
}

static void hc_on_socket(struct evh *h, uint32_t events)
{
	struct hsock *s = (struct hsock *)h;
	struct httpcheck *hc = s->hc;
	int flags = 0, running;

	if (events & EPOLLIN)
		flags |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (events & (EPOLLERR | EPOLLHUP))
		flags |= CURL_CSELECT_ERR;
	/* s may be freed inside: libcurl removes sockets as it closes them. */
	cu.multi_socket_action(hc->multi, s->fd, flags, &running);
	hc_collect(hc);
}

static int hc_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct httpcheck *hc = userp;
	struct hsock *s = socketp;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s) {
			hc->watch(hc->ctx, fd, 0, &s->ev);
			cu.multi_assign(hc->multi, fd, NULL);
			free(s);
		}
		return 0;
	}
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -1;
		s->ev.fn = hc_on_socket;
		s->hc = hc;
		s->fd = fd;
		cu.multi_assign(hc->multi, fd, s);
	}
	uint32_t ev = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	return hc->watch(hc->ctx, fd, ev, &s->ev) < 0 ? -1 : 0;
}

static int hc_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct httpcheck *hc = userp;

	(void)multi;
	hc->deadline = timeout_ms < 0 ? FSM_NEVER : (fsm_time)mono_us() + (fsm_time)timeout_ms * 1000;
	return 0;
}

struct httpcheck *httpcheck_new(evh_watch_fn watch, void *ctx, char *err, size_t errlen)
{
	struct httpcheck *hc;

	if (hc_load(err, errlen) < 0)
		return NULL;
	hc = calloc(1, sizeof(*hc));
	if (!hc || cu.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(hc->multi = cu.multi_init())) {
		snprintf(err, errlen, "cannot set up libcurl");
		free(hc);
		return NULL;
	}
	hc->watch = watch;
	hc->ctx = ctx;
	hc->deadline = FSM_NEVER;
	cu.multi_setopt(hc->multi, CURLMOPT_SOCKETFUNCTION, hc_socket_cb);
	cu.multi_setopt(hc->multi, CURLMOPT_SOCKETDATA, hc);
	cu.multi_setopt(hc->multi, CURLMOPT_TIMERFUNCTION, hc_timer_cb);
	cu.multi_setopt(hc->multi, CURLMOPT_TIMERDATA, hc);
	/* Checks of one local service share a few kept-alive connections. */
	cu.multi_setopt(hc->multi, CURLMOPT_MAXCONNECTS, 16L);
	return hc;
}

static size_t hc_discard(char *ptr, size_t size, size_t n, void *arg)
{
	(void)ptr;
	(void)arg;
	return size * n;
}

struct httpcheck_job *httpcheck_start(struct httpcheck *hc, const char *url, unsigned timeout_ms,
				      httpcheck_done_fn done, void *arg, char *err, size_t errlen)
{
	struct httpcheck_job *job = calloc(1, sizeof(*job));
	CURL *e = cu.easy_init();

	if (!job || !e) {
		snprintf(err, errlen, "out of memory");
		free(job);
		if (e)
			cu.easy_cleanup(e);
		return NULL;
	}
	job->easy = e;
	job->done = done;
	job->arg = arg;
	cu.easy_setopt(e, CURLOPT_URL, url);
	cu.easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	cu.easy_setopt(e, CURLOPT_NOPROXY, "*"); /* a local check goes direct, whatever the environment */
	cu.easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	cu.easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	cu.easy_setopt(e, CURLOPT_USERAGENT, "vipd/" PACKAGE_VERSION " (track_http)");
	cu.easy_setopt(e, CURLOPT_WRITEFUNCTION, hc_discard);
	cu.easy_setopt(e, CURLOPT_PRIVATE, job);
	if (cu.multi_add_handle(hc->multi, e) != CURLM_OK) {
		snprintf(err, errlen, "cannot start a check of %s", url);
		cu.easy_cleanup(e);
		free(job);
		return NULL;
	}
	hc->jobs++;
	return job;
}

void httpcheck_cancel(struct httpcheck *hc, struct httpcheck_job *job)
{
	if (!job)
		return;
	cu.multi_remove_handle(hc->multi, job->easy);
	cu.easy_cleanup(job->easy);
	hc->jobs--;
	free(job);
}

fsm_time httpcheck_deadline(const struct httpcheck *hc)
{
	return hc ? hc->deadline : FSM_NEVER;
}

void httpcheck_timer(struct httpcheck *hc, fsm_time now)
{
	int running;

	if (!hc || hc->deadline > now)
		return;
	hc->deadline = FSM_NEVER;
	cu.multi_socket_action(hc->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	hc_collect(hc);
}

void httpcheck_free(struct httpcheck *hc)
{
	if (!hc)
		return;
	/* The tracks cancel their jobs before this. */
	cu.multi_cleanup(hc->multi);
	cu.global_cleanup();
	free(hc);
}
