/* filter.c - Accept_Mode (RFC 5798 6.1, 6.4.3).
 *
 * A master that is not the address owner must not accept packets addressed
 * to its VIPs when Accept_Mode is false, yet must still answer ARP and
 * neighbour discovery for them. vipd installs VIPs as ordinary local
 * addresses (so the kernel answers ARP and ND) and drops the rest of the
 * traffic to them in an input chain of a table that only vipd writes. The
 * set holds every such VIP whether or not this router holds it now: a VIP
 * that is not local never reaches the input hook anyway.
 *
 * libnftables (and the libraries it pulls in) is loaded only when an
 * instance asks for accept_mode = false: most deployments never do, and
 * linking it would cost every daemon about 600 KiB of resident memory. */
#include "filter.h"

#include <dlfcn.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "control.h"

#define FILTER_TABLE "inet vipd"

#define FILTER_LIBRARY "libnftables.so.1"

struct filter {
	void *lib;
	struct nft_ctx *nft;
	bool installed;
	struct nft_ctx *(*ctx_new)(uint32_t);
	void (*ctx_free)(struct nft_ctx *);
	int (*buffer_error)(struct nft_ctx *);
	int (*buffer_output)(struct nft_ctx *);
	const char *(*error_buffer)(struct nft_ctx *);
	int (*run)(struct nft_ctx *, const char *);
};

/* Resolve the few entry points we use; the prototypes come from the
 * library's own header, so a mismatch fails to compile. */
static int filter_load(struct filter *f, char *err, size_t errlen)
{
	f->lib = dlopen(FILTER_LIBRARY, RTLD_NOW | RTLD_LOCAL);
	if (!f->lib) {
		snprintf(err, errlen, "cannot load %s (install libnftables1): %s", FILTER_LIBRARY, dlerror());
		return -1;
	}
	*(void **)&f->ctx_new = dlsym(f->lib, "nft_ctx_new");
	*(void **)&f->ctx_free = dlsym(f->lib, "nft_ctx_free");
	*(void **)&f->buffer_error = dlsym(f->lib, "nft_ctx_buffer_error");
	*(void **)&f->buffer_output = dlsym(f->lib, "nft_ctx_buffer_output");
	*(void **)&f->error_buffer = dlsym(f->lib, "nft_ctx_get_error_buffer");
	*(void **)&f->run = dlsym(f->lib, "nft_run_cmd_from_buffer");
	if (!f->ctx_new || !f->ctx_free || !f->buffer_error || !f->buffer_output || !f->error_buffer || !f->run) {
		snprintf(err, errlen, "%s lacks an entry point vipd needs", FILTER_LIBRARY);
		return -1;
	}
	/* Same types as the header's declarations, checked at compile time. */
	(void)(f->ctx_new == nft_ctx_new && f->run == nft_run_cmd_from_buffer);
	f->nft = f->ctx_new(NFT_CTX_DEFAULT);
	if (!f->nft) {
		snprintf(err, errlen, "nftables: cannot create a context");
		return -1;
	}
	f->buffer_error(f->nft);
	f->buffer_output(f->nft);
	return 0;
}

static void filter_free(struct filter *f)
{
	if (f->nft)
		f->ctx_free(f->nft);
	if (f->lib)
		dlclose(f->lib);
	free(f);
}

static int filter_run(struct filter *f, const char *cmd, char *err, size_t errlen)
{
	if (f->run(f->nft, cmd) == 0)
		return 0;
	const char *e = f->error_buffer(f->nft);
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
		if (!f || filter_load(f, err, errlen) < 0) {
			if (f)
				filter_free(f);
			else
				snprintf(err, errlen, "out of memory");
			sbuf_free(&b);
			return -1;
		}
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
	filter_free(f);
}
