/* backups.c - clusterctl backups: what an archive can restore. The window
 * every slot shares and each slot range's own, the gaps inside with their
 * cause, and per history the master it follows, how far behind it is and
 * how much room it takes. Read from the histories' bookkeeping files only,
 * so it runs while the archive writes. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aof_dir.h"
#include "backups.h"
#include "catalog.h"
#include "clusterctl.h"
#include "when.h"

/* --- reading the directory -------------------------------------------------- */

static long long dir_bytes(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	long long sum = 0;
	struct stat st;

	while (d && (e = readdir(d))) {
		char p[4400];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		if (lstat(p, &st) < 0)
			continue;
		sum += S_ISDIR(st.st_mode) ? dir_bytes(p) : (long long)st.st_size;
	}
	if (d)
		closedir(d);
	return sum;
}

static int history_cmp(const void *a, const void *b)
{
	return strcmp(((const struct history *)a)->name, ((const struct history *)b)->name);
}

int backups_load(const char *dir, struct history **out, size_t *n, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct history *v = NULL;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		char path[4096], manifest[4200], lerr[400];
		struct history h;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		snprintf(manifest, sizeof(manifest), "%s/%s/%s", path, AOF_DIR_NAME, AOF_MANIFEST_FILE);
		history_init(&h, e->d_name);
		if (access(manifest, R_OK) < 0 || history_load(path, &h, lerr, sizeof(lerr)) < 0) {
			history_free(&h);
			continue;
		}
		h.bytes = dir_bytes(path);
		if (*n == cap) {
			struct history *nv = realloc(v, sizeof(*v) * (cap = cap ? cap * 2 : 8));
			if (!nv) {
				history_free(&h);
				break;
			}
			v = nv;
		}
		v[(*n)++] = h;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), history_cmp);
	*out = v;
	return 0;
}

void backups_free(struct history *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		history_free(&h[i]);
	free(h);
}

/* --- printing ----------------------------------------------------------------- */

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_time(double t)
{
	if (t > 0)
		printf("%.3f", t);
	else
		printf("null");
}

static char *range_text(int first, int last, char *buf, size_t len)
{
	if (first == last)
		snprintf(buf, len, "%d", first);
	else
		snprintf(buf, len, "%d-%d", first, last);
	return buf;
}

static void print_json(const char *dir, const struct history *h, size_t n, const struct catalog *c,
		       double now)
{
	bool ok = c->earliest <= c->latest;
	long long size = 0;
	char *text = malloc(SLOT_COUNT * 12);

	if (!text)
		return;
	printf("{\"dir\": ");
	json_string(dir);
	printf(", \"now\": %.3f, \"restorable\": %s, ", now, ok ? "true" : "false");
	if (ok)
		printf("\"earliest\": %lld, \"latest\": %lld", c->earliest, c->latest);
	else
		printf("\"earliest\": null, \"latest\": null");
	printf(", \"gaps\": [");
	for (size_t i = 0; i < c->ngaps; i++) {
		const struct catalog_gap *g = &c->gaps[i];
		printf("%s{\"slots\": \"%s\", \"from\": %lld, \"to\": %lld, \"kind\": \"%s\", \"why\": ",
		       i ? ", " : "", range_text(g->slot_first, g->slot_last, text, SLOT_COUNT * 12),
		       g->first, g->last, catalog_gap_kind_name(g->kind));
		json_string(g->why);
		printf("}");
	}
	printf("], \"ranges\": [");
	for (size_t i = 0; i < c->nranges; i++) {
		const struct catalog_range *r = &c->ranges[i];
		printf("%s{\"slots\": \"%s\", ", i ? ", " : "",
		       range_text(r->slot_first, r->slot_last, text, SLOT_COUNT * 12));
		if (r->nspans)
			printf("\"earliest\": %lld, \"latest\": %lld, \"spans\": [", r->spans[0].first,
			       r->spans[r->nspans - 1].last);
		else
			printf("\"earliest\": null, \"latest\": null, \"spans\": [");
		for (size_t k = 0; k < r->nspans; k++)
			printf("%s[%lld, %lld]", k ? ", " : "", r->spans[k].first, r->spans[k].last);
		printf("]}");
	}
	printf("], \"histories\": [");
	for (size_t i = 0; i < n; i++) {
		const struct history *x = &h[i];
		bool open = x->closed <= 0;
		size += x->bytes;
		printf("%s{\"name\": ", i ? ", " : "");
		json_string(x->name);
		printf(", \"slots\": \"%s\", \"replid\": \"%s\", \"offset\": %lld, \"master\": ",
		       x->nslots ? slotset_format(&x->slots[x->nslots - 1].set, text, SLOT_COUNT * 12) : "-",
		       x->replid, x->offset);
		json_string(x->source_addr);
		printf(", \"master_id\": \"%s\", \"base_time\": ", x->source_id);
		json_time(x->base_time);
		printf(", \"start\": ");
		json_time(x->start);
		printf(", \"covered\": ");
		json_time(x->covered);
		printf(", \"last_write\": ");
		json_time(x->last_write);
		printf(", \"closed\": ");
		json_time(x->closed);
		if (open && x->covered > 0)
			printf(", \"lag_seconds\": %.3f", now - x->covered > 0 ? now - x->covered : 0);
		else
			printf(", \"lag_seconds\": null");
		if (open && x->master_seen > 0)
			printf(", \"lag_bytes\": %lld", x->master_offset > x->offset ?
			       x->master_offset - x->offset : 0);
		else
			printf(", \"lag_bytes\": null");
		printf(", \"size\": %lld, \"began\": ", x->bytes);
		json_string(x->began);
		printf(", \"blind\": [");
		for (size_t b = 0; b < x->nblind; b++) {
			printf("%s{\"from\": %.3f, \"to\": %.3f, \"why\": ", b ? ", " : "", x->blind[b].from,
			       x->blind[b].to);
			json_string(x->blind[b].why);
			printf("}");
		}
		printf("]}");
	}
	printf("], \"size\": %lld}\n", size);
	free(text);
}

static const char *human_bytes(long long b, char *buf, size_t len)
{
	if (b >= 1LL << 30)
		snprintf(buf, len, "%.1f GiB", b / (double)(1LL << 30));
	else if (b >= 1LL << 20)
		snprintf(buf, len, "%.1f MiB", b / (double)(1LL << 20));
	else if (b >= 1LL << 10)
		snprintf(buf, len, "%.1f KiB", b / 1024.0);
	else
		snprintf(buf, len, "%lld B", b);
	return buf;
}

static void print_history(const struct history *x, double now)
{
	char slots[200], a[WHEN_STRLEN], b[WHEN_STRLEN], size[32];

	printf("  %s\n    slots %s, master %s (%.12s), %s\n", x->name,
	       x->nslots ? slotset_format(&x->slots[x->nslots - 1].set, slots, sizeof(slots)) : "-",
	       x->source_addr[0] ? x->source_addr : "?", x->source_id,
	       human_bytes(x->bytes, size, sizeof(size)));
	if (x->start > 0)
		printf("    holds %s .. %s", when_format(x->start, a, sizeof(a)),
		       when_format(x->covered, b, sizeof(b)));
	else
		printf("    base copy taken at %s, not restorable yet", when_format(x->base_time, a, sizeof(a)));
	if (x->closed > 0)
		printf(", closed\n");
	else if (x->master_seen > 0)
		printf(", lag %.1f s, %lld bytes behind the master\n", now - x->covered,
		       x->master_offset > x->offset ? x->master_offset - x->offset : 0);
	else
		printf(", lag %.1f s\n", now - x->covered);
	for (size_t i = 0; i < x->nblind; i++)
		printf("    reconnected: %s .. %s not restorable (%s)\n",
		       when_format(x->blind[i].from, a, sizeof(a)), when_format(x->blind[i].to, b, sizeof(b)),
		       x->blind[i].why);
}

static void print_text(const char *dir, const struct history *h, size_t n, const struct catalog *c,
		       double now)
{
	char a[WHEN_STRLEN], b[WHEN_STRLEN], text[40], size[32];
	long long total = 0;
	size_t open = 0;

	for (size_t i = 0; i < n; i++) {
		total += h[i].bytes;
		open += h[i].closed <= 0;
	}
	printf("Archive %s: %zu histories (%zu open), %s\n", dir, n, open,
	       human_bytes(total, size, sizeof(size)));
	if (c->earliest <= c->latest)
		printf("Restorable: %s (%lld) .. %s (%lld), %zu gap(s)\n",
		       when_format((double)c->earliest, a, sizeof(a)), c->earliest,
		       when_format((double)c->latest, b, sizeof(b)), c->latest, c->ngaps);
	else
		printf("Restorable: nothing yet (some slots have no restorable moment)\n");
	printf("Slot ranges:\n");
	for (size_t i = 0; i < c->nranges; i++) {
		const struct catalog_range *r = &c->ranges[i];
		printf("  %-12s ", range_text(r->slot_first, r->slot_last, text, sizeof(text)));
		if (r->nspans)
			printf("%s .. %s\n", when_format((double)r->spans[0].first, a, sizeof(a)),
			       when_format((double)r->spans[r->nspans - 1].last, b, sizeof(b)));
		else
			printf("not archived\n");
	}
	for (size_t i = 0; i < c->ngaps; i++) {
		const struct catalog_gap *g = &c->gaps[i];
		printf("Gap (%s): slots %s, %s .. %s: %s\n", catalog_gap_kind_name(g->kind),
		       range_text(g->slot_first, g->slot_last, text, sizeof(text)),
		       when_format((double)g->first, a, sizeof(a)), when_format((double)g->last, b, sizeof(b)),
		       g->why);
	}
	printf("Histories:\n");
	for (size_t i = 0; i < n; i++)
		print_history(&h[i], now);
}

/* --- the verb ------------------------------------------------------------------ */

struct backups_cli {
	const struct command *cmd;
	const char *dir;
	bool json;
};

static int backups_option(void *ctx, int opt, char **argv)
{
	struct backups_cli *o = ctx;

	switch (opt) {
	case 'F': o->dir = optarg; return EXIT_OK;
	case 'j': o->json = true; return EXIT_OK;
	case 'h': command_help(o->cmd, stdout); return -1;
	default:
		return command_usage_error(o->cmd, "unknown option or missing value: %s", argv[optind - 1]);
	}
}

int cmd_backups(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'F' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct backups_cli o = { .cmd = cmd };
	struct history *h;
	struct catalog c;
	size_t n;
	char err[4300];
	int rc = command_options(argc, argv, opts, backups_option, &o);

	if (rc != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	if (!o.dir)
		return command_usage_error(cmd, "give the archive's directory with --from DIR");
	if (optind != argc)
		return command_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (backups_load(o.dir, &h, &n, err, sizeof(err)) < 0) {
		fprintf(stderr, "clusterctl backups: %s\n", err);
		return EXIT_FAILED;
	}
	if (catalog_build(h, n, &c) < 0) {
		fprintf(stderr, "clusterctl backups: out of memory\n");
		backups_free(h, n);
		return EXIT_FAILED;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	double now = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	if (o.json)
		print_json(o.dir, h, n, &c, now);
	else
		print_text(o.dir, h, n, &c, now);
	catalog_free(&c);
	backups_free(h, n);
	return EXIT_OK;
}
