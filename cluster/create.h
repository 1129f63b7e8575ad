/* create.h - the steps of clusterctl create, for the verbs that make a
 * new cluster: create itself, and restore, which fills it afterwards.
 *
 *   struct create c = { .cmd = cmd, .replicas = 1, .wait_s = CREATE_DEFAULT_WAIT_S };
 *   create_set_nodes(&c, args, n);   HOST:PORT[@LABEL] operands
 *   create_connect(&c);              every node reachable, empty, alone: nothing changed yet
 *   create_plan(&c);                 roles and slots (placement_plan)
 *   create_build(&c);                slots, meet, replicate, wait until the cluster is ok
 *   create_free(&c);
 *
 * Each returns clusterctl's exit status (EXIT_OK to go on) and has said
 * why on stderr, as "clusterctl <verb>: ...". */
#ifndef CLUSTER_CREATE_H
#define CLUSTER_CREATE_H

#include <stdbool.h>
#include <stddef.h>

#include "admin.h"
#include "clusterctl.h"
#include "node_addr.h"
#include "placement.h"

#define CREATE_DEFAULT_WAIT_S 60

struct create {
	const struct command *cmd;
	int replicas, wait_s;
	bool colocated;
	bool one_line;                /* create_connect: one line for all unfit nodes */
	const char *password;
	size_t n;
	struct node_addr *addr;
	struct admin_node *node;
	const char **domain;
	struct placement_role *role;  /* once planned: role[i] of node[i] */
	long long deadline;
	char *expected;               /* the planned configuration's signature */
};

int create_set_nodes(struct create *c, char **args, size_t n);
int create_connect(struct create *c);
int create_plan(struct create *c);
void create_print_layout(const struct create *c);
int create_build(struct create *c);
void create_free(struct create *c);

#endif
