/* ctl.c - the control socket in the daemon: requests parsed with the
 * verb table vipctl uses too (control.c), one handler per command. */
#include "ctl.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control.h"
#include "giveup.h"
#include "instance.h"
#include "log.h"
#include "reload.h"
#include "status.h"

/* in is the request's instance for a verb that takes a NAME, else NULL. */
typedef void (*ctl_handler)(struct vipd *d, struct instance *in, const struct control_request *req,
			    struct sbuf *b);

static void ctl_status(struct vipd *d, struct instance *in, const struct control_request *req, struct sbuf *b)
{
	(void)in;
	sbuf_printf(b, "ok\n");
	status_write(d, req->has_option, b, vipd_now());
}

static void ctl_giveup(struct vipd *d, struct instance *in, const struct control_request *req, struct sbuf *b)
{
	fsm_time now = vipd_now();
	fsm_time until = req->has_option ? now + (fsm_time)(req->value * 1e6) : FSM_NEVER;

	log_notice("vip %s: operator giveup%s", in->cfg->name, until == FSM_NEVER ? "" : " with a time limit");
	instance_giveup(d, in, now, until);
	giveup_save(d);
	sbuf_printf(b, "ok\n");
}

static void ctl_resume(struct vipd *d, struct instance *in, const struct control_request *req, struct sbuf *b)
{
	(void)req;
	log_notice("vip %s: operator resume", in->cfg->name);
	instance_resume(d, in, vipd_now());
	giveup_save(d);
	sbuf_printf(b, "ok\n");
}

static void ctl_takeover(struct vipd *d, struct instance *in, const struct control_request *req, struct sbuf *b)
{
	(void)req;
	log_notice("vip %s: operator takeover", in->cfg->name);
	instance_takeover(d, in, vipd_now());
	giveup_save(d);
	sbuf_printf(b, "ok\n");
}

static void ctl_reload(struct vipd *d, struct instance *in, const struct control_request *req, struct sbuf *b)
{
	char err[4096];

	(void)in;
	(void)req;
	if (reload_file(d, err, sizeof(err)) < 0)
		sbuf_printf(b, "error: reload refused, the running configuration stays:\n%s\n", err);
	else
		sbuf_printf(b, "ok\n");
}

/* The handlers of control_verbs[], by command: the table says what a
 * verb takes, this says what vipd does with it. */
static const ctl_handler ctl_handlers[CONTROL__COUNT] = {
	[CONTROL_STATUS] = ctl_status,     [CONTROL_GIVEUP] = ctl_giveup, [CONTROL_RESUME] = ctl_resume,
	[CONTROL_TAKEOVER] = ctl_takeover, [CONTROL_RELOAD] = ctl_reload,
};

static void ctl_dispatch(struct vipd *d, char *line, struct sbuf *b)
{
	char *argv[CONTROL_MAX_ARGS], err[256];
	int argc = control_split(line, argv, CONTROL_MAX_ARGS);
	struct control_request req;
	struct instance *in = NULL;

	if (argc < 0) {
		sbuf_printf(b, "error: more than %d words\n", CONTROL_MAX_ARGS);
		return;
	}
	int bad = control_parse(argc, argv, &req, err, sizeof(err));
	if (bad == CONTROL_BAD_VERB) {
		sbuf_printf(b, "error: %s\n", err);
		return;
	}
	if (bad) {
		sbuf_printf(b, "error: %s (usage: %s %s)\n", err, req.verb->name, req.verb->usage);
		return;
	}
	if (req.name && !(in = vipd_instance(d, req.name))) {
		sbuf_printf(b, "error: no instance named '%s'\n", req.name);
		return;
	}
	if (!ctl_handlers[req.verb->cmd]) {
		sbuf_printf(b, "error: %s is not implemented by this vipd\n", req.verb->name);
		return;
	}
	ctl_handlers[req.verb->cmd](d, in, &req, b);
}

/* One request per connection, answered at once. The read is bounded by a
 * short timeout so a stuck client cannot stall the advertisement timers
 * for long; vipctl writes its request in one go. */
void ctl_serve(struct vipd *d)
{
	char line[CONTROL_MAX_REQUEST];
	struct timeval tv = { .tv_sec = 0, .tv_usec = 50000 };
	struct sbuf b = { 0 };
	int fd = accept4(d->ctl_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	tv.tv_sec = 1;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ssize_t n = recv(fd, line, sizeof(line) - 1, 0);
	if (n > 0) {
		line[n] = '\0';
		line[strcspn(line, "\n")] = '\0';
		ctl_dispatch(d, line, &b);
		if (b.oom) {
			/* A full buffer takes no more text: start over. */
			sbuf_free(&b);
			sbuf_printf(&b, "error: out of memory\n");
		}
		for (size_t off = 0; off < b.len;) {
			ssize_t w = send(fd, b.data + off, b.len - off, MSG_NOSIGNAL);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
	}
	sbuf_free(&b);
	close(fd);
}
