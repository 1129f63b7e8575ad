/* control.c - the control protocol shared by vipd and vipctl: the verb
 * table and the one parser both sides check requests with, the socket's
 * framing, the answer buffer. */
#include "control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

const struct control_verb control_verbs[] = {
	{ "status", "[--json]", "show every instance: state, priorities, master, VIPs, counters", false,
	  CONTROL_STATUS, { "--json", NULL, 0 } },
	{ "giveup", "NAME [--for SECONDS]", "leave master now and stay backup until resume (or SECONDS)", true,
	  CONTROL_GIVEUP, { "--for", "SECONDS", CONTROL_FOR_MAX_SECONDS } },
	{ "resume", "NAME", "end a giveup or takeover: back to normal election", true, CONTROL_RESUME, { 0 } },
	{ "takeover", "NAME", "become master now and hold it until resume", true, CONTROL_TAKEOVER, { 0 } },
	{ "reload", "", "re-read the configuration (as SIGHUP)", false, CONTROL_RELOAD, { 0 } },
	{ NULL, NULL, NULL, false, CONTROL__COUNT, { 0 } },
};

const struct control_verb *control_find_verb(const char *name)
{
	for (const struct control_verb *v = control_verbs; v->name; v++)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

/* An option's number: all of the word, above 0, at most max. The
 * comparison is written so that NaN fails it too. */
static int control_parse_value(const char *s, double max, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v > 0 && v <= max))
		return -1;
	*out = v;
	return 0;
}

int control_parse(int argc, char **argv, struct control_request *req, char *err, size_t errlen)
{
	const struct control_verb *v = argc > 0 ? control_find_verb(argv[0]) : NULL;
	const struct control_option *o;
	int i = 1;

	memset(req, 0, sizeof(*req));
	if (!v) {
		snprintf(err, errlen, "unknown command '%s'", argc > 0 ? argv[0] : "");
		return CONTROL_BAD_VERB;
	}
	req->verb = v;
	o = &v->option;
	if (v->needs_name) {
		if (argc < 2 || (o->flag && strcmp(argv[1], o->flag) == 0)) {
			snprintf(err, errlen, "%s: the instance NAME is missing", v->name);
			return CONTROL_BAD_ARGS;
		}
		req->name = argv[i++];
	}
	if (i < argc && o->flag && strcmp(argv[i], o->flag) == 0) {
		req->has_option = true;
		i++;
		if (o->value && i == argc) {
			snprintf(err, errlen, "%s: %s wants %s", v->name, o->flag, o->value);
			return CONTROL_BAD_ARGS;
		}
		if (o->value && control_parse_value(argv[i], o->max, &req->value) < 0) {
			snprintf(err, errlen, "%s: %s %s is a number above 0 and at most %.0f, not '%s'", v->name, o->flag,
				 o->value, o->max, argv[i]);
			return CONTROL_BAD_ARGS;
		}
		i += o->value != NULL;
	}
	if (i < argc) {
		snprintf(err, errlen, "%s: unexpected '%s'", v->name, argv[i]);
		return CONTROL_BAD_ARGS;
	}
	return 0;
}

int control_split(char *line, char **argv, int max)
{
	int n = 0;
	char *save = NULL;

	for (char *w = strtok_r(line, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == max)
			return -1;
		argv[n++] = w;
	}
	return n;
}

static int control_addr(const char *path, struct sockaddr_un *sun, char *err, size_t errlen)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		snprintf(err, errlen, "control socket path %s is too long", path);
		return -1;
	}
	strcpy(sun->sun_path, path);
	return 0;
}

int control_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	int fd;

	if (control_addr(path, &sun, err, errlen) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		snprintf(err, errlen, "cannot reach vipd at %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* mkdir -p for the socket's parent directory. */
static int make_parent(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *p;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (!p || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "cannot create directory %s: %s", dir, strerror(errno));
	return -1;
}

int control_listen(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	char ignored[128];
	int fd;

	if (control_addr(path, &sun, err, errlen) < 0 || make_parent(path, err, errlen) < 0)
		return -1;
	/* A socket someone answers on belongs to a running daemon: never
	 * steal it. One nobody answers on is left over from a crash. */
	fd = control_connect(path, ignored, sizeof(ignored));
	if (fd >= 0) {
		close(fd);
		snprintf(err, errlen, "another vipd is already listening on %s", path);
		return -1;
	}
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	mode_t old = umask(0177);
	int rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc < 0 || chmod(path, 0600) < 0 || listen(fd, 16) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;

	for (;;) {
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		int n = vsnprintf(b->data ? b->data + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0 || b->oom)
			return;
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap - b->len <= (size_t)n)
			cap *= 2;
		char *p = realloc(b->data, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->data = p;
		b->cap = cap;
	}
}

void sbuf_json_string(struct sbuf *b, const char *s)
{
	sbuf_printf(b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			sbuf_printf(b, "\\%c", c);
		else if (c < 0x20)
			sbuf_printf(b, "\\u%04x", c);
		else
			sbuf_printf(b, "%c", c);
	}
	sbuf_printf(b, "\"");
}

void sbuf_free(struct sbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}
