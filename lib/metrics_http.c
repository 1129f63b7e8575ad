/* metrics_http.c - see metrics_http.h. */
#include "metrics_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hostport.h"
#include "log.h"

struct metrics_http {
	struct MHD_Daemon *d;
	const char *who;
	metrics_http_render_fn *render;
	void *ctx;
};

int metrics_http_addr(const char *text, struct sockaddr_in *sa, char *err, size_t errlen)
{
	struct hostport hp;
	enum hostport_error e = hostport_parse(text, strlen(text), 0, &hp);

	*sa = (struct sockaddr_in){ .sin_family = AF_INET };
	if (e != HOSTPORT_OK) {
		snprintf(err, errlen, "'%s': %s", text, hostport_strerror(e));
		return -1;
	}
	if (inet_pton(AF_INET, hp.host, &sa->sin_addr) != 1) {
		snprintf(err, errlen, "'%s': the address must be an IPv4 address (127.0.0.1:9100)", text);
		return -1;
	}
	sa->sin_port = htons((unsigned short)hp.port);
	return 0;
}

static void metrics_http_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_warn("metrics: libmicrohttpd: %s", msg);
}

/* A short text answer: the errors. */
static enum MHD_Result answer_text(struct MHD_Connection *con, unsigned code, const char *text)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, "Allow", "GET, HEAD");
	ret = MHD_queue_response(con, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct metrics_http *h = cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char where[128];
	size_t len = 0;
	char *body;

	(void)version;
	(void)upload_data;
	(void)con_cls;
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return answer_text(con, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n");
	if (strcmp(url, "/metrics") != 0) {
		snprintf(where, sizeof(where), "%s: the metrics are at /metrics\n", h->who);
		return answer_text(con, MHD_HTTP_NOT_FOUND, where);
	}
	if (!(body = h->render(h->ctx, &len)))
		return answer_text(con, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	if (!(resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE))) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", METRICS_HTTP_TYPE);
	ret = MHD_queue_response(con, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* The socket is ours, not libmicrohttpd's: a failure to bind then says
 * why (the address in use, or not one of this host's). */
static int listen_on(const struct sockaddr_in *sa, const char *listen_text, char *err, size_t errlen)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 || listen(fd, 64) < 0) {
		snprintf(err, errlen, "%s: %s", listen_text, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

struct metrics_http *metrics_http_start(const char *listen_text, const char *who, metrics_http_render_fn *render,
					void *ctx, char *err, size_t errlen)
{
	struct metrics_http *h = calloc(1, sizeof(*h));
	struct sockaddr_in sa;
	int fd;

	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	*h = (struct metrics_http){ .who = who, .render = render, .ctx = ctx };
	if (metrics_http_addr(listen_text, &sa, err, errlen) < 0 || (fd = listen_on(&sa, listen_text, err, errlen)) < 0) {
		free(h);
		return NULL;
	}
	h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL, on_request, h,
				MHD_OPTION_EXTERNAL_LOGGER, metrics_http_log, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!h->d) {
		snprintf(err, errlen, "%s: libmicrohttpd could not start its thread", listen_text);
		/* Closed here unless libmicrohttpd already did: nothing else
		 * opens files while a program starts its listener. */
		if (fcntl(fd, F_GETFD) >= 0)
			close(fd);
		free(h);
		return NULL;
	}
	return h;
}

void metrics_http_stop(struct metrics_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d); /* closes the listening socket too */
	free(h);
}
