/* replica_conn.h - the socket of one replication link of clusterctl
 * archive: connect with a timeout, the replica's handshake (AUTH, the
 * node's identity, REPLCONF listening-port and capa psync2), reads that
 * carry the moment the kernel received the bytes (SO_TIMESTAMP), and how
 * far the peer is known to have sent everything. What the bytes mean is
 * repl_stream.c's; what is kept, archive_link.c's. */
#ifndef CLUSTER_REPLICA_CONN_H
#define CLUSTER_REPLICA_CONN_H

#include <stddef.h>

#include "ctable.h"
#include "node_addr.h"

struct replica_conn {
	int fd;
	char peer[HOSTPORT_STRLEN];
	char err[200];          /* why the last call failed, naming the peer */
	char *buf;              /* bytes read and not used yet */
	size_t len, cap;
};

void rconn_init(struct replica_conn *c);

/* Connect to t. 0, or -1 with c->err. */
int rconn_open(struct replica_conn *c, const struct node_addr *t);

/* AUTH (user may be NULL), then make sure the node is the master want_id
 * ("" skips the id), then REPLCONF listening-port 0 and capa psync2.
 * 0, or -1 with c->err. */
int rconn_handshake(struct replica_conn *c, const char *user, const char *password,
		    const char *want_id);

/* Send one command as a RESP array. 0, or -1 with c->err. */
int rconn_send(struct replica_conn *c, int argc, const char **argv);

/* Append what can be read to c->buf, with the moment the kernel received
 * it in *when. 1 read, 0 end of stream, -1 error (errno). */
int rconn_receive(struct replica_conn *c, double *when);

/* Bytes waiting in the socket to be read (1 when unknown). */
int rconn_pending(const struct replica_conn *c);

/* The moment up to which the peer has sent us everything: while bytes
 * wait to be read, last_rx; else the last time its kernel acknowledged
 * our data (the link's REPLCONF ACK), when that is later. */
double rconn_confirmed_until(const struct replica_conn *c, double last_rx, double now);

void rconn_close(struct replica_conn *c);  /* the socket; the buffer stays */
void rconn_free(struct replica_conn *c);

#endif
