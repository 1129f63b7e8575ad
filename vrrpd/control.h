/* control.h - the control socket protocol shared by vipd and vipctl.
 *
 * A client connects to the unix stream socket, sends one request line of
 * words ("giveup 200 --for 60\n") and reads the answer until the daemon
 * closes the connection: "ok\n" followed by the body, or "error: TEXT\n".
 * The verbs and their arity live in one table that both sides use. */
#ifndef VIPD_CONTROL_H
#define VIPD_CONTROL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define CONTROL_MAX_REQUEST 512
#define CONTROL_MAX_ARGS 8

struct control_verb {
	const char *name;
	const char *usage;  /* arguments, for help */
	const char *help;
	bool needs_name;    /* takes an instance NAME */
};

extern const struct control_verb control_verbs[];

/* Look a verb up; NULL if unknown. */
const struct control_verb *control_find_verb(const char *name);

/* Split a request line in place into at most max words; returns the count,
 * or -1 if there are too many. */
int control_split(char *line, char **argv, int max);

/* Create the listening socket: parent directory made if missing, a stale
 * socket replaced, but a live daemon's socket refused; mode 0600.
 * Returns the fd or -1 with err. */
int control_listen(const char *path, char *err, size_t errlen);

/* Connect to a daemon. Returns the fd or -1 with err. */
int control_connect(const char *path, char *err, size_t errlen);

/* A growable text buffer for answers (status output can be large). */
struct sbuf {
	char *data;
	size_t len, cap;
	bool oom;
};
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_json_string(struct sbuf *b, const char *s);
void sbuf_free(struct sbuf *b);

#endif
