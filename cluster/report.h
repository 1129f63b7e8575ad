/* report.h - clusterctl check's verdict, for people (text) and for
 * programs (one JSON object). Both print what health_check found in the
 * seed's table; neither decides anything. */
#ifndef CLUSTER_REPORT_H
#define CLUSTER_REPORT_H

#include "ctable.h"
#include "health.h"

/* The nodes per failure domain, then one [FAIL] line per problem and the
 * verdict, on stdout. */
void report_print_text(const struct ctable *t, const struct health_report *r, const char *seed);

/* The same as one JSON object on one line of stdout. */
void report_print_json(const struct ctable *t, const struct health_report *r, const char *seed);

#endif
