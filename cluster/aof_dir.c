/* aof_dir.c - the archive's histories in Redis 7's multi-part AOF layout.
 * See aof_dir.h. The manifest lines follow aof.c's aofInfoFormat ("file
 * NAME seq N type T"), the annotations its timestamp annotation
 * ("#TS:%lld\r\n"). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aof_dir.h"

/* Buffered commands are written out past this much. */
#define AOF_WRITER_CHUNK (256 * 1024)

size_t aof_manifest_format(const char *base, const char *incr, char *buf, size_t len)
{
	int n = snprintf(buf, len, "file %s seq 1 type b\nfile %s seq 1 type i\n", base, incr);
	return n < 0 ? 0 : (size_t)n;
}

/* One manifest line's "key value" pairs into name, seq and type. */
static int manifest_line(char *line, char *name, long long *seq, char *type)
{
	char *save = NULL, *key, *val;
	int nwords = 0;

	*name = '\0';
	*seq = 0;
	*type = '\0';
	while ((key = strtok_r(nwords ? NULL : line, " \t", &save))) {
		if (!(val = strtok_r(NULL, " \t", &save)))
			return -1;
		nwords += 2;
		if (strcmp(key, "file") == 0 && strlen(val) < AOF_NAME_MAX && !strchr(val, '/'))
			strcpy(name, val);
		else if (strcmp(key, "seq") == 0)
			*seq = atoll(val);
		else if (strcmp(key, "type") == 0)
			*type = val[0];
	}
	return nwords >= 6 && *name && *seq > 0 && *type ? 0 : -1;
}

int aof_manifest_parse(const char *text, struct aof_manifest *m, char *err, size_t errlen)
{
	char *copy = strdup(text), *save = NULL, *line;
	int lineno = 0, rc = 0;
	long long last_seq = 0;

	memset(m, 0, sizeof(*m));
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (line = strtok_r(copy, "\n", &save); line && rc == 0; line = strtok_r(NULL, "\n", &save)) {
		char name[AOF_NAME_MAX], type;
		long long seq;
		lineno++;
		line[strcspn(line, "\r")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (manifest_line(line, name, &seq, &type) < 0) {
			snprintf(err, errlen, "manifest line %d: not 'file NAME seq N type T'", lineno);
			rc = -1;
		} else if (type == 'b') {
			rc = m->base[0] ? -1 : 0;
			snprintf(m->base, sizeof(m->base), "%s", name);
			if (rc)
				snprintf(err, errlen, "manifest line %d: a second base file", lineno);
		} else if (type == 'i') {
			if (seq <= last_seq || m->nincr == AOF_MAX_INCR) {
				snprintf(err, errlen, "manifest line %d: INCR files out of order or too many",
					 lineno);
				rc = -1;
			} else {
				snprintf(m->incr[m->nincr++], AOF_NAME_MAX, "%s", name);
				last_seq = seq;
			}
		} else if (type != 'h') {
			snprintf(err, errlen, "manifest line %d: unknown file type '%c'", lineno, type);
			rc = -1;
		}
	}
	free(copy);
	if (rc == 0 && !m->base[0] && m->nincr == 0) {
		snprintf(err, errlen, "the manifest lists no file");
		rc = -1;
	}
	return rc;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int aof_manifest_write(const char *dir, char *err, size_t errlen)
{
	char path[4096], tmp[4096], text[2 * AOF_NAME_MAX + 64];
	size_t len = aof_manifest_format(AOF_BASE_FILE, AOF_INCR_FILE, text, sizeof(text));
	int fd, dfd, rc = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, AOF_MANIFEST_FILE);
	snprintf(tmp, sizeof(tmp), "%s/temp-%s", dir, AOF_MANIFEST_FILE);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0 && write_all(fd, text, len) == 0 && fsync(fd) == 0 && close(fd) == 0 &&
	    rename(tmp, path) == 0) {
		fd = -1;
		rc = 0;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

size_t aof_annotation(long long ts, char *buf, size_t len)
{
	int n = snprintf(buf, len, "#TS:%lld\r\n", ts);
	return n < 0 ? 0 : (size_t)n;
}

int aof_writer_open(struct aof_writer *w, const char *path, long long keep, long long last_ts,
		    char *err, size_t errlen)
{
	off_t end;

	memset(w, 0, sizeof(*w));
	w->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (w->fd < 0 || (keep >= 0 && ftruncate(w->fd, keep) < 0) ||
	    (end = lseek(w->fd, 0, SEEK_END)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (w->fd >= 0)
			close(w->fd);
		w->fd = -1;
		return -1;
	}
	w->size = end;
	w->last_ts = last_ts;
	return 0;
}

static int writer_push(struct aof_writer *w, const char *data, size_t len)
{
	if (w->len + len > w->cap) {
		size_t cap = w->cap ? w->cap : AOF_WRITER_CHUNK;
		while (cap < w->len + len)
			cap *= 2;
		char *b = realloc(w->buf, cap);
		if (!b)
			return -1;
		w->buf = b;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, data, len);
	w->len += len;
	w->size += (long long)len;
	return 0;
}

int aof_writer_add(struct aof_writer *w, const char *cmd, size_t len, enum repl_cmd kind,
		   long long ts)
{
	char note[40];

	if (!w->in_multi && ts > w->last_ts) {
		if (writer_push(w, note, aof_annotation(ts, note, sizeof(note))) < 0)
			return -1;
		w->last_ts = ts;
	}
	if (writer_push(w, cmd, len) < 0)
		return -1;
	if (kind == REPL_CMD_MULTI)
		w->in_multi = true;
	else if (kind == REPL_CMD_EXEC)
		w->in_multi = false;
	if (w->len >= AOF_WRITER_CHUNK) {
		if (write_all(w->fd, w->buf, w->len) < 0)
			return -1;
		w->len = 0;
	}
	return 0;
}

int aof_writer_flush(struct aof_writer *w, bool sync, char *err, size_t errlen)
{
	if (w->fd < 0)
		return 0;
	if ((w->len && write_all(w->fd, w->buf, w->len) < 0) || (sync && fdatasync(w->fd) < 0)) {
		snprintf(err, errlen, "writing the INCR file: %s", strerror(errno));
		return -1;
	}
	w->len = 0;
	return 0;
}

void aof_writer_close(struct aof_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w->buf);
	memset(w, 0, sizeof(*w));
	w->fd = -1;
}

long long aof_first_timestamp(const char *path)
{
	char line[64];
	FILE *f = fopen(path, "re");
	long long ts = -1;

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f))
		ts = feof(f) ? 0 : -1;
	else if (strncmp(line, "#TS:", 4) == 0)
		ts = atoll(line + 4);
	fclose(f);
	return ts;
}
