/* client_batch.h - the pure half of a batch: commands, their routing,
 * and where each reply goes. client.c does the sending and reading.
 *
 * One run is a series of rounds. Each round, batch_plan groups the commands
 * still pending by the node they go to; client.c pipelines each group to
 * its node and hands every reply to batch_deliver, which either keeps it
 * (at the command's own index, so the order of addition survives any
 * split) or turns it into a retry for the next round (MOVED, ASK,
 * TRYAGAIN). batch_unreached and batch_fail record commands whose node
 * could not be reached or failed.
 *
 * A redirect is followed only to a node of the slot map: one to any other
 * address is held, the map is reloaded, and batch_vet_redirects follows it
 * if the new map knows the node and refuses it otherwise. */
#ifndef CLUSTER_CLIENT_BATCH_H
#define CLUSTER_CLIENT_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "client.h"
#include "slot.h"

enum batch_state {
	BATCH_PENDING,   /* to be sent in the next round */
	BATCH_DONE,      /* has a reply */
	BATCH_FAILED,    /* has an error instead */
	BATCH_UNREACHED, /* its node was unreachable: retried only if its slot moved */
	BATCH_HELD,      /* redirected to a node the map does not know: see batch_vet_redirects */
};

struct batch_cmd {
	char *buf;             /* the command in RESP, from redisFormatCommandArgv */
	size_t len;
	uint16_t slot;
	uint8_t state;         /* enum batch_state */
	bool asking;           /* ASK: send ASKING first, to `target` */
	bool acked;            /* a WAIT after it was satisfied */
	uint8_t last_redirect; /* enum slot_redirect_kind of the last redirect */
	int32_t target;        /* index in addrs: where it goes (ASK) or last went */
	int32_t held;          /* BATCH_HELD: index in addrs of the node it was redirected to */
	redisReply *reply;
	char *error;           /* why it has no reply; or why WAIT was not satisfied */
};

struct cluster_batch {
	struct batch_cmd *cmds;
	size_t n, cap;
	/* The nodes this batch has talked to, so a command stores a small
	 * index instead of an address. */
	struct slot_addr *addrs;
	size_t naddrs, addrcap;
	int wait_replicas, wait_ms;
};

/* Append an already formatted command (taken over: freed with the batch,
 * also on failure). 0, or -1 out of memory. */
int batch_push(struct cluster_batch *b, char *buf, size_t len, uint16_t slot);

/* Append a command formatted by redisvFormatCommand: its routing key is its
 * second word, found by parsing the command with hiredis's reader. 0, or -1
 * when it has no key or memory ran out. */
int batch_push_formatted(struct cluster_batch *b, char *buf, size_t len);

/* Take the i-th reply out of the batch. */
redisReply *batch_take_reply(struct cluster_batch *b, size_t i);

/* Forget every reply and error: every command pending again. */
void batch_reset(struct cluster_batch *b);

/* Index of addr in b->addrs, added when missing; -1 out of memory. */
int batch_addr_index(struct cluster_batch *b, const struct slot_addr *addr);

struct batch_group {
	size_t addr;  /* index in b->addrs */
	size_t *idx;  /* command indices, ascending */
	size_t n;
};

struct batch_plan {
	struct batch_group *groups;
	size_t ngroups;
	size_t *idx; /* storage behind the groups' idx */
};

/* Group the pending commands by node: the ASK target, else the slot's
 * owner in m. An unreached command is pending again if its slot has moved
 * to another node since, and failed otherwise. A command whose slot no node
 * serves fails. Returns the number of commands planned (0: the run is
 * over), or -1 out of memory. */
int batch_plan(struct cluster_batch *b, const struct slot_map *m, struct batch_plan *p);
void batch_plan_free(struct batch_plan *p);

/* What a reply meant. */
enum batch_outcome {
	BATCH_OUT_REPLY,    /* kept as the command's reply */
	BATCH_OUT_MOVED,    /* the slot moved: m updated, retry */
	BATCH_OUT_ASK,      /* retry once on another node, map untouched */
	BATCH_OUT_TRYAGAIN, /* retry after a pause */
	BATCH_OUT_HELD,     /* MOVED or ASK to a node not in m: held, reload the map */
};

/* Hand the reply to command i, which was sent to b->addrs[from]. The
 * reply is taken over. MOVED records the new owner in m; a redirect to a
 * node not in m touches neither m nor the command's target (held). */
enum batch_outcome batch_deliver(struct cluster_batch *b, size_t i, redisReply *r, size_t from,
				 struct slot_map *m);

/* Command i failed for good, or could not reach its node (unreached):
 * the message names the node. */
void batch_fail(struct cluster_batch *b, size_t i, bool unreached, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The WAIT that followed group g answered `wait` (NULL: no answer, and why
 * says why, naming the node): mark the group's commands that got a reply as
 * acked or not; a command not acked says why in its error. */
void batch_ack(struct cluster_batch *b, const struct batch_group *g, const redisReply *wait,
	       const char *why);

/* A MOVED is fresher news than a map loaded from some other node, which may
 * not have heard of the move yet: apply this round's MOVED redirects again
 * on top of a map just reloaded, to nodes the new map knows. */
void batch_reapply_moved(const struct cluster_batch *b, struct slot_map *m);

/* What batch_vet_redirects did with the held commands. */
struct batch_vetting {
	size_t moved, ask;   /* followed: the new map knows the node */
	size_t refused;      /* failed: it does not */
	size_t first_refused; /* index of the first command refused */
};

/* Decide every held command against m, a map reloaded since it was held:
 * follow its redirect when m knows the node (pending again; MOVED records
 * the owner in m, ASK sends ASKING first), fail it otherwise with an error
 * that names the node that sent the redirect and the address refused. */
void batch_vet_redirects(struct cluster_batch *b, struct slot_map *m, struct batch_vetting *out);

/* Fail what is still pending after the last round allowed. */
void batch_give_up(struct cluster_batch *b, int rounds);

/* 0 when every command has a reply; else -1 and err holds the first
 * failure ("3 of 1000 commands failed; first: #17: ..."). */
int batch_result(const struct cluster_batch *b, char *err, size_t errlen);

#endif
