/* vipd.h - the daemon's context, passed explicitly to every edge. */
#ifndef VIPD_VIPD_H
#define VIPD_VIPD_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "evh.h"
#include "fsm.h"

struct bfd_io;
struct filter;
struct httpcheck;
struct iface;
struct instance;
struct metrics;
struct netlink;
struct proc_table;
struct sender;

struct vipd {
	const char *config_path;
	const char *run_as;          /* the user after the drop; NULL: root */
	struct vipd_config cfg;
	int epfd;
	int sigfd;
	int ctl_fd;
	struct netlink *nl;
	struct sender *send4, *send6;
	struct filter *filter;       /* accept_mode = false, NULL until needed */
	struct iface *ifaces;        /* iface.c */
	struct instance **inst;
	size_t ninst;
	struct proc_table *procs;    /* track scripts, notify hooks */
	struct httpcheck *http;      /* track_http checks, NULL until one is configured */
	struct metrics *metrics;     /* NULL without metrics = */
	struct bfd_io *bfd;          /* BFD sessions, NULL until an instance has bfd = true */
	struct evh **unwatched;      /* handlers unwatched during this batch of events */
	size_t nunwatched, unwatched_cap;
	bool stopping;
	fsm_time stop_deadline;
	/* An address batch (instance_batch_begin) and the instances whose
	 * VIPs wait in it. */
	bool vip_batch;
	struct instance **deferred;
	size_t ndeferred, deferred_cap;
	uint64_t stray_drops[DROP__COUNT]; /* packets no instance could own */
};

/* Monotonic time in microseconds, and the wall clock for "since". */
fsm_time vipd_now(void);
time_t vipd_wall(fsm_time mono);

/* Have the loop watch fd for a module (evh.h); ctx is the struct vipd. */
int vipd_watch_fd(void *ctx, int fd, uint32_t events, struct evh *h);

/* The HTTP checker, set up on first use; NULL (logged) if it cannot be. */
struct httpcheck *vipd_http(struct vipd *d);

/* Whether a is an address of this host (any interface); arg unused.
 * For config_check_own(). */
bool vipd_host_has(const struct ipaddr *a, void *arg);

/* The instance called name, NULL if none. */
struct instance *vipd_instance(struct vipd *d, const char *name);

/* Links, addresses or captures may have changed: every instance looks
 * again (starts, faults, restores VIPs). */
void vipd_refresh_all(struct vipd *d);

#endif
