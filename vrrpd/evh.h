/* evh.h - how a module has the daemon's event loop watch a descriptor of
 * its own: it embeds a struct evh (as the first member, by convention)
 * and asks the loop, through a watch function it was given, to call
 * h->fn when the descriptor is ready. */
#ifndef VIPD_EVH_H
#define VIPD_EVH_H

#include <stdint.h>

struct evh {
	void (*fn)(struct evh *h, uint32_t events); /* EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP bits */
};

/* Watch fd for events (EPOLLIN and/or EPOLLOUT), replacing what was
 * watched before; events 0 stops watching. 0 or -1 with errno. */
typedef int (*evh_watch_fn)(void *ctx, int fd, uint32_t events, struct evh *h);

#endif
