/* reload.h - a configuration put into effect: at start, on SIGHUP and on
 * vipctl reload. An instance whose definition did not change keeps its
 * state and its VIPs; a bad file changes nothing. */
#ifndef VIPD_RELOAD_H
#define VIPD_RELOAD_H

#include <stddef.h>

#include "vipd.h"

/* Build the instance list for cfg (which d->cfg is, or is about to
 * become). 0, or -1 when out of memory (nothing changed). */
int reload_apply(struct vipd *d, struct vipd_config *cfg);

/* Serve metrics as d->cfg says: started, moved or stopped. */
void reload_metrics(struct vipd *d);

/* Re-read d->config_path and apply it. 0, or -1 with the problems in
 * err (the running configuration stays). */
int reload_file(struct vipd *d, char *err, size_t errlen);

#endif
