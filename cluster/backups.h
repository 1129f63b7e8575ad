/* backups.h - reading an archive directory, for clusterctl backups and
 * clusterctl restore. */
#ifndef CLUSTER_BACKUPS_H
#define CLUSTER_BACKUPS_H

#include <stddef.h>

#include "history.h"

/* Every history in dir with a complete base copy, sorted by name (their
 * names start with the time of their base copy), with its files' size in
 * bytes. 0, or -1 with err ("DIR: Permission denied"). */
int backups_load(const char *dir, struct history **out, size_t *n, char *err, size_t errlen);
void backups_free(struct history *h, size_t n);

#endif
