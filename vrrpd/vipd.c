/* vipd.c - the daemon: command line, set-up, event loop, timers, signals,
 * shutdown. Everything protocol-shaped lives in fsm.c and proto.c, the
 * edges in their own files (iface.c and rx.c receive, ctl.c answers
 * vipctl, reload.c applies a configuration, groupsync.c the sync groups,
 * giveup.c remembers giveups); this file only moves events to them. */
#include "vipd.h"

#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "bfd_io.h"
#include "control.h"
#include "ctl.h"
#include "filter.h"
#include "giveup.h"
#include "groupsync.h"
#include "httpcheck.h"
#include "iface.h"
#include "instance.h"
#include "log.h"
#include "metrics.h"
#include "mono.h"
#include "netlink.h"
#include "privs.h"
#include "proc.h"
#include "reload.h"
#include "send.h"

#define DEFAULT_CONFIG "/etc/vipd/vipd.conf"

/* epoll tags: small integers for the fixed fds, a struct evh for the
 * rest (captures, check sockets, hook output, metrics). */
enum { EV_SIGNAL = 1, EV_NETLINK, EV_CONTROL, EV__FIXED };

int vipd_watch_fd(void *ctx, int fd, uint32_t events, struct evh *h)
{
	struct vipd *d = ctx;
	struct epoll_event ev = { .events = events, .data.ptr = h };

	if (!events) {
		/* The handler may be freed next, while an event for it is still
		 * in this batch: that event is skipped (epoll is level-triggered,
		 * so anything still pending on a reused handler comes again). */
		if (d->nunwatched == d->unwatched_cap) {
			size_t cap = d->unwatched_cap ? 2 * d->unwatched_cap : 16;
			struct evh **u = realloc(d->unwatched, cap * sizeof(*u));
			if (u) {
				d->unwatched = u;
				d->unwatched_cap = cap;
			}
		}
		if (d->nunwatched < d->unwatched_cap)
			d->unwatched[d->nunwatched++] = h;
		return epoll_ctl(d->epfd, EPOLL_CTL_DEL, fd, NULL);
	}
	if (epoll_ctl(d->epfd, EPOLL_CTL_MOD, fd, &ev) == 0)
		return 0;
	return errno == ENOENT ? epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) : -1;
}

struct httpcheck *vipd_http(struct vipd *d)
{
	char err[256];

	if (!d->http) {
		d->http = httpcheck_new(vipd_watch_fd, d, err, sizeof(err));
		if (!d->http)
			log_err("track_http: %s", err);
	}
	return d->http;
}

fsm_time vipd_now(void)
{
	return (fsm_time)mono_us();
}

time_t vipd_wall(fsm_time mono)
{
	return time(NULL) - (time_t)((vipd_now() - mono) / 1000000);
}

/* getifaddrs() rather than the netlink cache: vipd -t has none. */
bool vipd_host_has(const struct ipaddr *a, void *arg)
{
	struct ifaddrs *all, *i;
	bool found = false;

	(void)arg;
	if (getifaddrs(&all) < 0)
		return false;
	for (i = all; i && !found; i = i->ifa_next) {
		const struct sockaddr *sa = i->ifa_addr;
		if (!sa || sa->sa_family != a->family)
			continue;
		if (sa->sa_family == AF_INET)
			found = memcmp(&((const struct sockaddr_in *)sa)->sin_addr, a->u.bytes, 4) == 0;
		else
			found = memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, a->u.bytes, 16) == 0;
	}
	freeifaddrs(all);
	return found;
}

/* For vipd -t: whether a heartbeat path's interface is there. */
static bool vipd_has_ifname(const char *ifname, void *arg)
{
	(void)arg;
	return if_nametoindex(ifname) != 0;
}

struct instance *vipd_instance(struct vipd *d, const char *name)
{
	for (size_t i = 0; i < d->ninst; i++)
		if (strcmp(d->inst[i]->cfg->name, name) == 0)
			return d->inst[i];
	return NULL;
}

void vipd_refresh_all(struct vipd *d)
{
	fsm_time now = vipd_now();
	for (size_t i = 0; i < d->ninst; i++) {
		instance_refresh(d, d->inst[i], now);
		bfd_io_poll(d);
	}
	bfd_io_sync(d);
}

static void vipd_on_netlink_change(void *arg)
{
	vipd_refresh_all(arg);
}

/* Timers */

/* The next deadline of anything: instances, capture retries, children,
 * HTTP checks, metrics, BFD sessions, the shutdown bound. */
static fsm_time vipd_next_deadline(const struct vipd *d)
{
	fsm_time next = FSM_NEVER;

	for (size_t i = 0; i < d->ninst; i++) {
		fsm_time t = instance_deadline(d->inst[i]);
		if (t < next)
			next = t;
	}
	fsm_time t = iface_deadline(d);
	if (t < next)
		next = t;
	if ((t = proc_deadline(d->procs)) < next)
		next = t;
	if ((t = httpcheck_deadline(d->http)) < next)
		next = t;
	if ((t = metrics_deadline(d->metrics)) < next)
		next = t;
	if ((t = bfd_io_deadline(d)) < next)
		next = t;
	if (d->stopping && d->stop_deadline < next)
		next = d->stop_deadline;
	return next;
}

static void vipd_on_timer(struct vipd *d)
{
	fsm_time now = vipd_now();
	bool giveups = false;

	proc_timer(d->procs, now);
	httpcheck_timer(d->http, now);
	metrics_timer(d->metrics);
	bfd_io_timer(d, now);
	/* A master lost to BFD was holding many instances: the adverts of all
	 * the claims go out first, before the addresses, announcements and
	 * logs of any, so that a lower backup, whose own claims follow a few
	 * milliseconds later, hears every one of them in time. */
	for (size_t i = 0; i < d->ninst; i++)
		instance_claim_early(d, d->inst[i], now);
	/* Then the VIPs of all the instances that become master go in
	 * together, one netlink batch, before any of them announces. */
	instance_batch_begin(d);
	for (size_t i = 0; i < d->ninst; i++) {
		struct instance *in = d->inst[i];
		bool was_giveup = in->fsm.giveup;
		instance_timer(d, in, now);
		bfd_io_poll(d);
		giveups |= was_giveup && !in->fsm.giveup;
	}
	instance_batch_end(d);
	if (iface_retry_due(d, now))
		vipd_refresh_all(d);
	if (giveups)
		giveup_save(d);
}

/* Shutdown: priority 0 from every master, then wait (bounded) until each
 * has heard its successor or its release timer ran out. */
static void vipd_begin_shutdown(struct vipd *d)
{
	fsm_time now = vipd_now(), longest = 0;

	if (d->stopping)
		return;
	d->stopping = true;
	sd_notify(0, "STOPPING=1");
	log_notice("shutting down");
	for (size_t i = 0; i < d->ninst; i++) {
		instance_shutdown(d, d->inst[i], now);
		fsm_time mdi = fsm_master_down_interval(&d->inst[i]->fsm);
		if (mdi > longest)
			longest = mdi;
	}
	d->stop_deadline = now + longest + 500000;
}

static bool vipd_done(struct vipd *d)
{
	if (!d->stopping)
		return false;
	if (vipd_now() >= d->stop_deadline)
		return true;
	for (size_t i = 0; i < d->ninst; i++)
		if (d->inst[i]->fsm.holding)
			return false;
	return true;
}

static void vipd_on_signal(struct vipd *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		char err[4096];
		if (si.ssi_signo == SIGCHLD)
			proc_reap(d->procs, vipd_now());
		else if (si.ssi_signo == SIGHUP)
			reload_file(d, err, sizeof(err));
		else
			vipd_begin_shutdown(d);
	}
}

static bool vipd_unwatched(const struct vipd *d, const struct evh *h)
{
	for (size_t i = 0; i < d->nunwatched; i++)
		if (d->unwatched[i] == h)
			return true;
	return false;
}

static int vipd_loop(struct vipd *d)
{
	struct epoll_event evs[32];

	/* Deadlines are epoll_pwait2's timeout, in nanoseconds: no timer
	 * descriptor to arm and read around every advert. */
	while (!vipd_done(d)) {
		fsm_time next = vipd_next_deadline(d), now = vipd_now();
		struct timespec ts, *tsp = NULL;
		if (next != FSM_NEVER) {
			fsm_time wait = next > now ? next - now : 0;
			ts.tv_sec = wait / 1000000;
			ts.tv_nsec = (wait % 1000000) * 1000;
			tsp = &ts;
		}
		int n = epoll_pwait2(d->epfd, evs, 32, tsp, NULL);
		d->nunwatched = 0;
		if (n < 0 && errno != EINTR) {
			log_err("epoll_pwait2: %s", strerror(errno));
			return 1;
		}
		for (int i = 0; i < n; i++) {
			uintptr_t tag = (uintptr_t)evs[i].data.ptr;
			switch (tag) {
			case EV_SIGNAL: vipd_on_signal(d); break;
			case EV_NETLINK: netlink_dispatch(d->nl); break;
			case EV_CONTROL: ctl_serve(d); break;
			default: {
				struct evh *h = evs[i].data.ptr;
				if (!vipd_unwatched(d, h))
					h->fn(h, evs[i].events);
				break;
			}
			}
		}
		if (vipd_now() >= next)
			vipd_on_timer(d);
		if (d->cfg.ngroups)
			groupsync_run(d, vipd_now());
	}
	/* Whatever is still held after the bound goes now. */
	for (size_t i = 0; i < d->ninst; i++)
		instance_stop(d, d->inst[i]);
	return 0;
}

/* Set-up */

static int vipd_watch(struct vipd *d, int fd, uintptr_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = (void *)tag };
	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int vipd_open(struct vipd *d)
{
	char err[256];
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	d->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->epfd < 0 || d->sigfd < 0) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		return -1;
	}
	d->procs = proc_table_new(vipd_watch_fd, d);
	if (!d->procs) {
		log_err("out of memory");
		return -1;
	}
	d->nl = netlink_open(vipd_on_netlink_change, d, err, sizeof(err));
	if (!d->nl) {
		log_err("netlink: %s", err);
		return -1;
	}
	d->send4 = sender_open(AF_INET, err, sizeof(err));
	if (!d->send4) {
		log_err("IPv4 sockets: %s", err);
		return -1;
	}
	d->send6 = sender_open(AF_INET6, err, sizeof(err));
	if (!d->send6)
		log_warn("IPv6 sockets: %s (IPv6 instances cannot run)", err);
	d->ctl_fd = control_listen(d->cfg.socket, err, sizeof(err));
	if (d->ctl_fd < 0) {
		log_err("control socket: %s", err);
		return -1;
	}
	if (vipd_watch(d, d->sigfd, EV_SIGNAL) < 0 ||
	    vipd_watch(d, netlink_fd(d->nl), EV_NETLINK) < 0 || vipd_watch(d, d->ctl_fd, EV_CONTROL) < 0) {
		log_err("epoll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void vipd_close(struct vipd *d)
{
	for (size_t i = 0; i < d->ninst; i++)
		instance_free(d->inst[i]);
	free(d->inst);
	free(d->deferred);
	d->deferred = NULL;
	d->ndeferred = d->deferred_cap = 0;
	metrics_stop(d->metrics);
	bfd_io_free(d);
	httpcheck_free(d->http);
	proc_table_free(d->procs);
	iface_free_all(d);
	/* Last: closing anything above records it as unwatched. */
	free(d->unwatched);
	d->unwatched = NULL;
	d->nunwatched = d->unwatched_cap = 0;
	if (d->ctl_fd >= 0) {
		close(d->ctl_fd);
		/* After the drop the socket's directory is root's: the socket
		 * stays, and the next start replaces it. */
		if (unlink(d->cfg.socket) < 0 && errno != ENOENT)
			log_debug("control socket %s left in place: %s", d->cfg.socket, strerror(errno));
	}
	filter_close(d->filter);
	if (d->send4)
		sender_close(d->send4);
	if (d->send6)
		sender_close(d->send6);
	if (d->nl)
		netlink_close(d->nl);
	config_free(&d->cfg);
}

/* The root-only part of the start is over: hand the state directory to
 * the user and become it, keeping CAP_NET_ADMIN and CAP_NET_RAW. */
static int vipd_drop_privileges(struct vipd *d, const struct privs_user *u)
{
	static const char *const state_files[] = { GIVEUP_FILE, GIVEUP_FILE ".tmp", NULL };
	char err[1024], caps[256];

	if (u->keep_root) {
		log_warn("running as root (-u root): privileges are not dropped");
		return 0;
	}
	iface_open_all(d);
	if (privs_prepare_dir(u, d->cfg.state_dir, state_files, err, sizeof(err)) < 0) {
		log_err("cannot prepare the state directory for user %s: %s", u->name, err);
		return -1;
	}
	if (privs_drop(u, err, sizeof(err)) < 0) {
		log_err("cannot drop privileges to user %s: %s", u->name, err);
		return -1;
	}
	if (u->switch_user && access(d->cfg.state_dir, R_OK | W_OK | X_OK) < 0) {
		log_err("state_dir %s is not usable by user %s: %s", d->cfg.state_dir, u->name, strerror(errno));
		return -1;
	}
	d->run_as = u->name;
	privs_describe(caps, sizeof(caps));
	log_notice("running as %s (uid %u), capabilities %s", u->name, (unsigned)u->uid, caps);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: vipd [-n] [-d] [-f FILE] [-u USER[:GROUP]]\n"
		"       vipd -t [-f FILE]\n"
		"Hold or back up virtual IP addresses with VRRPv3 (RFC 5798, RFC 9568).\n\n"
		"  -f, --config FILE   configuration file (default %s)\n"
		"  -n, --foreground    stay in the foreground and log to stderr\n"
		"  -t, --test          check the configuration and exit: 0 valid, 2 invalid\n"
		"  -u, --user USER[:GROUP]\n"
		"                      run as USER once the sockets are open, keeping only\n"
		"                      cap_net_admin and cap_net_raw (default %s if that\n"
		"                      user exists, else %s:%s; root: keep root)\n"
		"  -d, --debug         log debug messages too\n"
		"  -h, --help          show this help\n"
		"  -V, --version       show the version\n\n"
		"Signals: TERM/INT leave gracefully (priority 0, VIPs kept until a\n"
		"successor is heard), HUP reloads the configuration.\n"
		"See vipd(8), vipd.conf(5), vipctl(8).\n", DEFAULT_CONFIG, PRIVS_DEFAULT_USER,
		PRIVS_FALLBACK_USER, PRIVS_FALLBACK_GROUP);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'f' }, { "foreground", no_argument, NULL, 'n' },
		{ "test", no_argument, NULL, 't' },         { "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },         { "version", no_argument, NULL, 'V' },
		{ "user", required_argument, NULL, 'u' },   { NULL, 0, NULL, 0 },
	};
	struct vipd d = { .config_path = DEFAULT_CONFIG, .ctl_fd = -1, .epfd = -1 };
	bool foreground = false, test = false, debug = false;
	const char *user_spec = NULL;
	struct privs_user user;
	char err[8192];
	int c;

	while ((c = getopt_long(argc, argv, "f:ntdhVu:", opts, NULL)) != -1) {
		switch (c) {
		case 'f': d.config_path = optarg; break;
		case 'n': foreground = true; break;
		case 't': test = true; break;
		case 'd': debug = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("vipd %s\n", PACKAGE_VERSION); return 0;
		case 'u': user_spec = optarg; break;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	/* The whole file is checked before anything on the host is touched. */
	if (config_load(d.config_path, &d.cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	if (config_check_own(&d.cfg, vipd_host_has, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		config_free(&d.cfg);
		return 2;
	}
	if (privs_resolve(user_spec, &user, err, sizeof(err)) < 0) {
		fprintf(stderr, "vipd: %s\n", err);
		config_free(&d.cfg);
		return 2;
	}
	if (test && config_check_paths_exist(&d.cfg, vipd_has_ifname, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		config_free(&d.cfg);
		return 2;
	}
	if (test) {
		printf("%s: configuration OK (%zu instance(s))\n", d.config_path, d.cfg.nvips);
		config_free(&d.cfg);
		return 0;
	}
	log_init("vipd", foreground, debug);
	if (!foreground && daemon(0, 0) < 0) {
		fprintf(stderr, "vipd: cannot detach: %s\n", strerror(errno));
		return 1;
	}
	int rc = 1;
	if (vipd_open(&d) == 0 && reload_apply(&d, &d.cfg) == 0 && (reload_metrics(&d), true) &&
	    vipd_drop_privileges(&d, &user) == 0) {
		giveup_load(&d);
		vipd_refresh_all(&d);
		log_notice("started with %zu instance(s) from %s", d.ninst, d.config_path);
		sd_notify(0, "READY=1");
		rc = vipd_loop(&d);
		log_notice("stopped");
	}
	vipd_close(&d);
	return rc;
}
