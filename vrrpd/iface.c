/* iface.c - one capture per interface, shared by the instances on it:
 * opened when an instance needs it, sized for what they send, closed on
 * an error and reopened after a pause. */
#include "iface.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "heartbeat.h"
#include "instance.h"
#include "log.h"
#include "netlink.h"
#include "rx.h"

#define CAPTURE_RETRY_US 1000000

static void iface_on_capture(struct evh *h, uint32_t events);

struct iface *iface_get(struct vipd *d, const char *name)
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
	ifc->ev.fn = iface_on_capture;
	ifc->d = d;
	snprintf(ifc->name, sizeof(ifc->name), "%s", name);
	ifc->next = d->ifaces;
	d->ifaces = ifc;
	return ifc;
}

static void iface_close(struct vipd *d, struct iface *ifc)
{
	if (!ifc->cap)
		return;
	vipd_watch_fd(d, capture_fd(ifc->cap), 0, &ifc->ev);
	capture_close(ifc->cap);
	ifc->cap = NULL;
}

/* What the capture must hold for the instances on this interface. */
static void iface_size(struct vipd *d, const struct iface *ifc, struct capture_size *size)
{
	size_t n = 0, maxaddrs = 1, addrlen = 4;

	for (size_t i = 0; i < d->ninst; i++) {
		const struct instance *in = d->inst[i];
		if (in->ifc != ifc && !hb_uses(in, ifc))
			continue;
		n++;
		if (in->cfg->naddrs > maxaddrs)
			maxaddrs = in->cfg->naddrs;
		if (in->cfg->family == AF_INET6)
			addrlen = 16;
	}
	capture_size(n, maxaddrs, addrlen, size);
}

bool iface_ready(struct vipd *d, struct iface *ifc, int ifindex)
{
	struct capture_size need;

	/* A capture opened on an interface that has since been replaced
	 * (same name, new index) listens to nothing; one opened for fewer
	 * or smaller instances (before a reload) would drop bursts. */
	need = ifc->need;
	if (!need.snaplen)
		iface_size(d, ifc, &need);
	if (ifc->cap && ifc->ifindex == ifindex && need.snaplen <= ifc->size.snaplen &&
	    need.buffer <= ifc->size.buffer)
		return true;
	iface_close(d, ifc);
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

static void iface_on_capture(struct evh *h, uint32_t events)
{
	struct iface *ifc = (struct iface *)h;
	struct vipd *d = ifc->d;
	char err[256];

	(void)events;
	if (!ifc->cap)
		return;
	struct rx_ctx rx = { d, ifc, vipd_now() };
	if (capture_dispatch(ifc->cap, rx_packet, &rx, err, sizeof(err)) == 0)
		return;
	/* Never fatal: the interface may have vanished or be coming back. */
	log_warn("capture on %s failed (%s); reopening", ifc->name, err);
	snprintf(ifc->error, sizeof(ifc->error), "%s", err);
	iface_close(d, ifc);
	ifc->retry_at = vipd_now() + CAPTURE_RETRY_US / 10;
	vipd_refresh_all(d);
}

/* The ones of links that are up and running (an instance would open
 * them at once anyway); the rest open later, with CAP_NET_RAW. A failure
 * here is retried at once by the first refresh, and reported there. */
void iface_open_all(struct vipd *d)
{
	struct link_info li;

	for (struct iface *ifc = d->ifaces; ifc; ifc = ifc->next) {
		if (netlink_link(d->nl, ifc->name, &li) < 0 || !li.up || !li.running)
			continue;
		if (!iface_ready(d, ifc, li.ifindex))
			ifc->retry_at = 0;
	}
}

/* Per interface, family and VRID an index, as every packet is looked
 * up; rebuilt with the instance list. */
void iface_index(struct vipd *d)
{
	for (struct iface *ifc = d->ifaces; ifc; ifc = ifc->next)
		memset(ifc->by_vrid, 0, sizeof(ifc->by_vrid));
	for (size_t i = 0; i < d->ninst; i++) {
		struct instance *in = d->inst[i];
		in->ifc->by_vrid[in->cfg->family == AF_INET6][in->cfg->vrid] = in;
		hb_index(in);
	}
	for (struct iface *ifc = d->ifaces; ifc; ifc = ifc->next)
		iface_size(d, ifc, &ifc->need);
}

struct instance *iface_instance(const struct iface *ifc, int family, int vrid)
{
	if (vrid < 0 || vrid > 255)
		return NULL;
	return ifc->by_vrid[family == AF_INET6][vrid];
}

fsm_time iface_deadline(const struct vipd *d)
{
	fsm_time next = FSM_NEVER;

	for (struct iface *ifc = d->ifaces; ifc; ifc = ifc->next)
		if (!ifc->cap && ifc->retry_at && ifc->retry_at < next)
			next = ifc->retry_at;
	return next;
}

bool iface_retry_due(const struct vipd *d, fsm_time now)
{
	return iface_deadline(d) <= now;
}

void iface_free_all(struct vipd *d)
{
	while (d->ifaces) {
		struct iface *next = d->ifaces->next;
		iface_close(d, d->ifaces);
		free(d->ifaces);
		d->ifaces = next;
	}
}
