/* reload.c - put a configuration into effect without a flap: instances
 * whose definition did not change are carried over with their state and
 * VIPs; the others start, or stop and give up their VIPs. A file that
 * does not load changes nothing. */
#include "reload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "filter.h"
#include "giveup.h"
#include "groupsync.h"
#include "hmac.h"
#include "iface.h"
#include "instance.h"
#include "log.h"
#include "metrics.h"

/* The instance for one section of the new file: the old one if its
 * definition is the same (tracks, notify, group and peers may still
 * change under it), else a new one. NULL when out of memory. */
static struct instance *reload_instance(struct vipd *d, const struct vip_config *vc, fsm_time now)
{
	struct instance *old = vipd_instance(d, vc->name), *in;
	uint8_t md[20];

	if (old && config_vip_equal(old->cfg, vc)) {
		instance_reconfigure(d, old, vc, now);
		return old;
	}
	in = instance_new(d, vc, now);
	if (!in)
		return NULL;
	log_info("vip %s: %s on %s, vrid %u, priority %u", vc->name, old ? "changed" : "added", vc->ifname, vc->vrid,
		 vc->priority);
	char peers[1024];
	if (vc->nrouters)
		log_info("vip %s: adverts are accepted from %s", vc->name, instance_describe_peers(vc, peers, sizeof(peers)));
	else
		log_notice("vip %s: adverts are accepted from %s", vc->name,
			   instance_describe_peers(vc, peers, sizeof(peers)));
	if (vc->protocol == VIP_PROTO_CARP && hmac_sha1("", 0, "", 0, md) < 0)
		log_err("vip %s: carp authenticates with HMAC-SHA1, which is not available: %s", vc->name,
			hmac_error());
	return in;
}

int reload_apply(struct vipd *d, struct vipd_config *cfg)
{
	struct instance **next = calloc(cfg->nvips ? cfg->nvips : 1, sizeof(*next));
	fsm_time now = vipd_now();

	if (!next)
		return -1;
	for (size_t i = 0; i < cfg->nvips; i++) {
		next[i] = reload_instance(d, &cfg->vips[i], now);
		if (!next[i]) {
			free(next);
			return -1;
		}
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
	iface_index(d);
	char err[512];
	if (filter_sync(&d->filter, cfg, err, sizeof(err)) < 0)
		log_err("accept_mode = false is not enforced: %s", err);
	return 0;
}

/* A failure is logged and leaves metrics off; the VIPs do not depend on
 * them. */
void reload_metrics(struct vipd *d)
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

/* The new configuration replaces the old one, but for the socket the
 * daemon listens on and the state directory it prepared for its user:
 * those need a restart. */
static void reload_swap(struct vipd *d, struct vipd_config *cfg)
{
	if (strcmp(cfg->socket, d->cfg.socket) != 0)
		log_warn("socket changed to %s: takes effect at the next restart", cfg->socket);
	if (strcmp(cfg->state_dir, d->cfg.state_dir) != 0)
		log_warn("state_dir changed to %s: takes effect at the next restart", cfg->state_dir);
	char *sock = cfg->socket, *state = cfg->state_dir;
	cfg->socket = d->cfg.socket;
	d->cfg.socket = sock;
	cfg->state_dir = d->cfg.state_dir;
	d->cfg.state_dir = state;
	config_free(&d->cfg);
	d->cfg = *cfg;
}

int reload_file(struct vipd *d, char *err, size_t errlen)
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
	} else if (config_check_own(&cfg, vipd_host_has, NULL, err, errlen) < 0) {
		log_err("reload refused, keeping the running configuration:\n%s", err);
		config_free(&cfg);
	} else if (reload_apply(d, &cfg) < 0) {
		snprintf(err, errlen, "out of memory");
		log_err("reload failed: out of memory");
		config_free(&cfg);
	} else {
		reload_swap(d, &cfg);
		reload_metrics(d);
		vipd_refresh_all(d);
		/* Also frees an instance the new file puts in no group. */
		groupsync_run(d, vipd_now());
		giveup_save(d);
		log_notice("configuration reloaded from %s: %zu instance(s)", d->config_path, d->ninst);
		rc = 0;
	}
	sd_notify(0, "READY=1");
	return rc;
}
