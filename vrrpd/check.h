/* check.h - running an instance's tracks: HTTP GETs (httpcheck.c),
 * scripts (proc.c) and interface states (netlink.c), each result fed to
 * track_result(). */
#ifndef VIPD_CHECK_H
#define VIPD_CHECK_H

#include <stdbool.h>

#include "instance.h"

/* Start the checks that are due. */
void check_run(struct vipd *d, struct instance *in, fsm_time now);

/* Read the tracked interfaces' states; true if a track changed state. */
bool check_interfaces(struct vipd *d, struct instance *in);

/* The next time a check is due, FSM_NEVER if none. */
fsm_time check_deadline(const struct instance *in);

/* Stop the checks in flight of these tracks (before they are freed). */
void check_cancel(struct vipd *d, struct track *t, size_t n);

#endif
