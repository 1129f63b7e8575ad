/* vipd.h - the daemon's context, passed explicitly to every edge. */
#ifndef VIPD_VIPD_H
#define VIPD_VIPD_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "capture.h"
#include "config.h"
#include "evh.h"
#include "fsm.h"

struct capture;
struct filter;
struct httpcheck;
struct metrics;
struct proc_table;
struct netlink;
struct sender;
struct instance;

/* One capture per interface, shared by the instances on it. */
struct iface {
	struct evh ev;        /* the capture's fd */
	struct vipd *d;
	char name[IF_NAMESIZE];
	struct capture *cap;
	struct capture_size size; /* what it was opened for */
	struct capture_size need; /* what the instances on it need (0: not known yet) */
	struct instance *by_vrid[2][256]; /* [IPv6?][VRID]: the instance for a packet */
	int ifindex;          /* the link the capture was opened on */
	fsm_time retry_at;    /* reopen after an error no sooner than this */
	char error[256];      /* last open/read error, for status and logs */
	struct iface *next;
};

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
	struct iface *ifaces;
	struct instance **inst;
	size_t ninst;
	struct proc_table *procs;    /* track scripts, notify hooks */
	struct httpcheck *http;      /* track_http checks, NULL until one is configured */
	struct metrics *metrics;     /* NULL without metrics = */
	struct evh **unwatched;      /* handlers unwatched during this batch of events */
	size_t nunwatched, unwatched_cap;
	bool stopping;
	fsm_time stop_deadline;
	uint64_t stray_drops[DROP__COUNT]; /* packets no instance could own */
};

/* Monotonic time in microseconds, and the wall clock for "since". */
fsm_time vipd_now(void);
time_t vipd_wall(fsm_time mono);

/* Interface registry (captures), in vipd.c. */
struct iface *vipd_iface(struct vipd *d, const char *name);
/* Open the capture of an interface if it is closed; false with a reason. */
bool vipd_iface_ready(struct vipd *d, struct iface *ifc, int ifindex);

/* Have the loop watch fd for a module (evh.h); ctx is the struct vipd. */
int vipd_watch_fd(void *ctx, int fd, uint32_t events, struct evh *h);

/* The HTTP checker, set up on first use; NULL (logged) if it cannot be. */
struct httpcheck *vipd_http(struct vipd *d);

#endif
