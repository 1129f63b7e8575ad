/* client_batch.c - batch bookkeeping: routing, regrouping and replies.
 * No I/O here; client.c drives it. */
#include "client_batch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cluster_batch *cluster_batch_new(void)
{
	return calloc(1, sizeof(struct cluster_batch));
}

static void cmd_clear(struct batch_cmd *cmd)
{
	if (cmd->reply)
		freeReplyObject(cmd->reply);
	free(cmd->error);
	cmd->reply = NULL;
	cmd->error = NULL;
	cmd->state = BATCH_PENDING;
	cmd->asking = false;
	cmd->acked = false;
	cmd->last_redirect = SLOT_REDIRECT_NONE;
	cmd->target = -1;
	cmd->held = -1;
}

void cluster_batch_free(struct cluster_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++) {
		cmd_clear(&b->cmds[i]);
		redisFreeCommand(b->cmds[i].buf);
	}
	free(b->cmds);
	free(b->addrs);
	free(b);
}

void batch_reset(struct cluster_batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		cmd_clear(&b->cmds[i]);
}

int batch_push(struct cluster_batch *b, char *buf, size_t len, uint16_t slot)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		struct batch_cmd *c = realloc(b->cmds, cap * sizeof(*c));
		if (!c) {
			redisFreeCommand(buf);
			return -1;
		}
		b->cmds = c;
		b->cap = cap;
	}
	struct batch_cmd *cmd = &b->cmds[b->n++];
	memset(cmd, 0, sizeof(*cmd));
	cmd->buf = buf;
	cmd->len = len;
	cmd->slot = slot;
	cmd->target = -1;
	cmd->held = -1;
	return 0;
}

int batch_push_formatted(struct cluster_batch *b, char *buf, size_t len)
{
	redisReader *rd = redisReaderCreate();
	redisReply *r = NULL;
	int slot = -1;

	/* The command is a RESP array of bulk strings; hiredis's own reader
	 * takes it apart, so the key is exactly what the server will see. */
	if (rd && redisReaderFeed(rd, buf, len) == REDIS_OK &&
	    redisReaderGetReply(rd, (void **)&r) == REDIS_OK && r && r->type == REDIS_REPLY_ARRAY &&
	    r->elements >= 2 && r->element[1]->type == REDIS_REPLY_STRING)
		slot = slot_of(r->element[1]->str, r->element[1]->len);
	if (r)
		freeReplyObject(r);
	if (rd)
		redisReaderFree(rd);
	if (slot < 0) {
		redisFreeCommand(buf);
		return -1;
	}
	return batch_push(b, buf, len, (uint16_t)slot);
}

int cluster_batch_add(struct cluster_batch *b, int key_index, int argc, const char **argv,
		      const size_t *lens)
{
	char *buf = NULL;
	int len;

	if (argc < 2 || key_index < 1 || key_index >= argc)
		return -1;
	len = redisFormatCommandArgv(&buf, argc, argv, lens);
	if (len < 0)
		return -1;
	size_t klen = lens ? lens[key_index] : strlen(argv[key_index]);
	return batch_push(b, buf, (size_t)len, slot_of(argv[key_index], klen));
}

void cluster_batch_set_wait(struct cluster_batch *b, int replicas, int timeout_ms)
{
	b->wait_replicas = replicas > 0 ? replicas : 0;
	b->wait_ms = timeout_ms > 0 ? timeout_ms : 0;
}

size_t cluster_batch_count(const struct cluster_batch *b)
{
	return b->n;
}

const redisReply *cluster_batch_reply(const struct cluster_batch *b, size_t i)
{
	return i < b->n ? b->cmds[i].reply : NULL;
}

const char *cluster_batch_error(const struct cluster_batch *b, size_t i)
{
	if (i >= b->n)
		return "no such command";
	if (b->cmds[i].state == BATCH_FAILED && !b->cmds[i].error)
		return "out of memory";
	return b->cmds[i].error;
}

int cluster_batch_acked(const struct cluster_batch *b, size_t i)
{
	return i < b->n && b->cmds[i].acked;
}

redisReply *batch_take_reply(struct cluster_batch *b, size_t i)
{
	redisReply *r = b->cmds[i].reply;

	b->cmds[i].reply = NULL;
	return r;
}

int batch_addr_index(struct cluster_batch *b, const struct slot_addr *addr)
{
	for (size_t i = 0; i < b->naddrs; i++)
		if (slot_addr_equal(&b->addrs[i], addr))
			return (int)i;
	if (b->naddrs == b->addrcap) {
		size_t cap = b->addrcap ? b->addrcap * 2 : 8;
		struct slot_addr *a = realloc(b->addrs, cap * sizeof(*a));
		if (!a)
			return -1;
		b->addrs = a;
		b->addrcap = cap;
	}
	b->addrs[b->naddrs] = *addr;
	return (int)b->naddrs++;
}

static void set_error(struct batch_cmd *cmd, const char *fmt, va_list ap)
{
	free(cmd->error);
	if (vasprintf(&cmd->error, fmt, ap) < 0)
		cmd->error = NULL;
}

void batch_fail(struct cluster_batch *b, size_t i, bool unreached, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error(&b->cmds[i], fmt, ap);
	va_end(ap);
	b->cmds[i].state = unreached ? BATCH_UNREACHED : BATCH_FAILED;
}

static void note(struct batch_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct batch_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error(cmd, fmt, ap);
	va_end(ap);
}

/* Decide where command i goes this round: 1 planned, 0 not, -1 no memory. */
static int route(struct cluster_batch *b, size_t i, const struct slot_map *m)
{
	struct batch_cmd *cmd = &b->cmds[i];
	const struct slot_addr *owner = slot_map_owner(m, cmd->slot);
	int t;

	if (cmd->state == BATCH_UNREACHED) {
		/* Retrying the same node would fail the same way; a refresh
		 * that moved the slot (a failover) is worth another try. */
		if (cmd->asking || !owner || cmd->target < 0 ||
		    slot_addr_equal(owner, &b->addrs[cmd->target])) {
			cmd->state = BATCH_FAILED;
			return 0;
		}
		free(cmd->error);
		cmd->error = NULL;
		cmd->state = BATCH_PENDING;
	}
	if (cmd->state == BATCH_HELD) {
		/* batch_vet_redirects decides these after every round. */
		batch_fail(b, i, false, "slot %u: redirect not verified", cmd->slot);
		return 0;
	}
	if (cmd->state != BATCH_PENDING)
		return 0;
	if (cmd->asking)
		return 1;
	if (!owner) {
		batch_fail(b, i, false, "slot %u is not served by any node", cmd->slot);
		return 0;
	}
	t = batch_addr_index(b, owner);
	if (t < 0)
		return -1;
	cmd->target = t;
	return 1;
}

int batch_plan(struct cluster_batch *b, const struct slot_map *m, struct batch_plan *p)
{
	size_t *count, planned = 0;

	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < b->n; i++) {
		int r = route(b, i, m);
		if (r < 0)
			return -1;
		planned += (size_t)r;
	}
	if (!planned)
		return 0;

	/* Count per node, then lay the groups out in one index array. */
	count = calloc(b->naddrs, sizeof(*count));
	p->groups = calloc(b->naddrs, sizeof(*p->groups));
	p->idx = malloc(planned * sizeof(*p->idx));
	if (!count || !p->groups || !p->idx) {
		free(count);
		batch_plan_free(p);
		return -1;
	}
	for (size_t i = 0; i < b->n; i++)
		if (b->cmds[i].state == BATCH_PENDING)
			count[b->cmds[i].target]++;
	size_t off = 0;
	for (size_t a = 0; a < b->naddrs; a++) {
		if (!count[a])
			continue;
		struct batch_group *g = &p->groups[p->ngroups++];
		g->addr = a;
		g->idx = p->idx + off;
		off += count[a];
		count[a] = (size_t)(g - p->groups); /* from now on: the group of node a */
	}
	for (size_t i = 0; i < b->n; i++) {
		if (b->cmds[i].state != BATCH_PENDING)
			continue;
		struct batch_group *g = &p->groups[count[b->cmds[i].target]];
		g->idx[g->n++] = i;
	}
	free(count);
	return (int)planned;
}

void batch_plan_free(struct batch_plan *p)
{
	free(p->groups);
	free(p->idx);
	memset(p, 0, sizeof(*p));
}

enum batch_outcome batch_deliver(struct cluster_batch *b, size_t i, redisReply *r, size_t from,
				 struct slot_map *m)
{
	struct batch_cmd *cmd = &b->cmds[i];
	struct slot_redirect rd;
	int kind, t;

	cmd->asking = false;
	if (r->type != REDIS_REPLY_ERROR)
		goto keep;
	if (r->len >= 9 && memcmp(r->str, "TRYAGAIN ", 9) == 0) {
		/* A multi-key command met a slot half migrated: the same
		 * place, a little later. */
		freeReplyObject(r);
		cmd->last_redirect = SLOT_REDIRECT_NONE;
		cmd->target = (int32_t)from;
		return BATCH_OUT_TRYAGAIN;
	}
	kind = slot_redirect_parse(r->str, r->len, &rd);
	if (kind != SLOT_REDIRECT_MOVED && kind != SLOT_REDIRECT_ASK)
		goto keep;
	if (!rd.addr.host[0]) /* "MOVED 3999 :6381": the host we asked */
		memcpy(rd.addr.host, b->addrs[from].host, sizeof(rd.addr.host));
	t = batch_addr_index(b, &rd.addr);
	if (t < 0)
		goto keep;
	freeReplyObject(r);
	cmd->last_redirect = (uint8_t)kind;
	if (!slot_map_redirect_allowed(m, &rd.addr)) {
		/* An address no node of the map named: neither connect nor
		 * AUTH there before a reloaded map says it is a node of the
		 * cluster. The batch only notes the address. */
		cmd->state = BATCH_HELD;
		cmd->target = (int32_t)from;
		cmd->held = t;
		return BATCH_OUT_HELD;
	}
	cmd->target = t;
	if (kind == SLOT_REDIRECT_ASK) {
		cmd->asking = true;
		return BATCH_OUT_ASK;
	}
	/* Out of memory here only delays the fix to the refresh that a
	 * MOVED also triggers. */
	(void)slot_map_set_owner(m, rd.slot, &rd.addr);
	return BATCH_OUT_MOVED;
keep:
	cmd->reply = r;
	cmd->state = BATCH_DONE;
	return BATCH_OUT_REPLY;
}

void batch_ack(struct cluster_batch *b, const struct batch_group *g, const redisReply *wait,
	       const char *why)
{
	char node[HOSTPORT_STRLEN];

	slot_addr_str(&b->addrs[g->addr], node);
	for (size_t j = 0; j < g->n; j++) {
		struct batch_cmd *cmd = &b->cmds[g->idx[j]];
		if (cmd->state != BATCH_DONE)
			continue;
		cmd->acked = wait && wait->type == REDIS_REPLY_INTEGER &&
			     wait->integer >= b->wait_replicas;
		if (cmd->acked)
			continue;
		if (!wait)
			note(cmd, "%s", why);
		else if (wait->type == REDIS_REPLY_INTEGER)
			note(cmd, "%s: WAIT: %lld of %d replicas confirmed within %d ms", node,
			     wait->integer, b->wait_replicas, b->wait_ms);
		else if (wait->type == REDIS_REPLY_ERROR)
			note(cmd, "%s: WAIT: %s", node, wait->str);
		else
			note(cmd, "%s: WAIT: unexpected reply type %d", node, wait->type);
	}
}

void batch_reapply_moved(const struct cluster_batch *b, struct slot_map *m)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct batch_cmd *cmd = &b->cmds[i];
		if (cmd->state == BATCH_PENDING && cmd->last_redirect == SLOT_REDIRECT_MOVED &&
		    cmd->target >= 0 && slot_map_redirect_allowed(m, &b->addrs[cmd->target]))
			(void)slot_map_set_owner(m, cmd->slot, &b->addrs[cmd->target]);
	}
}

void batch_vet_redirects(struct cluster_batch *b, struct slot_map *m, struct batch_vetting *out)
{
	char from[HOSTPORT_STRLEN], to[HOSTPORT_STRLEN];

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < b->n; i++) {
		struct batch_cmd *cmd = &b->cmds[i];
		if (cmd->state != BATCH_HELD)
			continue;
		const struct slot_addr *a = &b->addrs[cmd->held];
		bool ask = cmd->last_redirect == SLOT_REDIRECT_ASK;
		if (slot_map_redirect_allowed(m, a)) {
			cmd->state = BATCH_PENDING;
			cmd->target = cmd->held;
			cmd->asking = ask;
			if (!ask)
				(void)slot_map_set_owner(m, cmd->slot, a);
			if (ask)
				out->ask++;
			else
				out->moved++;
		} else {
			if (!out->refused++)
				out->first_refused = i;
			batch_fail(b, i, false,
				   "%s: %s %u to %s refused: not a node of the cluster's slot map",
				   slot_addr_str(&b->addrs[cmd->target], from), ask ? "ASK" : "MOVED",
				   cmd->slot, slot_addr_str(a, to));
		}
		cmd->held = -1;
	}
}

void batch_give_up(struct cluster_batch *b, int rounds)
{
	static const char *const how[] = {
		[SLOT_REDIRECT_NONE] = "TRYAGAIN from",
		[SLOT_REDIRECT_MOVED] = "MOVED to",
		[SLOT_REDIRECT_ASK] = "ASK to",
	};
	char node[HOSTPORT_STRLEN];

	for (size_t i = 0; i < b->n; i++) {
		struct batch_cmd *cmd = &b->cmds[i];
		if (cmd->state == BATCH_UNREACHED)
			cmd->state = BATCH_FAILED;
		if (cmd->state != BATCH_PENDING)
			continue;
		if (cmd->target >= 0)
			slot_addr_str(&b->addrs[cmd->target], node);
		else
			snprintf(node, sizeof(node), "?");
		batch_fail(b, i, false, "slot %u: still redirected after %d rounds (last: %s %s)",
			   cmd->slot, rounds, how[cmd->last_redirect], node);
	}
}

int batch_result(const struct cluster_batch *b, char *err, size_t errlen)
{
	size_t failed = 0, first = 0;

	for (size_t i = 0; i < b->n; i++) {
		if (b->cmds[i].state == BATCH_DONE)
			continue;
		if (!failed++)
			first = i;
	}
	if (!failed)
		return 0;
	const char *why = b->cmds[first].state == BATCH_FAILED ? cluster_batch_error(b, first) :
			  "not run";
	if (b->n == 1)
		snprintf(err, errlen, "%s", why);
	else
		snprintf(err, errlen, "%zu of %zu commands failed; first #%zu: %s", failed, b->n,
			 first, why);
	return -1;
}
