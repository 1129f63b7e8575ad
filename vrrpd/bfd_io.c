/* bfd_io.c - BFD at the edge: the UDP sockets of RFC 5881, the sessions'
 * timers in the daemon's loop, and what a session going down does to the
 * instances (instance_bfd_down). The protocol itself is bfd.c's.
 *
 * Receiving: one socket per family on port 3784 for the whole daemon;
 * the TTL and the interface come with each packet (IP_RECVTTL,
 * IP_PKTINFO), and a packet belongs to the session of its sender on that
 * interface. Sending: one socket per session, bound to the interface and
 * to its primary address, so that a master's VIP never becomes the source
 * the peer does not know. */
#include "bfd_io.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "instance.h"
#include "log.h"
#include "vipd.h"

#define BFD_TOS 0xc0          /* CS6, network control, like the adverts' priority */
#define RX_BATCH 64           /* packets read per wakeup, then the timers get a turn */
#define DROP_LOG_PERIOD (10 * 1000000LL)

static int fam_index(int family)
{
	return family == AF_INET6;
}

static const char *peer_name(const struct bfd_peer *p, char *buf)
{
	return ipaddr_str(&p->peer, buf);
}

static void to_sockaddr(const struct ipaddr *a, uint16_t port, int ifindex, struct sockaddr_storage *ss,
			socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->u.bytes, 4);
		*len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a->u.bytes, 16);
		sin6->sin6_scope_id = (uint32_t)ifindex;
		*len = sizeof(*sin6);
	}
}

/* ---- receiving ---------------------------------------------------------- */

static struct bfd_peer *bfd_find(const struct bfd_io *io, int ifindex, const struct ipaddr *src)
{
	for (struct bfd_peer *p = io->peers; p; p = p->next)
		if (p->ifindex == ifindex && ipaddr_equal(&p->peer, src))
			return p;
	return NULL;
}

/* Count and log (rate limited per cause): "bfd: dropped a packet from
 * 10.61.0.99 on eth0: ttl 64, should be 255". */
static void bfd_drop(struct bfd_io *io, struct bfd_peer *p, const struct ipaddr *src, int ifindex,
		     enum bfd_drop r, int ttl, bool counted)
{
	struct ratelimit *rl = p ? &p->drop_log[r] : &io->stray_log[r];
	char a[IPADDR_STRLEN], ifn[IF_NAMESIZE] = "?", what[64], more[64] = "";
	uint64_t missed;

	if (!p)
		io->stray_drops[r]++;
	else if (!counted)
		p->s.n.drops[r]++;
	if (!ratelimit_allow(rl, vipd_now(), DROP_LOG_PERIOD, &missed))
		return;
	if (missed)
		snprintf(more, sizeof(more), " (+%llu more since the last line)", (unsigned long long)missed);
	if (r == BFD_DROP_TTL)
		snprintf(what, sizeof(what), "TTL %d, should be %d", ttl, BFD_TTL);
	else
		snprintf(what, sizeof(what), "%s", bfd_drop_name(r));
	if (!if_indextoname((unsigned)ifindex, ifn))
		snprintf(ifn, sizeof(ifn), "?");
	log_msg(r == BFD_DROP_NO_SESSION ? LOG_DEBUG : LOG_WARNING, "bfd: dropped a packet from %s on %s: %s%s",
		ipaddr_str(src, a), ifn, what, more);
}

static void bfd_events(struct bfd_io *io, struct bfd_peer *p, const struct bfd_events *ev, fsm_time now);

static void bfd_packet_in(struct bfd_io *io, const uint8_t *buf, size_t len, const struct ipaddr *src, int ifindex,
			  int ttl, fsm_time now)
{
	struct bfd_peer *p = bfd_find(io, ifindex, src);
	struct bfd_packet pkt;
	struct bfd_events ev;
	enum bfd_drop r = bfd_decode(buf, len, ttl, &pkt);

	if (r != BFD_DROP_NONE) {
		bfd_drop(io, p, src, ifindex, r, ttl, false);
		return;
	}
	if (!p) {
		bfd_drop(io, NULL, src, ifindex, BFD_DROP_NO_SESSION, ttl, false);
		return;
	}
	r = bfd_rx(&p->s, &pkt, now, &ev);
	if (r != BFD_DROP_NONE) {
		bfd_drop(io, p, src, ifindex, r, ttl, true);
		return;
	}
	bfd_events(io, p, &ev, now);
}

static void bfd_on_readable(struct evh *h, uint32_t events)
{
	struct bfd_rx *rx = (struct bfd_rx *)h;
	uint8_t buf[128];
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int)) + 64];
		struct cmsghdr align;
	} ctl;

	(void)events;
	for (int n = 0; n < RX_BATCH; n++) {
		struct sockaddr_storage from;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
				      .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
		ssize_t len = recvmsg(rx->fd, &msg, MSG_DONTWAIT);
		int ttl = -1, ifindex = 0;
		struct ipaddr src = { 0 };

		if (len < 0)
			return;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL)
				memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
			else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
				ifindex = ((struct in_pktinfo *)(void *)CMSG_DATA(c))->ipi_ifindex;
			else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)
				memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
			else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO)
				ifindex = (int)((struct in6_pktinfo *)(void *)CMSG_DATA(c))->ipi6_ifindex;
		}
		src.family = from.ss_family;
		if (from.ss_family == AF_INET)
			memcpy(src.u.bytes, &((struct sockaddr_in *)&from)->sin_addr, 4);
		else if (from.ss_family == AF_INET6)
			memcpy(src.u.bytes, &((struct sockaddr_in6 *)&from)->sin6_addr, 16);
		else
			continue;
		bfd_packet_in(rx->io, buf, (size_t)len, &src, ifindex, ttl, vipd_now());
	}
}

static int bfd_rx_open(struct bfd_io *io, int family)
{
	struct bfd_rx *rx = &io->rx[fam_index(family)];
	struct sockaddr_storage ss;
	socklen_t len;
	struct ipaddr any = { .family = family };
	int on = 1;

	if (rx->fd >= 0)
		return 0;
	rx->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (rx->fd < 0)
		return -1;
	setsockopt(rx->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (family == AF_INET) {
		setsockopt(rx->fd, IPPROTO_IP, IP_RECVTTL, &on, sizeof(on));
		setsockopt(rx->fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
	} else {
		setsockopt(rx->fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
		setsockopt(rx->fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof(on));
		setsockopt(rx->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
	}
	to_sockaddr(&any, BFD_PORT, 0, &ss, &len);
	rx->ev.fn = bfd_on_readable;
	rx->io = io;
	rx->family = family;
	if (bind(rx->fd, (struct sockaddr *)&ss, len) < 0 || vipd_watch_fd(io->d, rx->fd, EPOLLIN, &rx->ev) < 0) {
		int e = errno;
		close(rx->fd);
		rx->fd = -1;
		errno = e;
		return -1;
	}
	return 0;
}

/* ---- sending ------------------------------------------------------------ */

/* RFC 5881 4: from a port in 49152..65535; 5: TTL 255; bound to the
 * interface and its own address. */
static int bfd_tx_open(struct bfd_peer *p, char *err, size_t errlen)
{
	int ttl = BFD_TTL, tos = BFD_TOS;
	struct sockaddr_storage ss;
	socklen_t len;

	p->fd = socket(p->peer.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (setsockopt(p->fd, SOL_SOCKET, SO_BINDTODEVICE, p->ifname, (socklen_t)strlen(p->ifname)) < 0) {
		snprintf(err, errlen, "SO_BINDTODEVICE %s: %s", p->ifname, strerror(errno));
		goto fail;
	}
	if (p->peer.family == AF_INET) {
		setsockopt(p->fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
		setsockopt(p->fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	} else {
		setsockopt(p->fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl));
		setsockopt(p->fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
	}
	for (int tries = 0; tries < 32; tries++) {
		uint16_t r = 0;
		if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
			r = (uint16_t)(vipd_now() + tries);
		p->sport = (uint16_t)(BFD_SRC_PORT_MIN + r % (65536 - BFD_SRC_PORT_MIN));
		to_sockaddr(&p->self, p->sport, p->ifindex, &ss, &len);
		if (bind(p->fd, (struct sockaddr *)&ss, len) == 0)
			return 0;
		if (errno != EADDRINUSE)
			break;
	}
	snprintf(err, errlen, "bind to a source port: %s", strerror(errno));
fail:
	close(p->fd);
	p->fd = -1;
	return -1;
}

static void bfd_send(struct bfd_peer *p, const struct bfd_packet *pkt)
{
	uint8_t buf[BFD_LEN];
	struct sockaddr_storage ss;
	socklen_t len;
	char a[IPADDR_STRLEN];

	size_t n = bfd_encode(pkt, buf, sizeof(buf));
	to_sockaddr(&p->peer, BFD_PORT, p->ifindex, &ss, &len);
	if (p->fd >= 0 && sendto(p->fd, buf, n, 0, (struct sockaddr *)&ss, len) == (ssize_t)n) {
		p->send_errors = 0;
		return;
	}
	/* One line per failure streak. */
	if (p->send_errors++ == 0)
		log_warn("bfd %s on %s: cannot send: %s", peer_name(p, a), p->ifname,
			 p->fd < 0 ? "no socket" : strerror(errno));
}

/* ---- events ------------------------------------------------------------- */

/* Down after Up: masters that count the peer among their routers tell the
 * segment at once that they are alive (the session may have failed, not
 * the router); backups whose master it is, when the detection time ran
 * out and the session is not damped, claim after their scaled skew. */
static void bfd_peer_down(struct bfd_io *io, struct bfd_peer *p, bool lost, fsm_time now)
{
	struct vipd *d = io->d;
	fsm_time detect = bfd_detect_time(&p->s);

	for (size_t i = 0; i < d->ninst; i++) {
		struct instance *in = d->inst[i];
		if (in->cfg->bfd && in->ifindex == p->ifindex && in->cfg->family == p->peer.family)
			instance_bfd_down(d, in, &p->peer, lost, detect, now);
	}
}

static void bfd_events(struct bfd_io *io, struct bfd_peer *p, const struct bfd_events *ev, fsm_time now)
{
	char a[IPADDR_STRLEN];

	if (ev->flags & BFD_EV_SEND)
		bfd_send(p, &ev->tx);
	if (!(ev->flags & BFD_EV_STATE))
		return;
	if (p->s.state == BFD_UP)
		log_notice("bfd %s on %s: %s -> up (%s; detection time %lld ms)", peer_name(p, a), p->ifname,
			   bfd_state_name(ev->old_state), ev->reason, (long long)bfd_detect_time(&p->s) / 1000);
	else
		log_notice("bfd %s on %s: %s -> %s (%s)", peer_name(p, a), p->ifname, bfd_state_name(ev->old_state),
			   bfd_state_name(p->s.state), ev->reason);
	if (ev->flags & BFD_EV_DAMPED)
		log_warn("bfd %s on %s: %d flaps within %lld s: its losses start no takeover for %lld s "
			 "(the advert timer still runs)", peer_name(p, a), p->ifname, BFD_DAMP_FLAPS,
			 BFD_DAMP_WINDOW / 1000000, BFD_DAMP_HOLD / 1000000);
	if (ev->old_state != BFD_UP || p->s.state == BFD_UP)
		return;
	bool lost = (ev->flags & BFD_EV_LOST) && !bfd_damped(&p->s, now);
	if ((ev->flags & BFD_EV_LOST) && !lost)
		log_info("bfd %s on %s: damped: the backups wait for their advert timer", peer_name(p, a), p->ifname);
	bfd_peer_down(io, p, lost, now);
}

/* ---- sessions ----------------------------------------------------------- */

static uint32_t bfd_new_discr(const struct bfd_io *io)
{
	for (;;) {
		uint32_t v = 0;
		if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v))
			v = (uint32_t)vipd_now() * 2654435761u;
		bool taken = v == 0;
		for (const struct bfd_peer *p = io->peers; p && !taken; p = p->next)
			taken = p->s.local_discr == v;
		if (!taken)
			return v;
	}
}

static struct bfd_params bfd_params_of(const struct vipd *d)
{
	return (struct bfd_params){ .interval = d->cfg.bfd.interval_us, .detect_mult = d->cfg.bfd.multiplier };
}

static struct bfd_peer *bfd_peer_new(struct bfd_io *io, const struct instance *in, const struct ipaddr *peer,
				     fsm_time now)
{
	struct bfd_peer *p = calloc(1, sizeof(*p));
	struct bfd_params params = bfd_params_of(io->d);
	uint64_t seed = 0;
	char a[IPADDR_STRLEN], err[256];

	if (!p)
		return NULL;
	snprintf(p->ifname, sizeof(p->ifname), "%s", in->cfg->ifname);
	p->ifindex = in->ifindex;
	p->peer = *peer;
	p->self = in->self;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (uint64_t)now;
	bfd_init(&p->s, &params, bfd_new_discr(io), seed, now);
	if (bfd_tx_open(p, err, sizeof(err)) < 0)
		log_err("bfd %s on %s: %s", peer_name(p, a), p->ifname, err);
	if (bfd_rx_open(io, peer->family) < 0)
		log_err("bfd: cannot listen on UDP port %d (%s): %s", BFD_PORT, peer->family == AF_INET ? "IPv4" : "IPv6",
			strerror(errno));
	log_info("bfd %s on %s: session starts (discriminator %u, source port %u, interval %u us, multiplier %u)",
		 peer_name(p, a), p->ifname, p->s.local_discr, p->sport, params.interval, params.detect_mult);
	p->next = io->peers;
	io->peers = p;
	io->npeers++;
	return p;
}

static void bfd_peer_free(struct bfd_io *io, struct bfd_peer *p, fsm_time now, bool say)
{
	struct bfd_events ev;
	char a[IPADDR_STRLEN];

	if (p->s.state != BFD_ADMIN_DOWN) {
		bfd_admin_down(&p->s, now, &ev);
		bfd_send(p, &ev.tx);
	}
	if (say)
		log_info("bfd %s on %s: session removed", peer_name(p, a), p->ifname);
	if (p->fd >= 0)
		close(p->fd);
	(void)io;
	free(p);
}

/* The instance's session with peer; created, or its interface and source
 * brought up to date. */
static void bfd_use(struct bfd_io *io, const struct instance *in, const struct ipaddr *peer, fsm_time now)
{
	char a[IPADDR_STRLEN], err[256];

	for (struct bfd_peer *p = io->peers; p; p = p->next) {
		if (strcmp(p->ifname, in->cfg->ifname) != 0 || !ipaddr_equal(&p->peer, peer))
			continue;
		p->used = true;
		if (p->ifindex == in->ifindex && ipaddr_equal(&p->self, &in->self) && p->fd >= 0)
			return;
		/* The link was replaced or our address changed: new socket. */
		p->ifindex = in->ifindex;
		p->self = in->self;
		if (p->fd >= 0)
			close(p->fd);
		if (bfd_tx_open(p, err, sizeof(err)) < 0)
			log_err("bfd %s on %s: %s", peer_name(p, a), p->ifname, err);
		return;
	}
	struct bfd_peer *p = bfd_peer_new(io, in, peer, now);
	if (p)
		p->used = true;
	else
		log_err("bfd %s on %s: out of memory", ipaddr_str(peer, a), in->cfg->ifname);
}

static bool instance_runs(const struct instance *in)
{
	return in->ifindex > 0 && in->self.family == in->cfg->family &&
	       (in->fsm.state == FSM_BACKUP || in->fsm.state == FSM_MASTER);
}

static struct bfd_io *bfd_io_get(struct vipd *d)
{
	if (d->bfd)
		return d->bfd;
	d->bfd = calloc(1, sizeof(*d->bfd));
	if (!d->bfd)
		return NULL;
	d->bfd->d = d;
	d->bfd->rx[0].fd = d->bfd->rx[1].fd = -1;
	return d->bfd;
}

void bfd_io_sync(struct vipd *d)
{
	fsm_time now = vipd_now();
	struct bfd_params params = bfd_params_of(d);
	bool any = false;

	for (size_t i = 0; i < d->ninst && !any; i++)
		any = d->inst[i]->cfg->bfd;
	if (!any && !d->bfd)
		return;
	struct bfd_io *io = bfd_io_get(d);
	if (!io) {
		log_err("bfd: out of memory");
		return;
	}
	for (struct bfd_peer *p = io->peers; p; p = p->next)
		p->used = false;
	for (size_t i = 0; i < d->ninst; i++) {
		const struct instance *in = d->inst[i];
		if (!in->cfg->bfd || !instance_runs(in))
			continue;
		for (size_t k = 0; k < in->cfg->nrouters; k++)
			bfd_use(io, in, &in->cfg->routers[k], now);
	}
	for (struct bfd_peer **pp = &io->peers; *pp;) {
		struct bfd_peer *p = *pp;
		if (p->used) {
			if (p->s.p.interval != params.interval || p->s.p.detect_mult != params.detect_mult)
				bfd_set_params(&p->s, &params, now);
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		io->npeers--;
		bfd_peer_free(io, p, now, true);
	}
}

fsm_time bfd_io_deadline(const struct vipd *d)
{
	fsm_time next = FSM_NEVER;

	if (!d->bfd)
		return next;
	for (const struct bfd_peer *p = d->bfd->peers; p; p = p->next) {
		fsm_time t = bfd_next_deadline(&p->s);
		if (t < next)
			next = t;
	}
	return next;
}

/* The Up sessions of a link send together: when one's packet is due,
 * the others that may send already (75% of their interval passed) go
 * with it. The peers of a router that dies then all heard its last packet
 * at the same moment, so their detection times end together and the
 * priorities alone order their claims (fsm_master_lost). */
static void bfd_tx_together(struct bfd_io *io, const struct bfd_peer *due, fsm_time now)
{
	struct bfd_events ev;

	for (struct bfd_peer *p = io->peers; p; p = p->next) {
		if (p == due || p->ifindex != due->ifindex || p->s.state != BFD_UP || !bfd_tx_may_send(&p->s, now))
			continue;
		bfd_tx_now(&p->s, now, &ev);
		bfd_send(p, &ev.tx);
	}
}

void bfd_io_timer(struct vipd *d, fsm_time now)
{
	struct bfd_events ev;
	bool expiring = false;

	if (!d->bfd)
		return;
	/* A loop kept busy elsewhere (hundreds of instances changing state at
	 * once) may come here late, with the peer's packets still unread: read
	 * them before any detection time is judged, or the peer would pay for
	 * our delay. */
	for (const struct bfd_peer *p = d->bfd->peers; p && !expiring; p = p->next)
		expiring = p->s.detect_at <= now;
	for (int i = 0; i < 2 && expiring; i++)
		if (d->bfd->rx[i].fd >= 0)
			bfd_on_readable(&d->bfd->rx[i].ev, EPOLLIN);
	for (struct bfd_peer *p = d->bfd->peers; p; p = p->next) {
		if (bfd_next_deadline(&p->s) > now)
			continue;
		bool periodic = p->s.next_tx <= now && p->s.state == BFD_UP;
		bfd_timer(&p->s, now, &ev);
		bfd_events(d->bfd, p, &ev, now);
		if (periodic)
			bfd_tx_together(d->bfd, p, now);
	}
}

void bfd_io_poll(struct vipd *d)
{
	fsm_time now;

	if (d->bfd && d->bfd->peers && bfd_io_deadline(d) <= (now = vipd_now()))
		bfd_io_timer(d, now);
}

void bfd_io_free(struct vipd *d)
{
	struct bfd_io *io = d->bfd;
	fsm_time now = vipd_now();

	if (!io)
		return;
	while (io->peers) {
		struct bfd_peer *p = io->peers;
		io->peers = p->next;
		bfd_peer_free(io, p, now, false);
	}
	for (int i = 0; i < 2; i++)
		if (io->rx[i].fd >= 0) {
			vipd_watch_fd(d, io->rx[i].fd, 0, &io->rx[i].ev);
			close(io->rx[i].fd);
		}
	free(io);
	d->bfd = NULL;
}
