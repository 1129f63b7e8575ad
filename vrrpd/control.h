/* control.h - the control socket protocol shared by vipd and vipctl.
 *
 * A client connects to the unix stream socket, sends one request line of
 * words ("giveup 200 --for 60\n") and reads the answer until the daemon
 * closes the connection: "ok\n" followed by the body, or "error: TEXT\n".
 *
 * The verbs, what each takes and its help live in one table,
 * control_verbs[]. vipctl checks a request against it before sending and
 * prints its help from it; vipd checks the same request with the same
 * function and calls the handler it bound to the verb's command. */
#ifndef VIPD_CONTROL_H
#define VIPD_CONTROL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define CONTROL_MAX_REQUEST 512
#define CONTROL_MAX_ARGS 8

/* giveup --for: a limit beyond a year is a typo, not a plan. */
#define CONTROL_FOR_MAX_SECONDS 31536000

/* What a verb does; vipd binds one handler to each. */
enum control_cmd {
	CONTROL_STATUS,
	CONTROL_GIVEUP,
	CONTROL_RESUME,
	CONTROL_TAKEOVER,
	CONTROL_RELOAD,
	CONTROL__COUNT
};

/* The one option a verb may take after its arguments: a switch
 * ("--json") or a flag with a number ("--for SECONDS", 0 < n <= max). */
struct control_option {
	const char *flag;   /* NULL: none */
	const char *value;  /* the value's name, NULL for a switch */
	double max;
};

struct control_verb {
	const char *name;
	const char *usage;  /* arguments, for help: what needs_name and option say */
	const char *help;
	bool needs_name;    /* takes an instance NAME */
	enum control_cmd cmd;
	struct control_option option;
};

/* The table; ends with a NULL name. */
extern const struct control_verb control_verbs[];

/* A request checked against the table. */
struct control_request {
	const struct control_verb *verb;
	const char *name;   /* the instance NAME, NULL for a verb without one */
	bool has_option;    /* the verb's option was given */
	double value;       /* ... with this value (an option with a value) */
};

enum { CONTROL_BAD_VERB = -1, CONTROL_BAD_ARGS = -2 };

/* Look a verb up; NULL if unknown. */
const struct control_verb *control_find_verb(const char *name);

/* Check argv (the verb first) against the table. 0 with *req filled
 * (pointing into argv), CONTROL_BAD_VERB or CONTROL_BAD_ARGS with what is
 * wrong in err ("unknown command 'frob'", "giveup: --for wants ..."). */
int control_parse(int argc, char **argv, struct control_request *req, char *err, size_t errlen);

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
