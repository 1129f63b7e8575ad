/* admin.c - one Redis Cluster node, seen by clusterctl. See admin.h. */
#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "admin.h"

/* Commands get longer than a connect: a node busy with a fork or a large
 * reply must not be mistaken for a dead one. */
#define ADMIN_COMMAND_TIMEOUT_MS 5000

static int admin_fail(struct admin_node *n, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int admin_fail(struct admin_node *n, int status, const char *fmt, ...)
{
	va_list ap;
	int len = snprintf(n->err, sizeof(n->err), "%s: ", n->name);

	va_start(ap, fmt);
	vsnprintf(n->err + len, sizeof(n->err) - (size_t)len, fmt, ap);
	va_end(ap);
	return status;
}

static struct timeval ms_to_tv(int ms)
{
	return (struct timeval){ ms / 1000, (ms % 1000) * 1000 };
}

/* The address the socket really reached: a name resolves here, once, and
 * CLUSTER MEET needs an address. */
static void admin_peer_ip(struct admin_node *n)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	snprintf(n->ip, sizeof(n->ip), "%.63s", n->host);
	if (getpeername(n->ctx->fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, n->ip, sizeof(n->ip));
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, n->ip, sizeof(n->ip));
}

/* A reply, or NULL with n->err set. An error reply is freed and turned
 * into a message; a broken connection is closed, since hiredis cannot use
 * it again. */
static redisReply *admin_vcommand(struct admin_node *n, int *status, const char *fmt, va_list ap)
{
	redisReply *r;

	if (!n->ctx) {
		*status = admin_fail(n, ADMIN_UNREACHABLE, "not connected");
		return NULL;
	}
	r = redisvCommand(n->ctx, fmt, ap);
	if (!r) {
		*status = admin_fail(n, ADMIN_UNREACHABLE, "connection lost: %s",
				     n->ctx->errstr[0] ? n->ctx->errstr : "no reply");
		redisFree(n->ctx);
		n->ctx = NULL;
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "DENIED", 6) == 0) {
		/* Redis's own text runs to 600 characters; this is what it means. */
		*status = admin_fail(n, ADMIN_UNREACHABLE, "refuses remote clients: protected mode is on "
				     "and no password is set (set one, or protected-mode no)");
		freeReplyObject(r);
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		bool auth = strncmp(r->str, "NOAUTH", 6) == 0 || strncmp(r->str, "WRONGPASS", 9) == 0;
		*status = auth ? admin_fail(n, ADMIN_AUTH, "%s%s", r->str,
					    strncmp(r->str, "NOAUTH", 6) == 0 ? " (give the password with -a)" : "")
			       : admin_fail(n, ADMIN_REFUSED, "%s", r->str);
		freeReplyObject(r);
		return NULL;
	}
	*status = ADMIN_OK;
	return r;
}

static redisReply *admin_command(struct admin_node *n, int *status, const char *fmt, ...)
{
	va_list ap;
	redisReply *r;

	va_start(ap, fmt);
	r = admin_vcommand(n, status, fmt, ap);
	va_end(ap);
	return r;
}

int admin_run(struct admin_node *n, const char *fmt, ...)
{
	va_list ap;
	redisReply *r;
	int status;

	va_start(ap, fmt);
	r = admin_vcommand(n, &status, fmt, ap);
	va_end(ap);
	freeReplyObject(r);
	return status;
}

/* A bulk or status reply's text, malloc'd; NULL with n->err set. */
static char *admin_text(struct admin_node *n, int *status, const char *fmt, ...)
{
	va_list ap;
	redisReply *r;
	char *text = NULL;

	va_start(ap, fmt);
	r = admin_vcommand(n, status, fmt, ap);
	va_end(ap);
	if (!r)
		return NULL;
	if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)
		text = strdup(r->str);
	freeReplyObject(r);
	if (!text)
		*status = admin_fail(n, ADMIN_REFUSED, "unexpected reply to %.*s", (int)strcspn(fmt, " "),
				     fmt);
	return text;
}

static const char *default_user;

void admin_set_user(const char *user)
{
	default_user = user && *user ? user : NULL;
}

const char *admin_user(void)
{
	return default_user;
}

int admin_open(struct admin_node *n, const char *host, int port, const char *password,
	       int timeout_ms)
{
	return admin_open_as(n, host, port, default_user, password, timeout_ms);
}

int admin_open_as(struct admin_node *n, const char *host, int port, const char *user,
		  const char *password, int timeout_ms)
{
	int status;

	memset(n, 0, sizeof(*n));
	hostport_format(host, port, n->name, sizeof(n->name));
	snprintf(n->host, sizeof(n->host), "%s", host);
	n->port = port;
	n->ctx = redisConnectWithTimeout(host, port, ms_to_tv(timeout_ms));
	if (!n->ctx)
		return admin_fail(n, ADMIN_UNREACHABLE, "cannot connect: out of memory");
	if (n->ctx->err) {
		status = admin_fail(n, ADMIN_UNREACHABLE, "cannot connect: %s", n->ctx->errstr);
		admin_close(n);
		return status;
	}
	redisSetTimeout(n->ctx, ms_to_tv(ADMIN_COMMAND_TIMEOUT_MS));
	admin_peer_ip(n);
	if (password && *password) {
		status = user && *user ? admin_run(n, "AUTH %s %s", user, password)
				       : admin_run(n, "AUTH %s", password);
		if (status == ADMIN_AUTH || status == ADMIN_REFUSED) {
			/* WRONGPASS, or "ERR AUTH ... without any password configured". */
			char reply[256];
			snprintf(reply, sizeof(reply), "%s", n->err + strlen(n->name) + 2);
			status = admin_fail(n, ADMIN_AUTH, "authentication failed: %s", reply);
		}
		if (status != ADMIN_OK) {
			admin_close(n);
			return status;
		}
	}
	/* Without AUTH the first command tells whether the node wants a password. */
	status = admin_run(n, "PING");
	if (status != ADMIN_OK)
		admin_close(n);
	return status;
}

void admin_close(struct admin_node *n)
{
	if (n->ctx)
		redisFree(n->ctx);
	n->ctx = NULL;
}

int admin_cluster_nodes(struct admin_node *n, struct ctable *t)
{
	char perr[200];
	int status, me;
	char *text = admin_text(n, &status, "CLUSTER NODES");

	memset(t, 0, sizeof(*t));
	if (!text) {
		if (strstr(n->err, "cluster support disabled"))
			return admin_fail(n, ADMIN_REFUSED, "cluster support is disabled (start it with "
				       "cluster-enabled yes)");
		return status;
	}
	status = ctable_parse(text, t, perr, sizeof(perr));
	free(text);
	if (status < 0)
		return admin_fail(n, ADMIN_REFUSED, "%s", perr);
	me = ctable_myself(t);
	if (me < 0) {
		ctable_free(t);
		return admin_fail(n, ADMIN_REFUSED, "CLUSTER NODES has no \"myself\" line");
	}
	strcpy(n->id, t->nodes[me].id);
	return ADMIN_OK;
}

int admin_cluster_ok(struct admin_node *n)
{
	char state[32];
	int status;
	char *text = admin_text(n, &status, "CLUSTER INFO");

	if (!text)
		return status;
	status = info_field(text, "cluster_state", state, sizeof(state)) == 0 &&
		 strcmp(state, "ok") == 0;
	free(text);
	return status;
}

int admin_check_empty(struct admin_node *n)
{
	struct ctable t;
	redisReply *r;
	int status = admin_cluster_nodes(n, &t), me;

	if (status != ADMIN_OK)
		return status;
	me = ctable_myself(&t);
	if (t.n > 1)
		status = admin_fail(n, ADMIN_REFUSED, "already knows %zu other node(s), so it is in a "
				    "cluster; run CLUSTER RESET on it first", t.n - 1);
	else if (t.nodes[me].nslots)
		status = admin_fail(n, ADMIN_REFUSED, "already serves %d slot(s); run CLUSTER RESET on "
				    "it first", cnode_slot_count(&t.nodes[me]));
	ctable_free(&t);
	if (status != ADMIN_OK)
		return status;
	r = admin_command(n, &status, "DBSIZE");
	if (!r)
		return status;
	if (r->type == REDIS_REPLY_INTEGER && r->integer > 0)
		status = admin_fail(n, ADMIN_REFUSED, "holds %lld key(s); only empty nodes can form a "
				    "new cluster (FLUSHALL them first)", r->integer);
	freeReplyObject(r);
	return status;
}

int admin_link_up(struct admin_node *n)
{
	char value[32];
	int status;
	char *text = admin_text(n, &status, "INFO replication");

	if (!text)
		return status;
	status = info_field(text, "master_link_status", value, sizeof(value)) == 0 &&
		 strcmp(value, "up") == 0;
	free(text);
	return status;
}

/* Replication as the node itself reports it. */
static void admin_probe_replication(struct admin_node *n, struct cnode *c)
{
	char value[64];
	int status;
	char *text = admin_text(n, &status, "INFO replication");

	if (!text)
		return;
	if (info_field(text, "master_link_status", value, sizeof(value)) == 0)
		c->probe.link_up = strcmp(value, "up") == 0;
	if (info_field(text, (c->flags & CN_SLAVE) ? "slave_repl_offset" : "master_repl_offset",
		       value, sizeof(value)) == 0)
		c->probe.repl_offset = strtoll(value, NULL, 10);
	free(text);
}

/* The last failure without the node's name: the report names the node. */
static void admin_probe_error(const struct admin_node *n, struct cnode *c)
{
	size_t len = strlen(n->name);
	const char *msg = strncmp(n->err, n->name, len) == 0 && n->err[len] == ':' ? n->err + len + 2
										 : n->err;
	snprintf(c->probe.error, sizeof(c->probe.error), "%s", msg);
}

void admin_probe(struct admin_node *n, struct cnode *c, const char *seed_signature)
{
	struct ctable t;
	int ok;

	c->probe = (struct cnode_probe){ .probed = true };
	if (!n->ctx) {
		admin_probe_error(n, c);
		return;
	}
	c->probe.reachable = true;
	ok = admin_cluster_ok(n);
	c->probe.state_ok = ok == 1;
	if (admin_cluster_nodes(n, &t) == ADMIN_OK) {
		char *sig = ctable_signature(&t);
		c->probe.agrees = sig && seed_signature && strcmp(sig, seed_signature) == 0;
		free(sig);
		ctable_free(&t);
	}
	admin_probe_replication(n, c);
	if (!n->ctx) {
		/* It went away while we asked. */
		c->probe.reachable = false;
		admin_probe_error(n, c);
	}
}

int admin_repl_field(struct admin_node *n, const char *field, long long *value)
{
	char text_value[64];
	int status;
	char *text = admin_text(n, &status, "INFO replication");

	if (!text)
		return status;
	status = info_field(text, field, text_value, sizeof(text_value)) == 0
			 ? ADMIN_OK
			 : admin_fail(n, ADMIN_REFUSED, "INFO replication has no %s", field);
	if (status == ADMIN_OK)
		*value = strtoll(text_value, NULL, 10);
	free(text);
	return status;
}

void admin_probe_all(struct ctable *t, struct admin_node *seed, const char *password,
		     int timeout_ms)
{
	char *sig = ctable_signature(t);

	for (size_t i = 0; i < t->n; i++) {
		struct cnode *c = &t->nodes[i];
		struct admin_node n;
		if (c->flags & CN_MYSELF) {
			admin_probe(seed, c, sig);
			continue;
		}
		if (!*c->host || (c->flags & CN_HANDSHAKE)) {
			c->probe = (struct cnode_probe){ .probed = true };
			snprintf(c->probe.error, sizeof(c->probe.error), "no address known");
			continue;
		}
		admin_open(&n, c->host, c->port, password, timeout_ms);
		admin_probe(&n, c, sig);
		admin_close(&n);
	}
	free(sig);
}
