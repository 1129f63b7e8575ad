/* when.h - the TIME of clusterctl restore: unix seconds (a fraction
 * allowed) or ISO 8601 in UTC, and the same moments written back for
 * people and for JSON.
 *
 * Pure: strings in, values out; no clock and no time zone is read, so
 * "2026-12-07T14:05:09Z" means the same moment on every machine. */
#ifndef CLUSTER_WHEN_H
#define CLUSTER_WHEN_H

#include <stddef.h>

/* "1796652309", "1796652309.25", "2026-12-07T14:05:09Z",
 * "2026-12-07T14:05:09.250Z" or the same with "+00:00" for the "Z".
 * Returns 0 with the moment in *out (unix seconds), or -1 with a message
 * in err that quotes the text. */
int when_parse(const char *text, double *out, char *err, size_t errlen);

/* Days from 1970-01-01 to the given civil date (proleptic Gregorian). */
long long when_days_from_civil(int year, int month, int day);

/* "2026-12-07T14:05:09Z" for whole seconds, "2026-12-07T14:05:09.250Z"
 * otherwise (milliseconds); returns buf. WHEN_STRLEN bytes are enough. */
#define WHEN_STRLEN 32
char *when_format(double t, char *buf, size_t len);

#endif
