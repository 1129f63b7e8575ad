/* metrics.c - the /metrics endpoint and what it says. libmicrohttpd is
 * loaded when metrics are configured (dynlib.c), not linked: a vipd
 * without metrics keeps neither it nor GnuTLS under it resident. */
#include "metrics.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "bfd_io.h"
#include "dynlib.h"
#include "heartbeat.h"
#include "instance.h"
#include "mono.h"
#include "log.h"
#include "vipd.h"

#define MHD_SONAME "libmicrohttpd.so.12"

/* X(member, symbol) */
#define MHD_API(X)                                                                        \
	X(start_daemon, MHD_start_daemon) X(stop_daemon, MHD_stop_daemon) X(run, MHD_run)     \
	X(get_daemon_info, MHD_get_daemon_info) X(get_timeout, MHD_get_timeout)               \
	X(create_response_from_buffer, MHD_create_response_from_buffer)                       \
	X(add_response_header, MHD_add_response_header) X(queue_response, MHD_queue_response) \
	X(destroy_response, MHD_destroy_response)

static struct {
	bool loaded;
#define MEMBER(m, sym) __typeof__(sym) *m;
	MHD_API(MEMBER)
#undef MEMBER
} mhd;

static int metrics_load(char *err, size_t errlen)
{
#define SYM(m, sym) DYNSYM(mhd, m, sym)
	static const struct dynsym syms[] = { MHD_API(SYM){ NULL, NULL } };
#undef SYM
	return dynlib_load(MHD_SONAME, "libmicrohttpd12", syms, &mhd.loaded, err, errlen);
}

struct metrics {
	struct evh ev;            /* libmicrohttpd's epoll fd */
	struct vipd *d;
	struct MHD_Daemon *mhd;
	int fd;
	struct ipaddr addr;
	uint16_t port;
	uint64_t scrapes;
};

/* ---- the exposition --------------------------------------------------- */

/* A label value: backslash, quote and newline escaped. */
static void label(struct sbuf *b, const char *s)
{
	sbuf_printf(b, "\"");
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			sbuf_printf(b, "\\%c", *s);
		else if (*s == '\n')
			sbuf_printf(b, "\\n");
		else
			sbuf_printf(b, "%c", *s);
	}
	sbuf_printf(b, "\"");
}

static void head(struct sbuf *b, const char *name, const char *type, const char *help)
{
	sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{instance="NAME"  -- the caller closes the braces. */
static void open_inst(struct sbuf *b, const char *name, const struct instance *in)
{
	sbuf_printf(b, "%s{instance=", name);
	label(b, in->cfg->name);
}

typedef unsigned long long ull;

/* One sample per instance of a per-instance value. */
#define PER_INSTANCE(b, d, name, fmt, expr)                                \
	for (size_t i_ = 0; i_ < (d)->ninst; i_++) {                           \
		const struct instance *in = (d)->inst[i_];                         \
		open_inst(b, name, in);                                            \
		sbuf_printf(b, "} " fmt "\n", expr);                               \
	}

static void render_instances(const struct vipd *d, struct sbuf *b)
{
	head(b, "vipd_instance_info", "gauge", "Each instance, with its interface, VRID, protocol and sync group.");
	for (size_t i = 0; i < d->ninst; i++) {
		const struct instance *in = d->inst[i];
		static const char *const protos[] = { "vrrp3", "vrrp2", "carp" };
		open_inst(b, "vipd_instance_info", in);
		sbuf_printf(b, ",interface=");
		label(b, in->cfg->ifname);
		sbuf_printf(b, ",vrid=\"%u\",protocol=\"%s\",group=", in->cfg->vrid,
			    (unsigned)in->cfg->protocol < 3 ? protos[in->cfg->protocol] : "unknown");
		label(b, in->cfg->group >= 0 && (size_t)in->cfg->group < d->cfg.ngroups ?
				 d->cfg.groups[in->cfg->group].name : "");
		sbuf_printf(b, "} 1\n");
	}
	head(b, "vipd_instance_state", "gauge", "1 for the state the instance is in, 0 for the others.");
	for (size_t i = 0; i < d->ninst; i++)
		for (int s = 0; s < FSM__COUNT; s++) {
			open_inst(b, "vipd_instance_state", d->inst[i]);
			sbuf_printf(b, ",state=\"%s\"} %d\n", fsm_state_name(s), d->inst[i]->fsm.state == (enum fsm_state)s);
		}
	head(b, "vipd_instance_priority", "gauge", "Configured priority.");
	PER_INSTANCE(b, d, "vipd_instance_priority", "%u", in->cfg->priority);
	head(b, "vipd_instance_effective_priority", "gauge", "Priority after the tracks' weights.");
	PER_INSTANCE(b, d, "vipd_instance_effective_priority", "%u", in->fsm.priority);
	head(b, "vipd_instance_advertised_priority", "gauge",
	     "Priority in the adverts (0 leaving, 1 giveup, 254 takeover).");
	PER_INSTANCE(b, d, "vipd_instance_advertised_priority", "%u", fsm_advert_priority(&in->fsm));
	head(b, "vipd_instance_holding_vips", "gauge", "1 while the instance has its VIPs installed.");
	PER_INSTANCE(b, d, "vipd_instance_holding_vips", "%d", in->fsm.holding);
	head(b, "vipd_instance_held", "gauge", "1 while held as backup (waiting for tracks, or by its sync group).");
	PER_INSTANCE(b, d, "vipd_instance_held", "%d", in->fsm.held);
	head(b, "vipd_instance_transitions_total", "counter", "State changes.");
	PER_INSTANCE(b, d, "vipd_instance_transitions_total", "%llu", (ull)in->fsm.transitions);
	head(b, "vipd_instance_last_transition_timestamp_seconds", "gauge", "Unix time of the last state change.");
	PER_INSTANCE(b, d, "vipd_instance_last_transition_timestamp_seconds", "%lld", (long long)in->since_wall);
	head(b, "vipd_instance_adverts_sent_total", "counter", "Advertisements sent.");
	PER_INSTANCE(b, d, "vipd_instance_adverts_sent_total", "%llu", (ull)in->n.adverts_sent);
	head(b, "vipd_instance_adverts_received_total", "counter", "Valid advertisements received.");
	PER_INSTANCE(b, d, "vipd_instance_adverts_received_total", "%llu", (ull)in->n.adverts_received);
	head(b, "vipd_instance_send_errors_total", "counter", "Advertisements that could not be sent.");
	PER_INSTANCE(b, d, "vipd_instance_send_errors_total", "%llu", (ull)in->n.send_errors);
	head(b, "vipd_instance_vip_restores_total", "counter", "VIPs put back after something else removed them.");
	PER_INSTANCE(b, d, "vipd_instance_vip_restores_total", "%llu", (ull)in->n.vip_restores);
	head(b, "vipd_instance_drops_total", "counter", "Packets for the instance dropped, by reason.");
	for (size_t i = 0; i < d->ninst; i++)
		for (int r = DROP_NONE + 1; r < DROP__COUNT; r++) {
			open_inst(b, "vipd_instance_drops_total", d->inst[i]);
			sbuf_printf(b, ",reason=\"%s\"} %llu\n", proto_drop_name(r), (ull)d->inst[i]->n.drops[r]);
		}
}

static void render_tracks(const struct vipd *d, struct sbuf *b)
{
	static const char *const states[] = { "unknown", "up", "down" };

	head(b, "vipd_track_state", "gauge", "1 for the state the track is in (unknown: no verdict yet), 0 for the others.");
	for (size_t i = 0; i < d->ninst; i++)
		for (size_t k = 0; k < d->inst[i]->ntracks; k++)
			for (int s = 0; s < 3; s++) {
				const struct track *t = &d->inst[i]->tracks[k];
				open_inst(b, "vipd_track_state", d->inst[i]);
				sbuf_printf(b, ",track=");
				label(b, t->cfg->name);
				sbuf_printf(b, ",kind=\"%s\",state=\"%s\"} %d\n", config_track_kind(t->cfg->kind), states[s],
					    (int)t->state == s);
			}
	head(b, "vipd_track_checks_total", "counter", "Checks run, by result.");
	for (size_t i = 0; i < d->ninst; i++)
		for (size_t k = 0; k < d->inst[i]->ntracks; k++)
			for (int pass = 1; pass >= 0; pass--) {
				const struct track *t = &d->inst[i]->tracks[k];
				open_inst(b, "vipd_track_checks_total", d->inst[i]);
				sbuf_printf(b, ",track=");
				label(b, t->cfg->name);
				sbuf_printf(b, ",result=\"%s\"} %llu\n", pass ? "pass" : "fail",
					    (ull)(pass ? t->passes : t->failures));
			}
	head(b, "vipd_track_changes_total", "counter", "Changes between up and down.");
	for (size_t i = 0; i < d->ninst; i++)
		for (size_t k = 0; k < d->inst[i]->ntracks; k++) {
			const struct track *t = &d->inst[i]->tracks[k];
			open_inst(b, "vipd_track_changes_total", d->inst[i]);
			sbuf_printf(b, ",track=");
			label(b, t->cfg->name);
			sbuf_printf(b, "} %llu\n", (ull)t->changes);
		}
}

static void render_notify(const struct vipd *d, struct sbuf *b)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} counters[] = {
		{ "vipd_notify_calls_total", "Notify hook runs started (retries included).", offsetof(struct notify, calls) },
		{ "vipd_notify_succeeded_total", "Notify calls that ended with exit 0.", offsetof(struct notify, succeeded) },
		{ "vipd_notify_retried_total", "Notify calls to be run again (exit 1, a signal, the timeout).",
		  offsetof(struct notify, retried) },
		{ "vipd_notify_failed_total", "Notify calls given up (exit 2 or more, or retries used up).",
		  offsetof(struct notify, failed) },
		{ "vipd_notify_dropped_total", "Notify calls dropped from a full queue.", offsetof(struct notify, dropped) },
	};

	for (size_t c = 0; c < sizeof(counters) / sizeof(counters[0]); c++) {
		head(b, counters[c].name, "counter", counters[c].help);
		for (size_t i = 0; i < d->ninst; i++) {
			const struct instance *in = d->inst[i];
			if (!in->cfg->notify)
				continue;
			open_inst(b, counters[c].name, in);
			sbuf_printf(b, "} %llu\n", in->notify ? (ull) * (const uint64_t *)((const char *)in->notify +
									   counters[c].off) : 0ULL);
		}
	}
	head(b, "vipd_notify_queued", "gauge", "Notify calls waiting or running.");
	for (size_t i = 0; i < d->ninst; i++) {
		const struct instance *in = d->inst[i];
		if (!in->cfg->notify)
			continue;
		open_inst(b, "vipd_notify_queued", in);
		sbuf_printf(b, "} %zu\n", in->notify ? in->notify->len : 0);
	}
}

/* One sample per path (the instance's own interface included,
 * main="true") of the instances that have heartbeat paths; the caller
 * closes the braces. */
static void open_path(struct sbuf *b, const char *name, const struct instance *in, size_t p)
{
	open_inst(b, name, in);
	sbuf_printf(b, ",interface=");
	label(b, in->hb->path[p].name);
	sbuf_printf(b, ",main=\"%s\"", p ? "false" : "true");
}

static void render_paths(const struct vipd *d, struct sbuf *b)
{
	head(b, "vipd_path_state", "gauge", "1 for the state each heartbeat path is in (up, silent, down), 0 for the others.");
	for (size_t i = 0; i < d->ninst; i++)
		for (size_t p = 0; d->inst[i]->hb && p < d->inst[i]->hb->n; p++)
			for (int s = PATH_UP; s <= PATH_DOWN; s++) {
				open_path(b, "vipd_path_state", d->inst[i], p);
				sbuf_printf(b, ",state=\"%s\"} %d\n", path_state_name((enum path_state)s),
					    (int)d->inst[i]->hb->live[p].state == s);
			}
	head(b, "vipd_path_adverts_received_total", "counter", "Valid advertisements received on each path.");
	for (size_t i = 0; i < d->ninst; i++)
		for (size_t p = 0; d->inst[i]->hb && p < d->inst[i]->hb->n; p++) {
			open_path(b, "vipd_path_adverts_received_total", d->inst[i], p);
			sbuf_printf(b, "} %llu\n", (ull)d->inst[i]->hb->live[p].adverts);
		}
	head(b, "vipd_path_failures_total", "counter", "Times a path went silent or down.");
	for (size_t i = 0; i < d->ninst; i++)
		for (size_t p = 0; d->inst[i]->hb && p < d->inst[i]->hb->n; p++) {
			open_path(b, "vipd_path_failures_total", d->inst[i], p);
			sbuf_printf(b, "} %llu\n", (ull)d->inst[i]->hb->live[p].failures);
		}
}

/* name{peer="ADDR",interface="IF"  -- the caller closes the braces. */
static void open_bfd(struct sbuf *b, const char *name, const struct bfd_peer *p)
{
	char a[IPADDR_STRLEN];

	sbuf_printf(b, "%s{peer=\"%s\",interface=", name, ipaddr_str(&p->peer, a));
	label(b, p->ifname);
}

#define PER_BFD(b, d, name, fmt, expr)                                              \
	for (const struct bfd_peer *p = (d)->bfd ? (d)->bfd->peers : NULL; p; p = p->next) { \
		open_bfd(b, name, p);                                                     \
		sbuf_printf(b, "} " fmt "\n", expr);                                      \
	}

static void render_bfd(const struct vipd *d, struct sbuf *b)
{
	fsm_time now = (fsm_time)mono_us();

	head(b, "vipd_bfd_session_state", "gauge", "1 for the state the BFD session is in, 0 for the others.");
	for (const struct bfd_peer *p = d->bfd ? d->bfd->peers : NULL; p; p = p->next)
		for (int st = BFD_ADMIN_DOWN; st <= BFD_UP; st++) {
			open_bfd(b, "vipd_bfd_session_state", p);
			sbuf_printf(b, ",state=\"%s\"} %d\n", bfd_state_name(st), p->s.state == (enum bfd_state)st);
		}
	head(b, "vipd_bfd_detection_time_seconds", "gauge", "The remote's detection time (0 until heard).");
	PER_BFD(b, d, "vipd_bfd_detection_time_seconds", "%.6f", bfd_detect_time(&p->s) / 1e6);
	head(b, "vipd_bfd_tx_interval_seconds", "gauge", "The interval control packets are sent at, before jitter.");
	PER_BFD(b, d, "vipd_bfd_tx_interval_seconds", "%.6f", bfd_tx_interval(&p->s) / 1e6);
	head(b, "vipd_bfd_flaps_total", "counter", "Up -> Down transitions of the session.");
	PER_BFD(b, d, "vipd_bfd_flaps_total", "%llu", (ull)p->s.n.flaps);
	head(b, "vipd_bfd_damped", "gauge", "1 while flapping keeps the session from starting takeovers.");
	PER_BFD(b, d, "vipd_bfd_damped", "%d", bfd_damped(&p->s, now));
	head(b, "vipd_bfd_packets_total", "counter", "Control packets, by direction (in: accepted).");
	for (const struct bfd_peer *p = d->bfd ? d->bfd->peers : NULL; p; p = p->next) {
		open_bfd(b, "vipd_bfd_packets_total", p);
		sbuf_printf(b, ",direction=\"in\"} %llu\n", (ull)p->s.n.rx);
		open_bfd(b, "vipd_bfd_packets_total", p);
		sbuf_printf(b, ",direction=\"out\"} %llu\n", (ull)p->s.n.tx);
	}
	head(b, "vipd_bfd_send_errors", "gauge", "Control packets that could not be sent, in the current streak.");
	PER_BFD(b, d, "vipd_bfd_send_errors", "%llu", (ull)p->send_errors);
	head(b, "vipd_bfd_drops_total", "counter", "Control packets dropped, by reason (RFC 5880 6.8.6, RFC 5881 5).");
	for (const struct bfd_peer *p = d->bfd ? d->bfd->peers : NULL; p; p = p->next)
		for (int r = BFD_DROP_NONE + 1; r < BFD_DROP__COUNT; r++) {
			open_bfd(b, "vipd_bfd_drops_total", p);
			sbuf_printf(b, ",reason=\"%s\"} %llu\n", bfd_drop_name(r), (ull)p->s.n.drops[r]);
		}
	head(b, "vipd_bfd_stray_drops_total", "counter", "BFD packets no session could own, dropped, by reason.");
	for (int r = BFD_DROP_NONE + 1; r < BFD_DROP__COUNT; r++)
		sbuf_printf(b, "vipd_bfd_stray_drops_total{reason=\"%s\"} %llu\n", bfd_drop_name(r),
			    (ull)(d->bfd ? d->bfd->stray_drops[r] : 0));
}

void metrics_render(const struct vipd *d, struct sbuf *b)
{
	head(b, "vipd_build_info", "gauge", "The running vipd's version.");
	sbuf_printf(b, "vipd_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
	head(b, "vipd_instances", "gauge", "Configured instances.");
	sbuf_printf(b, "vipd_instances %zu\n", d->ninst);
	render_instances(d, b);
	render_tracks(d, b);
	render_notify(d, b);
	render_paths(d, b);
	render_bfd(d, b);
	head(b, "vipd_stray_drops_total", "counter", "Packets no instance could own, dropped, by reason.");
	for (int r = DROP_NONE + 1; r < DROP__COUNT; r++)
		sbuf_printf(b, "vipd_stray_drops_total{reason=\"%s\"} %llu\n", proto_drop_name(r), (ull)d->stray_drops[r]);
}

/* ---- the server ----------------------------------------------------- */

static enum MHD_Result metrics_answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				      const char *version, const char *upload, size_t *upload_size, void **state)
{
	struct metrics *m = cls;
	struct MHD_Response *r;
	struct sbuf b = { 0 };
	unsigned code = MHD_HTTP_OK;
	const char *type = "text/plain; version=0.0.4; charset=utf-8";

	(void)version;
	(void)upload;
	(void)state;
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
		sbuf_printf(&b, "only GET\n");
	} else if (strcmp(url, "/metrics") == 0) {
		m->scrapes++;
		metrics_render(m->d, &b);
	} else {
		code = MHD_HTTP_NOT_FOUND;
		sbuf_printf(&b, "vipd: the metrics are at /metrics\n");
		type = "text/plain; charset=utf-8";
	}
	if (b.oom) {
		sbuf_free(&b);
		return MHD_NO;
	}
	r = mhd.create_response_from_buffer(b.len, b.data, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		sbuf_free(&b);
		return MHD_NO;
	}
	mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		mhd.add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	enum MHD_Result rc = mhd.queue_response(c, code, r);
	mhd.destroy_response(r);
	return rc;
}

static void metrics_on_ready(struct evh *h, uint32_t events)
{
	struct metrics *m = (struct metrics *)h;

	(void)events;
	mhd.run(m->mhd);
}

static void metrics_log(void *arg, const char *fmt, va_list ap)
{
	char text[256];

	(void)arg;
	vsnprintf(text, sizeof(text), fmt, ap);
	text[strcspn(text, "\n")] = '\0';
	log_debug("metrics: %s", text);
}

struct metrics *metrics_start(struct vipd *d, const struct ipaddr *addr, uint16_t port, char *err, size_t errlen)
{
	struct sockaddr_storage ss = { 0 };
	struct metrics *m = calloc(1, sizeof(*m));
	char a[IPADDR_STRLEN];

	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (metrics_load(err, errlen) < 0) {
		free(m);
		return NULL;
	}
	if (addr->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, addr->u.bytes, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, addr->u.bytes, 16);
	}
	m->ev.fn = metrics_on_ready;
	m->d = d;
	m->addr = *addr;
	m->port = port;
	m->mhd = mhd.start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG | (addr->family == AF_INET6 ? MHD_USE_IPv6 : 0),
				  port, NULL, NULL, metrics_answer, m, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)16, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
				  MHD_OPTION_EXTERNAL_LOGGER, metrics_log, NULL, MHD_OPTION_END);
	if (!m->mhd) {
		snprintf(err, errlen, "cannot listen on %s port %u (in use, or not an address of this host?)",
			 ipaddr_str(addr, a), port);
		free(m);
		return NULL;
	}
	const union MHD_DaemonInfo *info = mhd.get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	m->fd = info ? info->epoll_fd : -1;
	if (m->fd < 0 || vipd_watch_fd(d, m->fd, EPOLLIN, &m->ev) < 0) {
		snprintf(err, errlen, "cannot watch the metrics listener");
		mhd.stop_daemon(m->mhd);
		free(m);
		return NULL;
	}
	return m;
}

void metrics_stop(struct metrics *m)
{
	if (!m)
		return;
	vipd_watch_fd(m->d, m->fd, 0, &m->ev);
	mhd.stop_daemon(m->mhd);
	free(m);
}

bool metrics_is(const struct metrics *m, const struct ipaddr *addr, uint16_t port)
{
	return m && m->port == port && ipaddr_equal(&m->addr, addr);
}

fsm_time metrics_deadline(const struct metrics *m)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (!m || mhd.get_timeout(m->mhd, &ms) != MHD_YES)
		return FSM_NEVER;
	return (fsm_time)mono_us() + (fsm_time)ms * 1000;
}

void metrics_timer(struct metrics *m)
{
	if (m)
		mhd.run(m->mhd);
}
