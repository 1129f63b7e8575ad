/* status.h - what vipctl status shows: one line (and its details) per
 * instance, or the JSON object of ARCHITECTURE.md's contract. */
#ifndef VIPD_STATUS_H
#define VIPD_STATUS_H

#include <stdbool.h>

#include "control.h"
#include "vipd.h"

void status_write(const struct vipd *d, bool json, struct sbuf *b, fsm_time now);

#endif
