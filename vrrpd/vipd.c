/* vipd.c - the daemon: command line, event loop, signals, reload, control
 * socket. Everything protocol-shaped lives in fsm.c and proto.c; this file
 * only moves events to instances and their decisions to the edges. */
#include "vipd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "capture.h"
#include "check.h"
#include "control.h"
#include "filter.h"
#include "hmac.h"
#include "httpcheck.h"
#include "instance.h"
#include "log.h"
#include "metrics.h"
#include "netlink.h"
#include "privs.h"
#include "proc.h"
#include "send.h"

#define DEFAULT_CONFIG "/etc/vipd/vipd.conf"
#define STATE_FILE "giveup"
#define CAPTURE_RETRY_US 1000000

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
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (fsm_time)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

time_t vipd_wall(fsm_time mono)
{
	return time(NULL) - (time_t)((vipd_now() - mono) / 1000000);
}

/* Interfaces and captures */

static void vipd_on_capture_ev(struct evh *h, uint32_t events);

struct iface *vipd_iface(struct vipd *d, const char *name)
{
	struct iface *ifc;

	for (ifc = d->ifaces; ifc; ifc = ifc->next)
		if (strcmp(ifc->name, name) == 0)
			return ifc;
	ifc = calloc(1, sizeof(*ifc));
	if (!ifc) {
		log_err("out of memory");
		exit(1);
	}
	ifc->ev.fn = vipd_on_capture_ev;
	ifc->d = d;
	snprintf(ifc->name, sizeof(ifc->name), "%s", name);
	ifc->next = d->ifaces;
	d->ifaces = ifc;
	return ifc;
}

static void vipd_iface_close(struct vipd *d, struct iface *ifc)
{
	if (!ifc->cap)
		return;
	vipd_watch_fd(d, capture_fd(ifc->cap), 0, &ifc->ev);
	capture_close(ifc->cap);
	ifc->cap = NULL;
}

/* What the capture must hold for the instances on this interface. */
static void vipd_iface_size(struct vipd *d, const struct iface *ifc, struct capture_size *size)
{
	size_t n = 0, maxaddrs = 1, addrlen = 4;

	for (size_t i = 0; i < d->ninst; i++) {
		const struct instance *in = d->inst[i];
		if (in->ifc != ifc)
			continue;
		n++;
		if (in->cfg->naddrs > maxaddrs)
			maxaddrs = in->cfg->naddrs;
		if (in->cfg->family == AF_INET6)
			addrlen = 16;
	}
	capture_size(n, maxaddrs, addrlen, size);
}

bool vipd_iface_ready(struct vipd *d, struct iface *ifc, int ifindex)
{
	struct capture_size need;

	/* A capture opened on an interface that has since been replaced
	 * (same name, new index) listens to nothing; one opened for fewer
	 * or smaller instances (before a reload) would drop bursts. */
	need = ifc->need;
	if (!need.snaplen)
		vipd_iface_size(d, ifc, &need);
	if (ifc->cap && ifc->ifindex == ifindex && need.snaplen <= ifc->size.snaplen &&
	    need.buffer <= ifc->size.buffer)
		return true;
	vipd_iface_close(d, ifc);
	fsm_time now = vipd_now();
	if (now < ifc->retry_at)
		return false;
	ifc->size = need;
	ifc->cap = capture_open(ifc->name, &need, ifc->error, sizeof(ifc->error));
	if (!ifc->cap) {
		ifc->retry_at = now + CAPTURE_RETRY_US;
		return false;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &ifc->ev };
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, capture_fd(ifc->cap), &ev) < 0) {
		snprintf(ifc->error, sizeof(ifc->error), "epoll: %s", strerror(errno));
		capture_close(ifc->cap);
		ifc->cap = NULL;
		return false;
	}
	ifc->ifindex = ifindex;
	ifc->error[0] = '\0';
	log_info("capturing VRRP on %s", ifc->name);
	return true;
}

/* Packets */

struct rx_ctx {
	struct vipd *d;
	struct iface *ifc;
	fsm_time now;
};

/* Per interface, family and VRID: an index, as every packet is looked
 * up (rebuilt with the instance list). */
static struct instance *vipd_find_instance(const struct iface *ifc, int family, int vrid)
{
	if (vrid < 0 || vrid > 255)
		return NULL;
	return ifc->by_vrid[family == AF_INET6][vrid];
}

static void vipd_index_instances(struct vipd *d)
{
	for (struct iface *ifc = d->ifaces; ifc; ifc = ifc->next)
		memset(ifc->by_vrid, 0, sizeof(ifc->by_vrid));
	for (size_t i = 0; i < d->ninst; i++) {
		struct instance *in = d->inst[i];
		in->ifc->by_vrid[in->cfg->family == AF_INET6][in->cfg->vrid] = in;
	}
}

/* For a packet that failed to decode, find who it was meant for, if the
 * IP header is readable far enough to tell. */
static struct instance *vipd_guess_instance(const struct iface *ifc, const uint8_t *p, size_t len)
{
	size_t off;
	int family;

	if (len < 1)
		return NULL;
	if (p[0] >> 4 == 4) {
		family = AF_INET;
		off = (size_t)(p[0] & 0x0f) * 4;
		if (len > 9 && p[9] == AH_IPPROTO)
			off += AH_LEN; /* VRRPv2 in IPsec AH */
	} else if (p[0] >> 4 == 6) {
		family = AF_INET6;
		off = 40;
	} else {
		return NULL;
	}
	if (len < off + 2)
		return NULL;
	return vipd_find_instance(ifc, family, p[off + 1]);
}

static void vipd_count_drop(struct vipd *d, struct instance *in, enum vrrp_drop why)
{
	if (in)
		in->n.drops[why]++;
	else
		d->stray_drops[why]++;
}

static void vipd_on_packet(void *arg, const uint8_t *p, size_t len)
{
	struct rx_ctx *rx = arg;
	struct vrrp_packet pkt;
	/* The group the packet claims to belong to decides how to read it:
	 * VRRPv2 and CARP share version 2 and differ in everything else. */
	struct instance *claimed = vipd_guess_instance(rx->ifc, p, len);
	enum vrrp_drop why = claimed ? proto_decode_as(p, len, &claimed->cfg->auth, &pkt) : proto_decode(p, len, &pkt);

	if (why != DROP_NONE) {
		vipd_count_drop(rx->d, claimed, why);
		return;
	}
	if (netlink_is_local(rx->d->nl, &pkt.src)) {
		vipd_count_drop(rx->d, vipd_find_instance(rx->ifc, pkt.src.family, pkt.adv.vrid),
				DROP_OWN_PACKET);
		return;
	}
	struct instance *in = vipd_find_instance(rx->ifc, pkt.src.family, pkt.adv.vrid);
	if (!in) {
		/* Another group's traffic on our segment: count it on every
		 * instance of the interface, where an operator looks. */
		bool any = false;
		for (size_t i = 0; i < rx->d->ninst; i++) {
			struct instance *o = rx->d->inst[i];
			if (o->ifc == rx->ifc && o->cfg->family == pkt.src.family) {
				o->n.drops[DROP_UNKNOWN_VRID]++;
				any = true;
			}
		}
		if (!any)
			rx->d->stray_drops[DROP_UNKNOWN_VRID]++;
		return;
	}
	instance_packet(rx->d, in, &pkt, rx->now);
}

static void vipd_refresh_all(struct vipd *d)
{
	fsm_time now = vipd_now();
	for (size_t i = 0; i < d->ninst; i++)
		instance_refresh(d, d->inst[i], now);
}

static void vipd_on_capture(struct vipd *d, struct iface *ifc)
{
	struct rx_ctx rx = { d, ifc, vipd_now() };
	char err[256];

	if (capture_dispatch(ifc->cap, vipd_on_packet, &rx, err, sizeof(err)) == 0)
		return;
	/* Never fatal: the interface may have vanished or be coming back. */
	log_warn("capture on %s failed (%s); reopening", ifc->name, err);
	snprintf(ifc->error, sizeof(ifc->error), "%s", err);
	vipd_iface_close(d, ifc);
	ifc->retry_at = vipd_now() + CAPTURE_RETRY_US / 10;
	vipd_refresh_all(d);
}

static void vipd_on_capture_ev(struct evh *h, uint32_t events)
{
	struct iface *ifc = (struct iface *)h;

	(void)events;
	if (ifc->cap)
		vipd_on_capture(ifc->d, ifc);
}

static void vipd_on_netlink_change(void *arg)
{
	vipd_refresh_all(arg);
}

/* Open what captures can be opened now, before the privileges go: the
 * ones of links that are up and running (an instance would open them
 * at once anyway). The rest open later, with CAP_NET_RAW. A failure
 * here is retried at once by the first refresh, and reported there. */
static void vipd_open_captures(struct vipd *d)
{
	struct link_info li;

	for (struct iface *ifc = d->ifaces; ifc; ifc = ifc->next) {
		if (netlink_link(d->nl, ifc->name, &li) < 0 || !li.up || !li.running)
			continue;
		if (!vipd_iface_ready(d, ifc, li.ifindex))
			ifc->retry_at = 0;
	}
}

/* Giveup state survives restarts: "NAME UNTIL" lines, UNTIL a unix time
 * or 0 for no limit. */

static void vipd_state_path(const struct vipd *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/" STATE_FILE, d->cfg.state_dir);
}

static void vipd_save_state(struct vipd *d)
{
	char path[512], tmp[520];
	FILE *f;

	vipd_state_path(d, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	mkdir(d->cfg.state_dir, 0750);
	/* A leftover of another owner (a vipd that ran as root) cannot be
	 * opened for writing; the directory is ours, so it can go. */
	unlink(tmp);
	f = fopen(tmp, "w");
	if (!f) {
		log_err("cannot write %s: %s", tmp, strerror(errno));
		return;
	}
	fsm_time now = vipd_now();
	for (size_t i = 0; i < d->ninst; i++) {
		const struct fsm *fs = &d->inst[i]->fsm;
		if (!fs->giveup || fs->giveup_until <= now)
			continue;
		long long until = fs->giveup_until == FSM_NEVER ? 0 : (long long)vipd_wall(fs->giveup_until);
		fprintf(f, "%s %lld\n", d->inst[i]->cfg->name, until);
	}
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		log_err("cannot write %s: %s", path, strerror(errno));
}

static void vipd_load_state(struct vipd *d)
{
	char path[512], name[CONFIG_NAME_MAX];
	long long until;
	FILE *f;

	vipd_state_path(d, path, sizeof(path));
	f = fopen(path, "r");
	if (!f) {
		if (errno != ENOENT)
			log_err("cannot read %s (giveups from before the restart are lost): %s", path,
				strerror(errno));
		return;
	}
	fsm_time now = vipd_now();
	time_t wall = time(NULL);
	while (fscanf(f, "%63s %lld", name, &until) == 2) {
		for (size_t i = 0; i < d->ninst; i++) {
			struct instance *in = d->inst[i];
			if (strcmp(in->cfg->name, name) != 0 || (until && until <= wall))
				continue;
			fsm_time m = until ? now + (fsm_time)(until - wall) * 1000000 : FSM_NEVER;
			log_notice("vip %s: giveup remembered from before the restart%s", name,
				   until ? " (with a time limit)" : "");
			instance_giveup(d, in, now, m);
		}
	}
	fclose(f);
}

/* Instances and reload */

static struct instance *vipd_instance_by_name(struct vipd *d, const char *name)
{
	for (size_t i = 0; i < d->ninst; i++)
		if (strcmp(d->inst[i]->cfg->name, name) == 0)
			return d->inst[i];
	return NULL;
}

/* Build the instance list for cfg, keeping every instance whose
 * definition did not change (with its state and VIPs: no flap). */
static int vipd_apply_config(struct vipd *d, struct vipd_config *cfg)
{
	struct instance **next = calloc(cfg->nvips ? cfg->nvips : 1, sizeof(*next));
	fsm_time now = vipd_now();

	if (!next)
		return -1;
	for (size_t i = 0; i < cfg->nvips; i++) {
		struct instance *old = vipd_instance_by_name(d, cfg->vips[i].name);
		if (old && config_vip_equal(old->cfg, &cfg->vips[i])) {
			instance_reconfigure(d, old, &cfg->vips[i], now);
			next[i] = old;
			continue;
		}
		next[i] = instance_new(d, &cfg->vips[i], now);
		if (!next[i]) {
			free(next);
			return -1;
		}
		log_info("vip %s: %s on %s, vrid %u, priority %u", cfg->vips[i].name, old ? "changed" : "added",
			 cfg->vips[i].ifname, cfg->vips[i].vrid, cfg->vips[i].priority);
		uint8_t md[20];
		if (cfg->vips[i].protocol == VIP_PROTO_CARP && hmac_sha1("", 0, "", 0, md) < 0)
			log_err("vip %s: carp authenticates with HMAC-SHA1, which is not available: %s",
				cfg->vips[i].name, hmac_error());
	}
	/* Whatever is not carried over stops now and gives up its VIPs. */
	for (size_t i = 0; i < d->ninst; i++) {
		bool kept = false;
		for (size_t j = 0; j < cfg->nvips; j++)
			kept |= next[j] == d->inst[i];
		if (kept)
			continue;
		log_info("vip %s: removed", d->inst[i]->cfg->name);
		instance_stop(d, d->inst[i]);
		instance_free(d->inst[i]);
	}
	free(d->inst);
	d->inst = next;
	d->ninst = cfg->nvips;
	vipd_index_instances(d);
	for (struct iface *ifc = d->ifaces; ifc; ifc = ifc->next)
		vipd_iface_size(d, ifc, &ifc->need);
	char err[512];
	if (filter_sync(&d->filter, cfg, err, sizeof(err)) < 0)
		log_err("accept_mode = false is not enforced: %s", err);
	return 0;
}

/* Serve metrics as configured: started, moved or stopped. A failure is
 * logged and leaves metrics off; the VIPs do not depend on them. */
static void vipd_metrics_sync(struct vipd *d)
{
	char err[256];

	if (d->metrics && d->cfg.metrics && metrics_is(d->metrics, &d->cfg.metrics_addr, d->cfg.metrics_port))
		return;
	metrics_stop(d->metrics);
	d->metrics = NULL;
	if (!d->cfg.metrics)
		return;
	d->metrics = metrics_start(d, &d->cfg.metrics_addr, d->cfg.metrics_port, err, sizeof(err));
	if (d->metrics)
		log_info("metrics at http://%s/metrics", d->cfg.metrics);
	else
		log_err("metrics = \"%s\": %s", d->cfg.metrics, err);
}

/* Sync groups, after every batch of events.
 *  - A member that holds the group back hard (not started, faulted, in
 *    giveup, waiting for its tracks) keeps the others from Master: they
 *    are held, and a master among them steps down.
 *  - A member that lost its election (a higher master) holds the others
 *    softly: no preemption of a lower master, which is what the peer's
 *    group took over with; a master that goes silent is still replaced.
 *  - A member leaving Master takes the others' masters along.
 *  - Free of both, a master pulls the others' backups up with it. */
static struct instance *vipd_member(struct vipd *d, const struct group_config *gc, size_t k)
{
	return gc->members[k] < d->ninst ? d->inst[gc->members[k]] : NULL;
}

static void vipd_sync_group(struct vipd *d, const struct group_config *gc, fsm_time now)
{
	struct instance *master = NULL, *left = NULL;
	int worst = GROUP_FREE;
	char why[200];

	for (size_t k = 0; k < gc->nmembers; k++) {
		struct instance *in = vipd_member(d, gc, k);
		if (!in)
			continue;
		int b = instance_blocks_group(in);
		worst = b > worst ? b : worst;
		if (!master && in->fsm.state == FSM_MASTER)
			master = in;
		if (!left && in->group_seen == FSM_MASTER && in->fsm.state != FSM_MASTER)
			left = in;
		in->group_seen = in->fsm.state;
	}
	for (size_t k = 0; k < gc->nmembers; k++) {
		struct instance *in = vipd_member(d, gc, k), *by = NULL;
		int level = GROUP_FREE;
		if (!in)
			continue;
		for (size_t j = 0; j < gc->nmembers; j++) {
			struct instance *o = vipd_member(d, gc, j);
			int b = o && o != in ? instance_blocks_group(o) : GROUP_FREE;
			if (b > level) {
				level = b;
				by = o;
			}
		}
		if (by)
			snprintf(why, sizeof(why), "sync group %s: vip %s is %s (%s)", gc->name, by->cfg->name,
				 fsm_state_name(by->fsm.state), instance_reason(by));
		if (level != in->group_hold || level)
			instance_set_group_held(in, level, by ? why : NULL);
		if (in->fsm.state == FSM_MASTER && (level == GROUP_HARD || (left && left != in))) {
			if (level != GROUP_HARD)
				snprintf(why, sizeof(why), "sync group %s: vip %s left master", gc->name, left->cfg->name);
			log_notice("vip %s: leaving master with its %s", in->cfg->name, why);
			instance_group_backup(d, in, now, why);
		} else if (master && in != master && in->fsm.state == FSM_BACKUP && worst == GROUP_FREE && !left) {
			snprintf(why, sizeof(why), "sync group %s: vip %s is master", gc->name, master->cfg->name);
			instance_group_master(d, in, now, why);
		}
		in->group_seen = in->fsm.state;
	}
}

static void vipd_sync_groups(struct vipd *d, fsm_time now)
{
	if (d->stopping)
		return;
	for (size_t g = 0; g < d->cfg.ngroups; g++)
		vipd_sync_group(d, &d->cfg.groups[g], now);
}

/* Re-read the file; a bad one changes nothing. 0, or -1 with the
 * problems in err. */
static int vipd_reload(struct vipd *d, char *err, size_t errlen)
{
	struct vipd_config cfg;
	int rc = -1;

	sd_notify(0, "RELOADING=1");
	if (config_load(d->config_path, &cfg, err, errlen) < 0) {
		if (d->run_as && access(d->config_path, R_OK) < 0 && errno == EACCES) {
			size_t n = strlen(err);
			snprintf(err + n, errlen - n, "%s%s: vipd runs as %s, who cannot read it", n ? "\n" : "",
				 d->config_path, d->run_as);
		}
		log_err("reload refused, keeping the running configuration:\n%s", err);
	} else if (vipd_apply_config(d, &cfg) < 0) {
		snprintf(err, errlen, "out of memory");
		log_err("reload failed: out of memory");
		config_free(&cfg);
	} else {
		if (strcmp(cfg.socket, d->cfg.socket) != 0)
			log_warn("socket changed to %s: takes effect at the next restart", cfg.socket);
		if (strcmp(cfg.state_dir, d->cfg.state_dir) != 0)
			log_warn("state_dir changed to %s: takes effect at the next restart", cfg.state_dir);
		/* Keep the socket the daemon actually listens on, and the
		 * state directory it prepared for its user. */
		char *sock = cfg.socket, *state = cfg.state_dir;
		cfg.socket = d->cfg.socket;
		d->cfg.socket = sock;
		cfg.state_dir = d->cfg.state_dir;
		d->cfg.state_dir = state;
		config_free(&d->cfg);
		d->cfg = cfg;
		vipd_metrics_sync(d);
		/* An instance the new file puts in no group is nobody's to hold. */
		for (size_t i = 0; i < d->ninst; i++)
			if (d->inst[i]->cfg->group < 0 && d->inst[i]->group_hold)
				instance_set_group_held(d->inst[i], GROUP_FREE, NULL);
		vipd_refresh_all(d);
		vipd_sync_groups(d, vipd_now());
		vipd_save_state(d);
		log_notice("configuration reloaded from %s: %zu instance(s)", d->config_path, d->ninst);
		rc = 0;
	}
	sd_notify(0, "READY=1");
	return rc;
}

/* Control socket */

static void vipd_status(struct vipd *d, bool json, struct sbuf *b)
{
	fsm_time now = vipd_now();

	if (!json) {
		for (size_t i = 0; i < d->ninst; i++)
			instance_status_text(d->inst[i], b, now);
		if (!d->ninst)
			sbuf_printf(b, "no instances configured\n");
		return;
	}
	sbuf_printf(b, "{\"instances\": [");
	for (size_t i = 0; i < d->ninst; i++) {
		sbuf_printf(b, "%s", i ? ", " : "");
		instance_status_json(d->inst[i], b);
	}
	sbuf_printf(b, "], \"stray_drops\": {");
	for (int r = DROP_NONE + 1; r < DROP__COUNT; r++)
		sbuf_printf(b, "%s\"%s\": %llu", r > 1 ? ", " : "", proto_drop_name(r),
			    (unsigned long long)d->stray_drops[r]);
	sbuf_printf(b, "}}\n");
}

/* Parse "--for SECONDS" after a giveup; FSM_NEVER if absent. */
static int vipd_parse_for(int argc, char **argv, fsm_time now, fsm_time *until, struct sbuf *b)
{
	*until = FSM_NEVER;
	if (argc == 2)
		return 0;
	char *end;
	double s = argc == 4 && strcmp(argv[2], "--for") == 0 ? strtod(argv[3], &end) : -1;
	if (argc != 4 || s <= 0 || *end || s > 31536000) {
		sbuf_printf(b, "error: usage: giveup NAME [--for SECONDS] (SECONDS > 0)\n");
		return -1;
	}
	*until = now + (fsm_time)(s * 1e6);
	return 0;
}

static void vipd_command(struct vipd *d, char *line, struct sbuf *b)
{
	char *argv[CONTROL_MAX_ARGS];
	int argc = control_split(line, argv, CONTROL_MAX_ARGS);
	const struct control_verb *v = argc > 0 ? control_find_verb(argv[0]) : NULL;
	fsm_time now = vipd_now();
	struct instance *in = NULL;

	if (!v) {
		sbuf_printf(b, "error: unknown command '%s'\n", argc > 0 ? argv[0] : "");
		return;
	}
	if (v->needs_name) {
		in = argc > 1 ? vipd_instance_by_name(d, argv[1]) : NULL;
		if (!in) {
			sbuf_printf(b, "error: no instance named '%s'\n", argc > 1 ? argv[1] : "");
			return;
		}
	}
	if (strcmp(v->name, "status") == 0) {
		sbuf_printf(b, "ok\n");
		vipd_status(d, argc > 1 && strcmp(argv[1], "--json") == 0, b);
	} else if (strcmp(v->name, "giveup") == 0) {
		fsm_time until;
		if (vipd_parse_for(argc, argv, now, &until, b) < 0)
			return;
		log_notice("vip %s: operator giveup%s", in->cfg->name, until == FSM_NEVER ? "" : " with a time limit");
		instance_giveup(d, in, now, until);
		vipd_save_state(d);
		sbuf_printf(b, "ok\n");
	} else if (strcmp(v->name, "resume") == 0) {
		log_notice("vip %s: operator resume", in->cfg->name);
		instance_resume(d, in, now);
		vipd_save_state(d);
		sbuf_printf(b, "ok\n");
	} else if (strcmp(v->name, "takeover") == 0) {
		log_notice("vip %s: operator takeover", in->cfg->name);
		instance_takeover(d, in, now);
		vipd_save_state(d);
		sbuf_printf(b, "ok\n");
	} else if (strcmp(v->name, "reload") == 0) {
		char err[4096];
		if (vipd_reload(d, err, sizeof(err)) < 0)
			sbuf_printf(b, "error: reload refused, the running configuration stays:\n%s\n", err);
		else
			sbuf_printf(b, "ok\n");
	}
}

/* One request per connection, answered at once. The read is bounded by a
 * short timeout so a stuck client cannot stall the advertisement timers
 * for long; vipctl writes its request in one go. */
static void vipd_on_control(struct vipd *d)
{
	char line[CONTROL_MAX_REQUEST];
	struct timeval tv = { .tv_sec = 0, .tv_usec = 50000 };
	struct sbuf b = { 0 };
	int fd = accept4(d->ctl_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	tv.tv_sec = 1;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ssize_t n = recv(fd, line, sizeof(line) - 1, 0);
	if (n > 0) {
		line[n] = '\0';
		line[strcspn(line, "\n")] = '\0';
		vipd_command(d, line, &b);
		if (b.oom)
			sbuf_printf(&b, "error: out of memory\n");
		for (size_t off = 0; off < b.len;) {
			ssize_t w = send(fd, b.data + off, b.len - off, MSG_NOSIGNAL);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
	}
	sbuf_free(&b);
	close(fd);
}

/* Timers */

/* The next deadline of anything: instances, capture retries, children,
 * HTTP checks, metrics, the shutdown bound. */
static fsm_time vipd_next_deadline(const struct vipd *d)
{
	fsm_time next = FSM_NEVER;

	for (size_t i = 0; i < d->ninst; i++) {
		fsm_time t = instance_deadline(d->inst[i]);
		if (t < next)
			next = t;
	}
	for (struct iface *ifc = d->ifaces; ifc; ifc = ifc->next)
		if (!ifc->cap && ifc->retry_at && ifc->retry_at < next)
			next = ifc->retry_at;
	fsm_time t = proc_deadline(d->procs);
	if (t < next)
		next = t;
	if ((t = httpcheck_deadline(d->http)) < next)
		next = t;
	if ((t = metrics_deadline(d->metrics)) < next)
		next = t;
	if (d->stopping && d->stop_deadline < next)
		next = d->stop_deadline;
	return next;
}

static void vipd_on_timer(struct vipd *d)
{
	fsm_time now = vipd_now();
	bool giveups = false, retry = false;

	proc_timer(d->procs, now);
	httpcheck_timer(d->http, now);
	metrics_timer(d->metrics);
	for (size_t i = 0; i < d->ninst; i++) {
		struct instance *in = d->inst[i];
		bool was_giveup = in->fsm.giveup;
		instance_timer(d, in, now);
		giveups |= was_giveup && !in->fsm.giveup;
	}
	for (struct iface *ifc = d->ifaces; ifc; ifc = ifc->next)
		retry |= !ifc->cap && ifc->retry_at && ifc->retry_at <= now;
	if (retry)
		vipd_refresh_all(d);
	if (giveups)
		vipd_save_state(d);
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
			vipd_reload(d, err, sizeof(err));
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
			case EV_CONTROL: vipd_on_control(d); break;
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
			vipd_sync_groups(d, vipd_now());
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
	metrics_stop(d->metrics);
	httpcheck_free(d->http);
	proc_table_free(d->procs);
	while (d->ifaces) {
		struct iface *next = d->ifaces->next;
		vipd_iface_close(d, d->ifaces);
		free(d->ifaces);
		d->ifaces = next;
	}
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
	static const char *const state_files[] = { STATE_FILE, STATE_FILE ".tmp", NULL };
	char err[1024], caps[256];

	if (u->keep_root) {
		log_warn("running as root (-u root): privileges are not dropped");
		return 0;
	}
	vipd_open_captures(d);
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
	if (privs_resolve(user_spec, &user, err, sizeof(err)) < 0) {
		fprintf(stderr, "vipd: %s\n", err);
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
	if (vipd_open(&d) == 0 && vipd_apply_config(&d, &d.cfg) == 0 && (vipd_metrics_sync(&d), true) &&
	    vipd_drop_privileges(&d, &user) == 0) {
		vipd_load_state(&d);
		vipd_refresh_all(&d);
		log_notice("started with %zu instance(s) from %s", d.ninst, d.config_path);
		sd_notify(0, "READY=1");
		rc = vipd_loop(&d);
		log_notice("stopped");
	}
	vipd_close(&d);
	return rc;
}
