/* instance_vips.c - an instance's VIPs on their interface: installed,
 * removed and restored in netlink batches, one request per address and
 * the answers matched afterwards. */
#include "instance_part.h"

#include <stdlib.h>
#include <sys/socket.h>

#include "log.h"
#include "netlink.h"

/* IPv4: a VIP may be the first address of its subnet on the interface
 * (the primary); removing it would take the subnet's other addresses,
 * other VIPs among them, with it, unless the interface promotes a
 * secondary instead. Raised from 0 to 1, never lowered. */
void instance_promote(struct vipd *d, struct instance *in)
{
	char err[256];
	int rc;

	if (in->cfg->family != AF_INET || instance_is_owner(in) || instance_vip_ifindex(in) <= 0)
		return;
	rc = netlink_promote_secondaries(d->nl, instance_vip_ifindex(in), err, sizeof(err));
	if (rc > 0)
		log_info("%s: set promote_secondaries to 1, so that removing a VIP never removes the other "
			 "addresses of its subnet", in->vmac ? in->vmac->name : in->cfg->ifname);
	else if (rc < 0 && !in->promote_warned)
		log_warn("vip %s: %s (removing a VIP that is the first address of its subnet may remove the "
			 "subnet's other addresses with it)", in->cfg->name, err);
	in->promote_warned = rc < 0;
}

/* ops[0..n) with owner[k] the instance of ops[k]: sent as one batch (add
 * or delete), every failure logged under its instance's name. Without
 * ops (out of memory) nothing was sent: the caller said so. */
static void vips_send(struct vipd *d, bool add, struct netlink_addr_op *ops, struct instance *const *owner, size_t n)
{
	char err[256];

	if (!n || !(add ? netlink_add_addrs(d->nl, ops, n) : netlink_del_addrs(d->nl, ops, n)))
		return;
	for (size_t k = 0; k < n; k++)
		if (ops[k].error) {
			netlink_addr_op_error(d->nl, add, &ops[k], err, sizeof(err));
			log_err("vip %s: %s", owner[k]->cfg->name, err);
		}
}

/* One batch for the addresses of n instances, each with a VIP that
 * want() accepts (NULL: every VIP); the number queued. */
static size_t vips_batch(struct vipd *d, bool add, struct instance *const *list, size_t n,
			 bool (*want)(struct vipd *d, struct instance *in, const struct ipprefix *p))
{
	size_t total = 0, k = 0;

	for (size_t i = 0; i < n; i++)
		total += list[i]->cfg->naddrs;
	struct netlink_addr_op *ops = calloc(total ? total : 1, sizeof(*ops));
	struct instance **owner = calloc(total ? total : 1, sizeof(*owner));
	if (!ops || !owner) {
		log_err("out of memory: %zu VIP(s) not %s", total, add ? "installed" : "removed");
		free(ops);
		free(owner);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < list[i]->cfg->naddrs; j++) {
			if (want && !want(d, list[i], &list[i]->cfg->addrs[j]))
				continue;
			owner[k] = list[i];
			ops[k++] = (struct netlink_addr_op){ .ifindex = instance_vip_ifindex(list[i]),
							     .p = list[i]->cfg->addrs[j] };
		}
	vips_send(d, add, ops, owner, k);
	free(ops);
	free(owner);
	return k;
}

void instance_install(struct vipd *d, struct instance *const *list, size_t n)
{
	int checked = 0;
	char err[256];

	for (size_t i = 0; i < n; i++) {
		struct instance *in = list[i];
		if (in->vmac && vmac_set_up(in->vmac, true, err, sizeof(err)) < 0)
			log_err("vip %s: %s", in->cfg->name, err);
		if (instance_vip_ifindex(in) != checked) {
			instance_promote(d, in);
			checked = instance_vip_ifindex(in);
		}
	}
	vips_batch(d, true, list, n, NULL);
}

void instance_del_vips(struct vipd *d, struct instance *in)
{
	char err[256];

	if (instance_is_owner(in) || (in->vmac && !in->vmac->ifindex))
		return;
	vips_batch(d, false, &in, 1, NULL);
	/* Down, the macvlan answers nothing: the backup is silent for the
	 * VIPs (RFC 5798 6.4.2). */
	if (in->vmac && vmac_set_up(in->vmac, false, err, sizeof(err)) < 0)
		log_err("vip %s: %s", in->cfg->name, err);
}

/* A VIP missing from its interface: logged and counted, to be restored. */
static bool vip_missing(struct vipd *d, struct instance *in, const struct ipprefix *p)
{
	char a[IPADDR_STRLEN];

	if (netlink_has_addr(d->nl, instance_vip_ifindex(in), &p->addr))
		return false;
	log_warn("vip %s: %s was removed from %s by someone else; restoring it", in->cfg->name, ipprefix_str(p, a),
		 in->vmac ? in->vmac->name : in->cfg->ifname);
	in->n.vip_restores++;
	return true;
}

/* All at once: a flush of the interface takes every VIP. */
bool instance_restore_vips(struct vipd *d, struct instance *in)
{
	return vips_batch(d, true, &in, 1, vip_missing) > 0;
}
