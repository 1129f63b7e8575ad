/* vipctl.c - control a running vipd over its control socket. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "control.h"

/* Exit codes: 0 done, 1 the daemon refused (unknown name...), 2 usage,
 * 3 no daemon to talk to. */
enum { EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_NODAEMON = 3 };

/* The help is the verb table: the verbs, what they take, and the limits
 * vipd holds them to, so vipctl and vipd cannot tell different stories. */
static void usage(FILE *out)
{
	fprintf(out, "usage: vipctl [-s SOCKET] COMMAND [ARGS]\n\nCommands:\n");
	for (const struct control_verb *v = control_verbs; v->name; v++) {
		const struct control_option *o = &v->option;
		fprintf(out, "  %-8s %-22s %s\n", v->name, v->usage, v->help);
		if (o->value)
			fprintf(out, "  %-8s %-22s %s %s: above 0, at most %.0f\n", "", "", o->flag, o->value, o->max);
	}
	fprintf(out, "\nThe socket is -s, else $VIPD_SOCKET, else %s.\n"
		     "Exit status: 0 success, 1 refused by vipd, 2 usage error, 3 vipd not reachable.\n"
		     "See vipctl(8).\n", CONFIG_DEFAULT_SOCKET);
}

/* Check argv here with the parser vipd uses, so a typo never reaches the
 * daemon and both agree on what is valid; then join it into one request
 * line. Its length, or -1 (said why). */
static ssize_t vipctl_request(int argc, char **argv, char *req, size_t size)
{
	struct control_request r;
	char err[256];
	size_t len = 0;
	int bad = control_parse(argc, argv, &r, err, sizeof(err));

	if (bad == CONTROL_BAD_VERB) {
		fprintf(stderr, "vipctl: %s (try vipctl --help)\n", err);
		return -1;
	}
	if (bad) {
		fprintf(stderr, "vipctl: %s\nusage: vipctl %s %s\n", err, r.verb->name, r.verb->usage);
		return -1;
	}
	for (int i = 0; i < argc; i++) {
		int n = snprintf(req + len, size - len, "%s%s", i ? " " : "", argv[i]);
		if (n < 0 || (size_t)n >= size - len - 1) {
			fprintf(stderr, "vipctl: request too long\n");
			return -1;
		}
		len += (size_t)n;
	}
	req[len++] = '\n';
	return (ssize_t)len;
}

/* Send the request, read the whole answer, then judge its first line:
 * "ok" and the body to stdout, or the daemon's error to stderr. */
static int vipctl_ask(const char *path, const char *req, size_t len)
{
	char err[256], buf[65536], *all = NULL;
	size_t total = 0;
	ssize_t n;
	int fd = control_connect(path, err, sizeof(err));

	if (fd < 0) {
		fprintf(stderr, "vipctl: %s (is vipd running? use -s SOCKET)\n", err);
		return EXIT_NODAEMON;
	}
	if (send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len) {
		fprintf(stderr, "vipctl: cannot send to vipd at %s: %s\n", path, strerror(errno));
		close(fd);
		return EXIT_NODAEMON;
	}
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		char *p = realloc(all, total + (size_t)n + 1);
		if (!p) {
			fprintf(stderr, "vipctl: out of memory\n");
			free(all);
			close(fd);
			return EXIT_REFUSED;
		}
		all = p;
		memcpy(all + total, buf, (size_t)n);
		total += (size_t)n;
	}
	close(fd);
	if (!all) {
		fprintf(stderr, "vipctl: vipd at %s closed the connection without an answer\n", path);
		return EXIT_NODAEMON;
	}
	all[total] = '\0';
	int rc = 0;
	if (strncmp(all, "ok\n", 3) == 0) {
		fputs(all + 3, stdout);
	} else {
		fprintf(stderr, "vipctl: %s", strncmp(all, "error: ", 7) == 0 ? all + 7 : all);
		rc = EXIT_REFUSED;
	}
	free(all);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("VIPD_SOCKET");
	char req[CONTROL_MAX_REQUEST];
	int c;

	if (!path || !*path)
		path = CONFIG_DEFAULT_SOCKET;
	/* "+" stops at the verb, so "giveup 200 --for 5" keeps its --for. */
	while ((c = getopt_long(argc, argv, "+s:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': path = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	ssize_t len = vipctl_request(argc, argv, req, sizeof(req));
	if (len < 0)
		return EXIT_USAGE;
	return vipctl_ask(path, req, (size_t)len);
}
