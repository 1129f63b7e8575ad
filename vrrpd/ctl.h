/* ctl.h - vipd's side of the control socket: one request per connection,
 * checked against control.c's verb table, answered by the handler bound
 * to its command. */
#ifndef VIPD_CTL_H
#define VIPD_CTL_H

#include "vipd.h"

/* A client is waiting on d->ctl_fd: accept, answer, close. */
void ctl_serve(struct vipd *d);

#endif
