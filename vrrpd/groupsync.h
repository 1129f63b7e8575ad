/* groupsync.h - sync groups in the daemon: group.c's verdicts carried out
 * on the instances (held, stepped down, pulled up), after every batch of
 * events and after a reload. */
#ifndef VIPD_GROUPSYNC_H
#define VIPD_GROUPSYNC_H

#include "vipd.h"

/* Nothing while the daemon is stopping. */
void groupsync_run(struct vipd *d, fsm_time now);

#endif
