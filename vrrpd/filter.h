/* filter.h - Accept_Mode (RFC 5798 6.1) with an nftables table of vipd's own. */
#ifndef VIPD_FILTER_H
#define VIPD_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

struct filter;

/* Make the kernel's filter match cfg: drop traffic addressed to the VIPs
 * of every instance with accept_mode = false (the address owner excepted),
 * neighbour discovery excepted. Creates the table on first need, replaces
 * it atomically afterwards, removes it when no instance needs it.
 * 0, or -1 with err (then the previous rules stay). */
int filter_sync(struct filter **fp, const struct vipd_config *cfg, char *err, size_t errlen);

/* Remove the table (if any) and free. */
void filter_close(struct filter *f);

#endif
