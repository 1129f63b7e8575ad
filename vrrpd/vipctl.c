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

static void usage(FILE *out)
{
	fprintf(out, "usage: vipctl [-s SOCKET] COMMAND [ARGS]\n\nCommands:\n");
	for (const struct control_verb *v = control_verbs; v->name; v++)
		fprintf(out, "  %-8s %-22s %s\n", v->name, v->usage, v->help);
	fprintf(out, "\nThe socket is -s, else $VIPD_SOCKET, else %s.\n"
		     "Exit status: 0 success, 1 refused by vipd, 2 usage error, 3 vipd not reachable.\n"
		     "See vipctl(8).\n", CONFIG_DEFAULT_SOCKET);
}

/* Check the arguments here, so a typo never reaches the daemon. */
static int check_args(const struct control_verb *v, int argc, char **argv)
{
	if (strcmp(v->name, "status") == 0)
		return argc == 1 || (argc == 2 && strcmp(argv[1], "--json") == 0) ? 0 : -1;
	if (strcmp(v->name, "giveup") == 0) {
		if (argc == 2)
			return 0;
		char *end;
		if (argc != 4 || strcmp(argv[2], "--for") != 0)
			return -1;
		double s = strtod(argv[3], &end);
		return *end || s <= 0 ? -1 : 0;
	}
	return argc == (v->needs_name ? 2 : 1) ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("VIPD_SOCKET");
	char req[CONTROL_MAX_REQUEST], err[256], buf[65536];
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
	const struct control_verb *v = control_find_verb(argv[0]);
	if (!v) {
		fprintf(stderr, "vipctl: unknown command '%s' (try vipctl --help)\n", argv[0]);
		return EXIT_USAGE;
	}
	if (check_args(v, argc, argv) < 0) {
		fprintf(stderr, "usage: vipctl %s %s\n", v->name, v->usage);
		return EXIT_USAGE;
	}
	size_t len = 0;
	for (int i = 0; i < argc; i++) {
		int n = snprintf(req + len, sizeof(req) - len, "%s%s", i ? " " : "", argv[i]);
		if (n < 0 || (size_t)n >= sizeof(req) - len - 1) {
			fprintf(stderr, "vipctl: request too long\n");
			return EXIT_USAGE;
		}
		len += (size_t)n;
	}
	req[len++] = '\n';

	int fd = control_connect(path, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "vipctl: %s (is vipd running? use -s SOCKET)\n", err);
		return EXIT_NODAEMON;
	}
	if (send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len) {
		fprintf(stderr, "vipctl: cannot send to vipd at %s: %s\n", path, strerror(errno));
		return EXIT_NODAEMON;
	}
	/* Read the whole answer, then judge its first line. */
	char *all = NULL;
	size_t total = 0;
	ssize_t n;
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		char *p = realloc(all, total + (size_t)n + 1);
		if (!p) {
			fprintf(stderr, "vipctl: out of memory\n");
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
		const char *msg = strncmp(all, "error: ", 7) == 0 ? all + 7 : all;
		fprintf(stderr, "vipctl: %s", msg);
		rc = EXIT_REFUSED;
	}
	free(all);
	return rc;
}
