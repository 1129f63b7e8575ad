/* slot_count.h - how many hash slots a Redis Cluster has. Its own header
 * so the pure planners count slots without pulling in hiredis (slot.h). */
#ifndef CLUSTER_SLOT_COUNT_H
#define CLUSTER_SLOT_COUNT_H

#define SLOT_COUNT 16384

#endif
