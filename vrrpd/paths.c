/* paths.c - liveness of an instance's links (paths.h). */
#include "paths.h"

#include <string.h>

const char *path_state_name(enum path_state s)
{
	static const char *const names[] = { [PATH_UP] = "up", [PATH_SILENT] = "silent", [PATH_DOWN] = "down" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

void path_init(struct path_live *p, size_t n)
{
	memset(p, 0, n * sizeof(*p));
	for (size_t i = 0; i < n; i++)
		p[i].state = PATH_DOWN;
}

/* A path fails once per streak: from up, not from silent to down. */
static void path_set(struct path_live *p, size_t i, enum path_state to, struct path_change *ch)
{
	*ch = (struct path_change){ .index = i, .from = p[i].state, .to = to, .first = !p[i].known };
	if (p[i].known && p[i].state == PATH_UP && to != PATH_UP)
		p[i].failures++;
	p[i].state = to;
	p[i].known = true;
}

bool path_link(struct path_live *p, size_t n, size_t i, bool usable, fsm_time now, struct path_change *ch)
{
	if (i >= n)
		return false;
	if (usable && (!p[i].known || p[i].state == PATH_DOWN)) {
		p[i].last_heard = now;
		path_set(p, i, PATH_UP, ch);
		return true;
	}
	if (!usable && (!p[i].known || p[i].state != PATH_DOWN)) {
		path_set(p, i, PATH_DOWN, ch);
		return true;
	}
	return false;
}

size_t path_heard(struct path_live *p, size_t n, size_t i, fsm_time now, fsm_time mdi, struct path_change *ch)
{
	size_t nch = 0;

	if (i >= n)
		return 0;
	p[i].adverts++;
	p[i].last_heard = now;
	/* Heard on a link whose carrier netlink has not reported yet: it
	 * works, whatever the flags said. */
	if (p[i].state != PATH_UP || !p[i].known)
		path_set(p, i, PATH_UP, &ch[nch++]);
	for (size_t j = 0; j < n; j++)
		if (j != i && p[j].known && p[j].state == PATH_UP && now - p[j].last_heard > mdi)
			path_set(p, j, PATH_SILENT, &ch[nch++]);
	return nch;
}

void path_rearm(struct path_live *p, size_t n, fsm_time now)
{
	for (size_t i = 0; i < n; i++)
		p[i].last_heard = now;
}
