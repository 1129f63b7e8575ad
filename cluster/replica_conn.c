/* replica_conn.c - the socket of a replication link. See replica_conn.h. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "mono.h"
#include "replica_conn.h"

#define CONN_CONNECT_MS 2000
#define CONN_REPLY_MS 5000
/* A peer that leaves our data unacknowledged this long is gone, even when
 * no reset arrives (a network cut). */
#define CONN_USER_TIMEOUT_MS 5000
#define CONN_READ_CHUNK (256 * 1024)

static void conn_fail(struct replica_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void conn_fail(struct replica_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

void rconn_init(struct replica_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

int rconn_open(struct replica_conn *c, const struct node_addr *t)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char port[8];
	int fd = -1, on = 1, rc, soerr = 0, user_timeout = CONN_USER_TIMEOUT_MS;
	socklen_t sl = sizeof(soerr);

	hostport_format(t->host, t->port, c->peer, sizeof(c->peer));
	snprintf(port, sizeof(port), "%d", t->port);
	if ((rc = getaddrinfo(t->host, port, &hints, &ai)) != 0) {
		conn_fail(c, "%s: %s", c->peer, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		goto fail;
	rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
	if (rc < 0 && errno != EINPROGRESS)
		goto fail;
	if (rc < 0) {
		struct pollfd p = { fd, POLLOUT, 0 };
		rc = poll(&p, 1, CONN_CONNECT_MS);
		if (rc == 0)
			errno = ETIMEDOUT;
		else if (rc > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr)
			errno = soerr;
		if (rc <= 0 || soerr)
			goto fail;
	}
	freeaddrinfo(ai);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, &on, sizeof(on));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof(user_timeout));
	c->fd = fd;
	c->len = 0;
	return 0;
fail:
	conn_fail(c, "%s: connect: %s", c->peer, strerror(errno));
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return -1;
}

int rconn_send(struct replica_conn *c, int argc, const char **argv)
{
	char buf[1024];
	size_t len = (size_t)snprintf(buf, sizeof(buf), "*%d\r\n", argc);

	for (int i = 0; i < argc && len < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "$%zu\r\n%s\r\n", strlen(argv[i]),
					argv[i]);
	if (len >= sizeof(buf) || send(c->fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len) {
		conn_fail(c, "%s: sending %s: %s", c->peer, argv[0], len >= sizeof(buf) ? "too long"
				 : strerror(errno));
		return -1;
	}
	return 0;
}

/* One reply line, byte by byte: the handshake's replies are short, and
 * nothing may be read past them. */
static int read_line(struct replica_conn *c, char *line, size_t len)
{
	size_t n = 0;
	long long deadline = mono_ms() + CONN_REPLY_MS;

	while (n + 1 < len) {
		struct pollfd p = { c->fd, POLLIN, 0 };
		int left = (int)(deadline - mono_ms());
		if (left <= 0 || poll(&p, 1, left) <= 0) {
			conn_fail(c, "%s: no reply within %d ms", c->peer, CONN_REPLY_MS);
			return -1;
		}
		ssize_t got = recv(c->fd, line + n, 1, 0);
		if (got <= 0) {
			conn_fail(c, "%s: connection closed during the handshake%s%s", c->peer,
				 got < 0 ? ": " : "", got < 0 ? strerror(errno) : "");
			return -1;
		}
		if (line[n] == '\n') {
			line[n - (n > 0 && line[n - 1] == '\r')] = '\0';
			return 0;
		}
		n++;
	}
	conn_fail(c, "%s: reply too long", c->peer);
	return -1;
}

/* A command that must answer +OK. */
static int ask_ok(struct replica_conn *c, int argc, const char **argv, const char *what)
{
	char line[512];

	if (rconn_send(c, argc, argv) < 0 || read_line(c, line, sizeof(line)) < 0)
		return -1;
	if (line[0] == '+')
		return 0;
	conn_fail(c, "%s: %s refused: %s", c->peer, what, line[0] == '-' ? line + 1 : line);
	return -1;
}

/* Exactly len bytes, within the reply timeout. */
static int read_exact(struct replica_conn *c, char *buf, size_t len)
{
	long long deadline = mono_ms() + CONN_REPLY_MS;

	for (size_t n = 0; n < len;) {
		struct pollfd p = { c->fd, POLLIN, 0 };
		int left = (int)(deadline - mono_ms());
		ssize_t got;
		if (left <= 0 || poll(&p, 1, left) <= 0 || (got = recv(c->fd, buf + n, len - n, 0)) <= 0) {
			conn_fail(c, "%s: reply cut short", c->peer);
			return -1;
		}
		n += (size_t)got;
	}
	return 0;
}

/* The node at the address must be the master assigned, by its id: a
 * rebuilt host answers at a dead node's address as another node, and a
 * node that became a replica would hand on its master's stream. */
static int verify_node(struct replica_conn *c, const char *want_id)
{
	const char *cmd[] = { "CLUSTER", "NODES" };
	char line[64], perr[200], *text;
	struct ctable t;
	long len;
	int me, rc = -1;

	if (rconn_send(c, 2, cmd) < 0 || read_line(c, line, sizeof(line)) < 0)
		return -1;
	if (line[0] != '$' || (len = strtol(line + 1, NULL, 10)) <= 0 || len > (64L << 20)) {
		conn_fail(c, "%s: CLUSTER NODES refused: %s", c->peer, line[0] == '-' ? line + 1 : line);
		return -1;
	}
	if (!(text = malloc((size_t)len + 3)) || read_exact(c, text, (size_t)len + 2) < 0) {
		free(text);
		return -1;
	}
	text[len] = '\0';
	if (ctable_parse(text, &t, perr, sizeof(perr)) < 0) {
		conn_fail(c, "%s: %s", c->peer, perr);
		free(text);
		return -1;
	}
	if ((me = ctable_myself(&t)) < 0) {
		conn_fail(c, "%s: CLUSTER NODES has no \"myself\" line", c->peer);
	} else if (*want_id && strcmp(t.nodes[me].id, want_id) != 0) {
		conn_fail(c, "%s is node %.12s now, not %.12s", c->peer, t.nodes[me].id, want_id);
	} else if (!(t.nodes[me].flags & CN_MASTER)) {
		conn_fail(c, "%s is a replica now", c->peer);
	} else {
		rc = 0;
	}
	ctable_free(&t);
	free(text);
	return rc;
}

int rconn_handshake(struct replica_conn *c, const char *user, const char *password,
		    const char *want_id)
{
	const char *auth[] = { "AUTH", user && *user ? user : password, password };
	const char *port[] = { "REPLCONF", "listening-port", "0" };
	const char *capa[] = { "REPLCONF", "capa", "psync2" };

	if (password && *password && ask_ok(c, user && *user ? 3 : 2, auth, "authentication") < 0)
		return -1;
	return verify_node(c, want_id) < 0 || ask_ok(c, 3, port, "REPLCONF listening-port") < 0 ||
			       ask_ok(c, 3, capa, "REPLCONF capa") < 0 ? -1 : 0;
}

/* Bytes into c->buf, with the moment the kernel received them. 1 read,
 * 0 end of stream, -1 error (errno). */
int rconn_receive(struct replica_conn *c, double *when)
{
	char control[CMSG_SPACE(sizeof(struct timeval))];
	struct iovec iov;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			      .msg_controllen = sizeof(control) };
	struct timespec ts;
	ssize_t n;

	if (c->cap - c->len < CONN_READ_CHUNK / 4) {
		size_t cap = c->cap ? c->cap * 2 : CONN_READ_CHUNK;
		char *b = realloc(c->buf, cap);
		if (!b) {
			errno = ENOMEM;
			return -1;
		}
		c->buf = b;
		c->cap = cap;
	}
	iov = (struct iovec){ c->buf + c->len, c->cap - c->len };
	n = recvmsg(c->fd, &msg, 0);
	if (n <= 0)
		return n == 0 ? 0 : -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	*when = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMP) {
			struct timeval tv;
			memcpy(&tv, CMSG_DATA(c), sizeof(tv));
			*when = (double)tv.tv_sec + tv.tv_usec / 1e6;
		}
	c->len += (size_t)n;
	return 1;
}

int rconn_pending(const struct replica_conn *c)
{
	int n = 0;
	return ioctl(c->fd, FIONREAD, &n) == 0 ? n : 1;
}

double rconn_confirmed_until(const struct replica_conn *c, double last_rx, double now)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	double t = last_rx;

	if (rconn_pending(c) == 0 && getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
	    now - ti.tcpi_last_ack_recv / 1000.0 > t)
		t = now - ti.tcpi_last_ack_recv / 1000.0;
	return t;
}

void rconn_close(struct replica_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

void rconn_free(struct replica_conn *c)
{
	rconn_close(c);
	free(c->buf);
	c->buf = NULL;
	c->len = c->cap = 0;
}
