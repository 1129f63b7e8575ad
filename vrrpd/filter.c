/* filter.c - Accept_Mode (RFC 5798 6.1, 6.4.3).
 *
 * A master that is not the address owner must not accept packets addressed
 * to its VIPs when Accept_Mode is false, yet must still answer ARP and
 * neighbour discovery for them. vipd installs VIPs as ordinary local
 * addresses (so the kernel answers ARP and ND) and drops the rest of the
 * traffic to them in an input chain of a table that only vipd writes. The
 * set holds every such VIP whether or not this router holds it now: a VIP
 * that is not local never reaches the input hook anyway. */
#include "filter.h"

#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "control.h"

#define FILTER_TABLE "inet vipd"

struct filter {
	struct nft_ctx *nft;
	bool installed;
};

static int filter_run(struct filter *f, const char *cmd, char *err, size_t errlen)
{
	if (nft_run_cmd_from_buffer(f->nft, cmd) == 0)
		return 0;
	const char *e = nft_ctx_get_error_buffer(f->nft);
	snprintf(err, errlen, "nftables table %s: %.*s", FILTER_TABLE, (int)strcspn(e ? e : "", "\n"),
		 e ? e : "");
	return -1;
}

/* "a, b, c" of the VIPs of one family; false if there are none. */
static bool filter_elements(const struct vipd_config *cfg, int family, struct sbuf *b)
{
	char a[IPADDR_STRLEN];
	bool any = false;

	for (size_t i = 0; i < cfg->nvips; i++) {
		const struct vip_config *v = &cfg->vips[i];
		if (v->accept_mode || v->priority == 255 || v->family != family)
			continue;
		for (size_t j = 0; j < v->naddrs; j++) {
			sbuf_printf(b, "%s%s", any ? ", " : "", ipaddr_str(&v->addrs[j].addr, a));
			any = true;
		}
	}
	return any;
}

static void filter_ruleset(const struct vipd_config *cfg, struct sbuf *b, bool *any)
{
	struct sbuf v4 = { 0 }, v6 = { 0 };
	bool has4 = filter_elements(cfg, AF_INET, &v4);
	bool has6 = filter_elements(cfg, AF_INET6, &v6);

	*any = has4 || has6;
	sbuf_printf(b, "table %s {\n", FILTER_TABLE);
	sbuf_printf(b, "  set deny4 { type ipv4_addr;%s%s%s }\n", has4 ? " elements = { " : "",
		    has4 ? v4.data : "", has4 ? " };" : "");
	sbuf_printf(b, "  set deny6 { type ipv6_addr;%s%s%s }\n", has6 ? " elements = { " : "",
		    has6 ? v6.data : "", has6 ? " };" : "");
	sbuf_printf(b, "  chain input {\n"
		       "    type filter hook input priority filter - 10; policy accept;\n"
		       "    ip6 daddr @deny6 icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n"
		       "    ip daddr @deny4 counter drop\n"
		       "    ip6 daddr @deny6 counter drop\n"
		       "  }\n}\n");
	sbuf_free(&v4);
	sbuf_free(&v6);
}

int filter_sync(struct filter **fp, const struct vipd_config *cfg, char *err, size_t errlen)
{
	struct sbuf b = { 0 };
	bool any;
	int rc;

	filter_ruleset(cfg, &b, &any);
	if (!any && !*fp) {
		sbuf_free(&b);
		return 0;
	}
	if (!*fp) {
		struct filter *f = calloc(1, sizeof(*f));
		if (!f || !(f->nft = nft_ctx_new(NFT_CTX_DEFAULT))) {
			free(f);
			sbuf_free(&b);
			snprintf(err, errlen, "nftables: cannot create a context");
			return -1;
		}
		nft_ctx_buffer_error(f->nft);
		nft_ctx_buffer_output(f->nft);
		*fp = f;
	}
	struct filter *f = *fp;
	if (!any) {
		rc = f->installed ? filter_run(f, "delete table " FILTER_TABLE "\n", err, errlen) : 0;
		f->installed = rc == 0 ? false : f->installed;
		sbuf_free(&b);
		return rc;
	}
	/* One batch: the old table goes and the new one comes in a single
	 * transaction, so no packet sees a half-built filter. "add table"
	 * first makes the delete valid when there is no table yet. */
	struct sbuf cmd = { 0 };
	sbuf_printf(&cmd, "add table %s\ndelete table %s\n%s", FILTER_TABLE, FILTER_TABLE, b.data);
	rc = cmd.oom || b.oom ? -1 : filter_run(f, cmd.data, err, errlen);
	if (rc == 0)
		f->installed = true;
	sbuf_free(&cmd);
	sbuf_free(&b);
	return rc;
}

void filter_close(struct filter *f)
{
	char err[256];

	if (!f)
		return;
	if (f->installed)
		filter_run(f, "delete table " FILTER_TABLE "\n", err, sizeof(err));
	nft_ctx_free(f->nft);
	free(f);
}
