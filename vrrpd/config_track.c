/* config_track.c - the tracks and the notify hook of a vip section in
 * vipd.conf, and the name rules the rest of config.c shares. */
#include "config.h"
#include "conf.h"
#include "config_part.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool config_valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONFIG_NAME_MAX)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

/* The kernel's rule for interface names (dev_valid_name). */
bool config_valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IF_NAMESIZE || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	return strcspn(s, "/: \t\n\v\f\r") == n;
}

const char *config_track_kind(enum track_kind k)
{
	static const char *const names[] = { "interface", "http", "script" };

	return (unsigned)k < 3 ? names[k] : "unknown";
}

/* Free text that is handed to curl or /bin/sh: printable, bounded. */
static bool printable_text(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONFIG_TARGET_MAX)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static struct track_config *track_add(struct conf_ctx *c, struct vip_config *vc, size_t cap,
				      enum track_kind kind, const char *name, int line)
{
	char shown[CONF_SHOW_MAX];

	if (!vc->tracks) {
		vc->tracks = calloc(cap, sizeof(*vc->tracks));
		if (!vc->tracks) {
			conf_msg(c, line, "out of memory");
			return NULL;
		}
	}
	if (!config_valid_name(name)) {
		conf_msg(c, line, "track \"%s\": the name must be 1..%d characters of A-Z a-z 0-9 _ . -",
			conf_show(name, true, shown, sizeof(shown)), CONFIG_NAME_MAX - 1);
		return NULL;
	}
	for (size_t i = 0; i < vc->ntracks; i++)
		if (strcmp(vc->tracks[i].name, name) == 0) {
			conf_msg(c, line, "track \"%s\": the name is taken by the track on line %d (%s)", name,
				vc->tracks[i].line, config_track_kind(vc->tracks[i].kind));
			return NULL;
		}
	struct track_config *t = &vc->tracks[vc->ntracks++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->line = line;
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->interval_ms = 1000;
	t->timeout_ms = 1000;
	t->rise = 2;
	t->fall = 2;
	t->fault = true;
	return t;
}

/* interval, timeout, rise, fall and the effect: weight or fault. */
static void track_common(struct conf_ctx *c, cfg_t *sec, struct track_config *t)
{
	const struct conf_val *w = conf_scalar(sec, "weight"), *f = conf_scalar(sec, "fault");
	bool fault = true;
	long n;

	conf_get_seconds(c, sec, "interval", 1000000, 10, 3600 * 1000, "0.01..3600", &t->interval_ms);
	conf_get_seconds(c, sec, "timeout", 1000000, 10, 3600 * 1000, "0.01..3600", &t->timeout_ms);
	n = t->rise;
	conf_get_int(c, sec, "rise", 1, 100, &n);
	t->rise = (unsigned)n;
	n = t->fall;
	conf_get_int(c, sec, "fall", 1, 100, &n);
	t->fall = (unsigned)n;
	if (f && !conf_parse_bool(f->text, &fault)) {
		conf_bad_value(c, "fault", f, false, "must be true or false");
		return;
	}
	if (w) {
		n = 0;
		conf_get_int(c, sec, "weight", -254, 254, &n);
		if (n == 0 && conf_parse_long(w->text, &n) && n == 0)
			conf_bad_value(c, "weight", w, false, "must not be 0 (a track that changes nothing)");
		if (f && fault) {
			char shown[CONF_SHOW_MAX];
			conf_msg(c, f->line, "fault = true and weight = %s: a track has one or the other",
				conf_show(w->text, false, shown, sizeof(shown)));
		}
		t->weight = (int)n;
		t->fault = false;
	} else if (f && !fault) {
		conf_bad_value(c, "fault", f, false, "a track without fault needs a weight");
	}
}

static void track_interfaces(struct conf_ctx *c, cfg_t *sec, struct vip_config *vc, size_t cap)
{
	cfg_opt_t *opt = cfg_getopt(sec, "track_interface");
	unsigned n = opt ? cfg_opt_size(opt) : 0;

	for (unsigned i = 0; i < n; i++) {
		const struct conf_val *v = cfg_opt_getnptr(opt, i);
		char name[IF_NAMESIZE + 1] = "", word[16] = "", extra[2] = "";
		long weight = 0;
		int k = sscanf(v->text, "%16s %15s %ld %1s", name, word, &weight, extra);

		if (!((k == 1) || (k == 3 && strcmp(word, "weight") == 0))) {
			conf_bad_elem(c, "track_interface", v, "must be \"IFNAME\" or \"IFNAME weight N\"");
			continue;
		}
		if (!config_valid_ifname(name)) {
			conf_bad_elem(c, "track_interface", v, "not an interface name");
			continue;
		}
		if (k == 3 && (weight == 0 || weight < -254 || weight > 254)) {
			conf_bad_elem(c, "track_interface", v, "the weight must be -254..254 and not 0");
			continue;
		}
		struct track_config *t = track_add(c, vc, cap, TRACK_INTERFACE, name, v->line);
		if (!t)
			continue;
		t->target = strdup(name);
		t->rise = t->fall = 1;
		t->weight = (int)weight;
		t->fault = k == 1;
		if (!t->target)
			conf_msg(c, v->line, "out of memory");
	}
}

static void track_sections(struct conf_ctx *c, cfg_t *sec, struct vip_config *vc, size_t cap,
			   enum track_kind kind)
{
	const char *key = kind == TRACK_HTTP ? "track_http" : "track_script";
	const char *what = kind == TRACK_HTTP ? "url" : "command";
	unsigned n = cfg_size(sec, key);

	for (unsigned i = 0; i < n; i++) {
		cfg_t *ts = cfg_getnsec(sec, key, i);
		int line = conf_section_line(ts);
		struct track_config *t = track_add(c, vc, cap, kind, cfg_title(ts), line);
		const struct conf_val *v = conf_scalar(ts, what);

		if (!t)
			continue;
		track_common(c, ts, t);
		if (!v) {
			conf_msg(c, line, "%s %s: %s is required", key, t->name, what);
			continue;
		}
		if (!printable_text(v->text)) {
			conf_bad_value(c, what, v, true, "must be 1..%d printable characters", CONFIG_TARGET_MAX - 1);
			continue;
		}
		if (kind == TRACK_HTTP && strncmp(v->text, "http://", 7) != 0 &&
		    strncmp(v->text, "https://", 8) != 0) {
			conf_bad_value(c, what, v, true, "must start with http:// or https://");
			continue;
		}
		if (kind == TRACK_HTTP) {
			long code = 200;
			conf_get_int(c, ts, "expect", 100, 599, &code);
			t->expect = (int)code;
		}
		t->target = strdup(v->text);
		if (!t->target)
			conf_msg(c, line, "out of memory");
	}
}

void config_vip_tracking(struct conf_ctx *c, cfg_t *sec, struct vip_config *vc)
{
	cfg_opt_t *ifs = cfg_getopt(sec, "track_interface");
	size_t cap = (ifs ? cfg_opt_size(ifs) : 0) + cfg_size(sec, "track_http") + cfg_size(sec, "track_script");
	const struct conf_val *v;
	struct stat st;

	if (cap) {
		track_interfaces(c, sec, vc, cap);
		track_sections(c, sec, vc, cap, TRACK_HTTP);
		track_sections(c, sec, vc, cap, TRACK_SCRIPT);
	}
	conf_get_bool(c, sec, "wait_for_tracks", &vc->wait_for_tracks);
	if (vc->wait_for_tracks && !cap)
		conf_msg(c, conf_scalar(sec, "wait_for_tracks")->line, "wait_for_tracks = true needs a track to wait for");
	if (vc->priority == 255)
		for (size_t i = 0; i < vc->ntracks; i++)
			if (vc->tracks[i].weight)
				conf_msg(c, vc->tracks[i].line,
					"track \"%s\": the address owner's priority (255) never changes: "
					"use fault = true", vc->tracks[i].name);

	vc->notify_timeout_ms = 10000;
	vc->notify_retries = 3;
	if ((v = conf_scalar(sec, "notify"))) {
		if (v->text[0] != '/' || !printable_text(v->text))
			conf_bad_value(c, "notify", v, true, "must be an absolute path");
		else if (access(v->text, X_OK) < 0)
			conf_bad_value(c, "notify", v, true, "cannot be run: %s", strerror(errno));
		else if (stat(v->text, &st) < 0 || !S_ISREG(st.st_mode))
			conf_bad_value(c, "notify", v, true, "not a file");
		else if (!(vc->notify = strdup(v->text)))
			conf_msg(c, v->line, "out of memory");
	} else {
		for (const char *const *k = (const char *const[]){ "notify_timeout", "notify_retries", NULL };
		     *k; k++)
			if ((v = conf_scalar(sec, *k)))
				conf_bad_value(c, *k, v, false, "needs notify");
	}
	conf_get_seconds(c, sec, "notify_timeout", 1000000, 100, 3600 * 1000, "0.1..3600", &vc->notify_timeout_ms);
	long n = vc->notify_retries;
	conf_get_int(c, sec, "notify_retries", 0, 100, &n);
	vc->notify_retries = (unsigned)n;
}

