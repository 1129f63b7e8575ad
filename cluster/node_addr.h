/* node_addr.h - node addresses as the operator writes them on clusterctl's
 * command line, HOST:PORT[@LABEL], and the order hosts are listed in.
 *
 * Pure: strings in, values out. The HOST:PORT part is lib/hostport.c's;
 * this adds the LABEL, the extra checks and the messages that quote what
 * was typed. */
#ifndef CLUSTER_NODE_ADDR_H
#define CLUSTER_NODE_ADDR_H

#include <stddef.h>

#include "hostport.h"

#define NODE_LABEL_MAX 64

struct node_addr {
	char host[HOSTPORT_HOST_MAX]; /* "10.0.0.1", "redis01", "fd00::1" (no brackets) */
	int port;
	char label[NODE_LABEL_MAX];   /* "" when there is none */
};

/* Parse "HOST:PORT", "HOST:PORT@LABEL" or "[V6]:PORT[@LABEL]". Returns 0, or
 * -1 with a message in err that quotes the text. */
int node_addr_parse(const char *text, struct node_addr *a, char *err, size_t errlen);

/* Order two hosts: IP addresses numerically (10.0.0.9 before 10.0.0.10),
 * anything else by name. */
int host_compare(const char *a, const char *b);

/* Order two failure domains (IPs or labels) like hosts, and never call two
 * different names equal. */
int domain_compare(const char *a, const char *b);

#endif
