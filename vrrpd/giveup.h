/* giveup.h - operator giveups survive a restart of vipd: a small state
 * file in state_dir, rewritten whenever one starts or ends. */
#ifndef VIPD_GIVEUP_H
#define VIPD_GIVEUP_H

#include "vipd.h"

/* The file's name in state_dir; written as NAME.tmp first. */
#define GIVEUP_FILE "giveup"

/* Write the current giveups; a failure is logged (the daemon runs on). */
void giveup_save(struct vipd *d);

/* Put the giveups of the file (those not expired) back on the instances. */
void giveup_load(struct vipd *d);

#endif
