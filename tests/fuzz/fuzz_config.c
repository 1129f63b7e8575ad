// sources: vrrpd/config.c vrrpd/config_track.c vrrpd/config_paths.c vrrpd/config_bfd.c vrrpd/vrmac.c lib/conf.c lib/conftext.c lib/hostport.c vrrpd/addr.c
// libs: libconfuse
/* fuzz_config.c - libFuzzer target: config_load() on arbitrary vipd.conf
 * text (vrrpd/config.c, lib/conftext.c, and libconfuse under them).
 *
 * config_load() takes a path, so the input goes into one memfd per
 * process, named by /proc/self/fd/N (a temporary file if memfd or /proc
 * is missing). Every input is loaded twice, and every result freed with
 * config_free(): LeakSanitizer reports anything left behind.
 * Oracles, each an abort() that libFuzzer reports as a crash:
 *   - an accepted file obeys vipd.conf(5): valid names, unique names,
 *     ranges, one family per instance, no address twice, no VRID twice
 *     on one interface and family, absolute paths;
 *   - a refused file says why, each line "FILE:..." with this file's
 *     path, and leaves nothing in the result;
 *   - the second load, right after the first with the same text, gives
 *     the same verdict and the same configuration: libconfuse's lexer is
 *     global state, and a load must not depend on the one before;
 *   - its error buffer, of a size taken from the input (0 to 159 bytes,
 *     on the heap, exact), holds exactly the first bytes of the full
 *     message. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "fuzz_check.h"

static int conf_fd = -1;
static char conf_path[64];
static char tmp_path[64];


static void remove_tmp(void)
{
	if (tmp_path[0])
		unlink(tmp_path);
}

static void open_conf(void)
{
	conf_fd = memfd_create("vipd.conf", MFD_CLOEXEC);
	if (conf_fd >= 0) {
		snprintf(conf_path, sizeof(conf_path), "/proc/self/fd/%d", conf_fd);
		if (access(conf_path, R_OK) == 0)
			return;
		close(conf_fd);
	}
	const char *dir = getenv("TMPDIR");
	snprintf(tmp_path, sizeof(tmp_path), "%s/fuzz_config.XXXXXX", dir && *dir ? dir : "/tmp");
	conf_fd = mkstemp(tmp_path);
	if (conf_fd < 0) {
		perror("fuzz_config: no memfd and no temporary file");
		abort();
	}
	atexit(remove_tmp);
	snprintf(conf_path, sizeof(conf_path), "%s", tmp_path);
}

static void write_conf(const uint8_t *data, size_t size)
{
	if (conf_fd < 0)
		open_conf();
	if (ftruncate(conf_fd, 0) < 0)
		abort();
	for (size_t off = 0; off < size;) {
		ssize_t n = pwrite(conf_fd, data + off, size - off, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n < CONFIG_NAME_MAX &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

static bool unicast(const struct ipaddr *a)
{
	static const uint8_t zero[16];

	if (memcmp(a->u.bytes, zero, ipaddr_size(a->family)) == 0)
		return false;
	return a->family == AF_INET ? a->u.bytes[0] >> 4 != 0xe : a->u.bytes[0] != 0xff;
}

/* Unicast, not loopback, not IPv6 link-local. */
static bool vip_ok(const struct ipaddr *a)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };

	if (!unicast(a))
		return false;
	if (a->family == AF_INET)
		return a->u.bytes[0] != 127;
	return memcmp(a->u.bytes, v6_loopback, 16) != 0 &&
	       !(a->u.bytes[0] == 0xfe && (a->u.bytes[1] & 0xc0) == 0x80);
}

/* vipd.conf(5), checked on an accepted file. */
static void check_accepted(const struct vipd_config *c)
{
	CHECK(c->path && strcmp(c->path, conf_path) == 0);
	CHECK(c->socket && c->socket[0] == '/' && strlen(c->socket) < 108);
	CHECK(c->state_dir && c->state_dir[0] == '/');
	CHECK((c->nvips == 0) == (c->vips == NULL));
	for (size_t i = 0; i < c->nvips; i++) {
		const struct vip_config *v = &c->vips[i];
		size_t asz = ipaddr_size(v->family);

		CHECK(name_ok(v->name));
		CHECK(config_find(c, v->name) == v);
		CHECK(v->ifname[0] && strlen(v->ifname) < IF_NAMESIZE && !strpbrk(v->ifname, "/: \t\n\v\f\r"));
		CHECK(strcmp(v->ifname, ".") != 0 && strcmp(v->ifname, "..") != 0);
		CHECK(v->family == AF_INET || v->family == AF_INET6);
		CHECK(v->vrid >= 1 && v->priority >= 1);
		/* Centiseconds: 12 bits for VRRPv3, whole seconds otherwise
		 * (CARP's advbase goes up to 254). */
		CHECK(v->interval >= 1 && v->interval <= (v->protocol == VIP_PROTO_VRRP3 ? VRRP_MAX_INTERVAL : 25500));
		CHECK(v->preempt_delay_ms <= 3600 * 1000);
		CHECK(v->garp_count <= 100 && v->garp_delay_ms <= 10 * 1000);
		/* VRRPv3 is the default; the older protocols speak IPv4 in
		 * whole seconds. */
		CHECK(v->protocol == VIP_PROTO_VRRP3 || (v->family == AF_INET && v->interval % 100 == 0));
		CHECK(v->checksum_mode == VRRP_CKSUM_PSEUDO || v->checksum_mode == VRRP_CKSUM_PLAIN);
		CHECK(v->naddrs >= 1 && v->naddrs <= VRRP_MAX_ADDRS && v->addrs);
		CHECK(v->line >= 1);
		for (size_t k = 0; k < v->naddrs; k++) {
			const struct ipprefix *p = &v->addrs[k];
			CHECK(p->addr.family == v->family && p->len <= asz * 8);
			CHECK(vip_ok(&p->addr));
			for (size_t l = 0; l < k; l++)
				CHECK(!ipaddr_equal(&p->addr, &v->addrs[l].addr));
		}
		CHECK((v->npeers == 0) == (v->peers == NULL));
		for (size_t k = 0; k < v->npeers; k++) {
			CHECK(v->peers[k].family == v->family && unicast(&v->peers[k]));
			for (size_t l = 0; l < k; l++)
				CHECK(!ipaddr_equal(&v->peers[k], &v->peers[l]));
		}
		/* Tracks: named uniquely, one effect each, in range; an owner
		 * takes no weight. */
		CHECK((v->ntracks == 0) || v->tracks);
		CHECK(!v->wait_for_tracks || v->ntracks);
		for (size_t k = 0; k < v->ntracks; k++) {
			const struct track_config *t = &v->tracks[k];
			CHECK(name_ok(t->name) && t->target && t->target[0]);
			CHECK(t->fault == (t->weight == 0) && t->weight >= -254 && t->weight <= 254);
			CHECK(v->priority != 255 || t->weight == 0);
			CHECK(t->rise >= 1 && t->rise <= 100 && t->fall >= 1 && t->fall <= 100);
			CHECK(t->interval_ms >= 10 && t->timeout_ms >= 10);
			CHECK(t->kind != TRACK_HTTP || (t->expect >= 100 && t->expect <= 599 &&
							(strncmp(t->target, "http://", 7) == 0 ||
							 strncmp(t->target, "https://", 8) == 0)));
			for (size_t l = 0; l < k; l++)
				CHECK(strcmp(t->name, v->tracks[l].name) != 0);
		}
		CHECK(!v->notify || v->notify[0] == '/');
		CHECK(v->notify_timeout_ms >= 100 && v->notify_retries <= 100);
		CHECK(v->group >= -1 && (v->group < 0 || (size_t)v->group < c->ngroups));
		for (size_t j = 0; j < i; j++) {
			const struct vip_config *w = &c->vips[j];
			CHECK(strcmp(v->name, w->name) != 0);
			CHECK(v->vrid != w->vrid || v->family != w->family || strcmp(v->ifname, w->ifname) != 0);
			for (size_t k = 0; k < v->naddrs; k++)
				for (size_t l = 0; l < w->naddrs; l++)
					CHECK(!ipaddr_equal(&v->addrs[k].addr, &w->addrs[l].addr));
		}
	}
}

/* Groups: every member an instance that names this group, once. */
static void check_groups(const struct vipd_config *c)
{
	CHECK(!c->metrics || c->metrics_port >= 1);
	for (size_t g = 0; g < c->ngroups; g++) {
		const struct group_config *gc = &c->groups[g];
		CHECK(name_ok(gc->name) && gc->nmembers >= 1);
		for (size_t k = 0; k < gc->nmembers; k++) {
			CHECK(gc->members[k] < c->nvips && c->vips[gc->members[k]].group == (int)g);
			for (size_t l = 0; l < k; l++)
				CHECK(gc->members[k] != gc->members[l]);
		}
	}
}

/* A refused file: messages, one per line, each about this file. */
static void check_refused(const struct vipd_config *c, const char *err, size_t errlen)
{
	size_t plen = strlen(conf_path);

	CHECK(c->nvips == 0 && !c->vips && !c->path && !c->socket && !c->state_dir);
	CHECK(c->ngroups == 0 && !c->groups && !c->metrics);
	CHECK(err[0] != '\0');
	for (const char *line = err; line;) {
		const char *nl = strchr(line, '\n');
		/* The last line may be cut short by the buffer's size. */
		if (nl || strlen(err) < errlen - 1)
			CHECK(strncmp(line, conf_path, plen) == 0 && line[plen] == ':');
		line = nl ? nl + 1 : NULL;
	}
}

static bool same_config(const struct vipd_config *a, const struct vipd_config *b)
{
	if (a->nvips != b->nvips || strcmp(a->socket, b->socket) != 0 ||
	    strcmp(a->state_dir, b->state_dir) != 0)
		return false;
	for (size_t i = 0; i < a->nvips; i++)
		if (!config_vip_equal(&a->vips[i], &b->vips[i]) || a->vips[i].line != b->vips[i].line)
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char full[8192];
	struct vipd_config a, b;
	uint32_t h = 2166136261u;

	write_conf(data, size);
	int ra = config_load(conf_path, &a, full, sizeof(full));
	CHECK(ra == 0 || ra == -1);
	if (ra == 0) {
		CHECK(full[0] == '\0');
		check_accepted(&a);
		check_groups(&a);
	} else {
		check_refused(&a, full, sizeof(full));
	}

	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	size_t small_len = h % 160;
	char *small = small_len ? malloc(small_len) : NULL;
	if (small_len && !small)
		abort();
	int rb = config_load(conf_path, &b, small, small_len);
	CHECK(rb == ra);
	if (ra == 0)
		CHECK(same_config(&a, &b));
	if (small_len) {
		size_t want = strlen(full) < small_len - 1 ? strlen(full) : small_len - 1;
		CHECK(strlen(small) == want && memcmp(small, full, want) == 0);
	}
	free(small);
	config_free(&a);
	config_free(&b);
	config_free(&b); /* twice is harmless (test_config.c relies on it) */
	return 0;
}
