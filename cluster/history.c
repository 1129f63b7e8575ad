/* history.c - one history's bookkeeping file. See history.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aof_dir.h"
#include "history.h"

/* --- slot sets ------------------------------------------------------------- */

void slotset_clear(struct slotset *s)
{
	memset(s, 0, sizeof(*s));
}

void slotset_add_range(struct slotset *s, int first, int last)
{
	for (int i = first < 0 ? 0 : first; i <= last && i < SLOT_COUNT; i++)
		s->bits[i / 64] |= 1ULL << (i % 64);
}

bool slotset_has(const struct slotset *s, int slot)
{
	return slot >= 0 && slot < SLOT_COUNT && (s->bits[slot / 64] >> (slot % 64) & 1);
}

int slotset_count(const struct slotset *s)
{
	int n = 0;
	for (size_t i = 0; i < SLOT_COUNT / 64; i++)
		n += __builtin_popcountll(s->bits[i]);
	return n;
}

bool slotset_equal(const struct slotset *a, const struct slotset *b)
{
	return memcmp(a->bits, b->bits, sizeof(a->bits)) == 0;
}

bool slotset_overlaps(const struct slotset *a, const struct slotset *b)
{
	for (size_t i = 0; i < SLOT_COUNT / 64; i++)
		if (a->bits[i] & b->bits[i])
			return true;
	return false;
}

int slotset_parse(const char *text, struct slotset *s)
{
	const char *p = text;

	slotset_clear(s);
	if (strcmp(text, "-") == 0 || !*text)
		return 0;
	for (;;) {
		char *end;
		long first = strtol(p, &end, 10), last = first;
		if (end == p || first < 0 || first >= SLOT_COUNT)
			return -1;
		p = end;
		if (*p == '-') {
			last = strtol(p + 1, &end, 10);
			if (end == p + 1 || last < first || last >= SLOT_COUNT)
				return -1;
			p = end;
		}
		slotset_add_range(s, (int)first, (int)last);
		if (*p == '\0')
			return 0;
		if (*p++ != ',')
			return -1;
	}
}

char *slotset_format(const struct slotset *s, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < SLOT_COUNT; i++) {
		if (!slotset_has(s, i))
			continue;
		int j = i;
		while (j + 1 < SLOT_COUNT && slotset_has(s, j + 1))
			j++;
		int n = j > i ? snprintf(buf + used, len - used, "%s%d-%d", used ? "," : "", i, j)
			      : snprintf(buf + used, len - used, "%s%d", used ? "," : "", i);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
		i = j;
	}
	if (!used)
		snprintf(buf, len, "-");
	return buf;
}

/* --- the record ------------------------------------------------------------ */

void history_init(struct history *h, const char *name)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->offset = -1;
}

void history_free(struct history *h)
{
	free(h->slots);
	free(h->blind);
	h->slots = NULL;
	h->blind = NULL;
	h->nslots = h->nblind = 0;
}

int history_set_slots(struct history *h, double since, const struct slotset *s)
{
	struct history_slots *n;

	if (h->nslots && slotset_equal(&h->slots[h->nslots - 1].set, s))
		return 0;
	n = realloc(h->slots, sizeof(*n) * (h->nslots + 1));
	if (!n)
		return -1;
	h->slots = n;
	n[h->nslots].since = since;
	n[h->nslots].set = *s;
	h->nslots++;
	return 0;
}

const struct slotset *history_slots_at(const struct history *h, double t)
{
	size_t i = 0;

	if (!h->nslots)
		return NULL;
	while (i + 1 < h->nslots && h->slots[i + 1].since <= t)
		i++;
	return &h->slots[i].set;
}

int history_add_blind(struct history *h, double from, double to, const char *why)
{
	struct history_blind *n = realloc(h->blind, sizeof(*n) * (h->nblind + 1));

	if (!n)
		return -1;
	h->blind = n;
	n[h->nblind] = (struct history_blind){ from, to, "" };
	snprintf(n[h->nblind].why, sizeof(n[h->nblind].why), "%s", why);
	h->nblind++;
	return 0;
}

/* Append to a growing string; false when out of memory. */
static bool cat(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static bool cat(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return false;
		if ((size_t)n < *cap - *len) {
			*len += (size_t)n;
			return true;
		}
		char *b = realloc(*buf, *cap * 2 + (size_t)n);
		if (!b)
			return false;
		*buf = b;
		*cap = *cap * 2 + (size_t)n;
	}
}

char *history_format(const struct history *h)
{
	size_t len = 0, cap = 1024;
	char *buf = malloc(cap), *slots = malloc(SLOT_COUNT * 7);
	bool ok = buf && slots &&
		  cat(&buf, &len, &cap, "# clusterctl archive: the bookkeeping of one history; "
			"its data is in %s/\n", AOF_DIR_NAME) &&
		  cat(&buf, &len, &cap, "replid %s\noffset %lld\naof_size %lld\nlast_ts %lld\n",
		      h->replid[0] ? h->replid : "-", h->offset, h->aof_size, h->last_ts) &&
		  cat(&buf, &len, &cap, "base_time %.3f\nstart %.3f\ncovered %.3f\nlast_write %.3f\n"
		      "closed %.3f\n", h->base_time, h->start, h->covered, h->last_write, h->closed) &&
		  cat(&buf, &len, &cap, "source %s %s\nmaster_offset %lld %.3f\nbegan %s\n",
		      h->source_id[0] ? h->source_id : "-", h->source_addr[0] ? h->source_addr : "-",
		      h->master_offset, h->master_seen, h->began[0] ? h->began : "-");
	for (size_t i = 0; ok && i < h->nslots; i++)
		ok = cat(&buf, &len, &cap, "slots %.3f %s\n", h->slots[i].since,
			 slotset_format(&h->slots[i].set, slots, SLOT_COUNT * 7));
	for (size_t i = 0; ok && i < h->nblind; i++)
		ok = cat(&buf, &len, &cap, "blind %.3f %.3f %s\n", h->blind[i].from, h->blind[i].to,
			 h->blind[i].why);
	free(slots);
	if (!ok) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* One "key value" line into h; -1 when it does not parse. */
static int parse_line(struct history *h, const char *key, char *val)
{
	char word[HOSTPORT_STRLEN], word2[HOSTPORT_STRLEN];
	double a, b;
	int n = 0;
	struct slotset s;

	if (strcmp(key, "replid") == 0) {
		if (strcmp(val, "-") != 0 && strlen(val) != REPL_ID_LEN)
			return -1;
		snprintf(h->replid, sizeof(h->replid), "%s", strcmp(val, "-") ? val : "");
		return 0;
	}
	if (strcmp(key, "offset") == 0)
		return sscanf(val, "%lld%n", &h->offset, &n) == 1 && !val[n] ? 0 : -1;
	if (strcmp(key, "aof_size") == 0)
		return sscanf(val, "%lld%n", &h->aof_size, &n) == 1 && !val[n] ? 0 : -1;
	if (strcmp(key, "last_ts") == 0)
		return sscanf(val, "%lld%n", &h->last_ts, &n) == 1 && !val[n] ? 0 : -1;
	if (strcmp(key, "base_time") == 0)
		return sscanf(val, "%lf", &h->base_time) == 1 ? 0 : -1;
	if (strcmp(key, "start") == 0)
		return sscanf(val, "%lf", &h->start) == 1 ? 0 : -1;
	if (strcmp(key, "covered") == 0)
		return sscanf(val, "%lf", &h->covered) == 1 ? 0 : -1;
	if (strcmp(key, "last_write") == 0)
		return sscanf(val, "%lf", &h->last_write) == 1 ? 0 : -1;
	if (strcmp(key, "closed") == 0)
		return sscanf(val, "%lf", &h->closed) == 1 ? 0 : -1;
	if (strcmp(key, "source") == 0) {
		if (sscanf(val, "%255s %255s", word, word2) != 2 || strlen(word) > NODE_ID_LEN)
			return -1;
		snprintf(h->source_id, sizeof(h->source_id), "%.*s", NODE_ID_LEN,
			 strcmp(word, "-") ? word : "");
		snprintf(h->source_addr, sizeof(h->source_addr), "%s", strcmp(word2, "-") ? word2 : "");
		return 0;
	}
	if (strcmp(key, "master_offset") == 0)
		return sscanf(val, "%lld %lf", &h->master_offset, &h->master_seen) == 2 ? 0 : -1;
	if (strcmp(key, "began") == 0) {
		snprintf(h->began, sizeof(h->began), "%s", strcmp(val, "-") ? val : "");
		return 0;
	}
	if (strcmp(key, "slots") == 0)
		return sscanf(val, "%lf %n", &a, &n) == 1 && slotset_parse(val + n, &s) == 0
			       ? history_set_slots(h, a, &s) : -1;
	if (strcmp(key, "blind") == 0)
		return sscanf(val, "%lf %lf %n", &a, &b, &n) == 2 ? history_add_blind(h, a, b, val + n)
								     : -1;
	return 0; /* a key from a later version: kept out, not fatal */
}

int history_parse(const char *text, struct history *h, char *err, size_t errlen)
{
	char *copy = strdup(text), *save = NULL, *line;
	int lineno = 0;

	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *val;
		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		val = strchr(line, ' ');
		if (!val || parse_line(h, (*val = '\0', line), val + 1) < 0) {
			snprintf(err, errlen, "line %d ('%.40s'): malformed", lineno, line);
			free(copy);
			return -1;
		}
	}
	free(copy);
	return 0;
}

int history_load(const char *dir, struct history *h, char *err, size_t errlen)
{
	char path[4096], *text = NULL, lerr[160];
	size_t len = 0;
	FILE *f, *mem;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, HISTORY_FILE);
	if (!(f = fopen(path, "re"))) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	mem = open_memstream(&text, &len);
	for (int c; mem && (c = getc(f)) != EOF;)
		putc(c, mem);
	fclose(f);
	if (!mem || fclose(mem) != 0) {
		free(text);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	rc = history_parse(text, h, lerr, sizeof(lerr));
	free(text);
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, lerr);
	return rc;
}

int history_save(const char *dir, const struct history *h, char *err, size_t errlen)
{
	char path[4096], tmp[4096], *text = history_format(h);
	int fd = -1, rc = -1;
	size_t len, done = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, HISTORY_FILE);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, HISTORY_FILE);
	if (!text) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	len = strlen(text);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	while (fd >= 0 && done < len) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0 && errno != EINTR)
			break;
		done += n > 0 ? (size_t)n : 0;
	}
	if (fd >= 0 && done == len && fdatasync(fd) == 0 && close(fd) == 0) {
		fd = -1;
		rc = rename(tmp, path);
	}
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(text);
	return rc;
}
