/* giveup.c - the giveup state file: "NAME UNTIL" lines, UNTIL a unix
 * time or 0 for no limit. Wall-clock times, as the monotonic clock
 * starts again with the machine. */
#include "giveup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "instance.h"
#include "log.h"

static void giveup_path(const struct vipd *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/" GIVEUP_FILE, d->cfg.state_dir);
}

void giveup_save(struct vipd *d)
{
	char path[512], tmp[520];
	FILE *f;

	giveup_path(d, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	mkdir(d->cfg.state_dir, 0750);
	/* A leftover of another owner (a vipd that ran as root) cannot be
	 * opened for writing; the directory is ours, so it can go. */
	unlink(tmp);
	f = fopen(tmp, "w");
	if (!f) {
		log_err("cannot write %s: %s", tmp, strerror(errno));
		return;
	}
	fsm_time now = vipd_now();
	for (size_t i = 0; i < d->ninst; i++) {
		const struct fsm *fs = &d->inst[i]->fsm;
		if (!fs->giveup || fs->giveup_until <= now)
			continue;
		long long until = fs->giveup_until == FSM_NEVER ? 0 : (long long)vipd_wall(fs->giveup_until);
		fprintf(f, "%s %lld\n", d->inst[i]->cfg->name, until);
	}
	/* Renamed into place: a crash leaves the old file or the new one. */
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		log_err("cannot write %s: %s", path, strerror(errno));
}

void giveup_load(struct vipd *d)
{
	char path[512], name[CONFIG_NAME_MAX];
	long long until;
	FILE *f;

	giveup_path(d, path, sizeof(path));
	f = fopen(path, "r");
	if (!f) {
		if (errno != ENOENT)
			log_err("cannot read %s (giveups from before the restart are lost): %s", path,
				strerror(errno));
		return;
	}
	fsm_time now = vipd_now();
	time_t wall = time(NULL);
	while (fscanf(f, "%63s %lld", name, &until) == 2) {
		struct instance *in = vipd_instance(d, name);
		if (!in || (until && until <= wall))
			continue;
		fsm_time m = until ? now + (fsm_time)(until - wall) * 1000000 : FSM_NEVER;
		log_notice("vip %s: giveup remembered from before the restart%s", name,
			   until ? " (with a time limit)" : "");
		instance_giveup(d, in, now, m);
	}
	fclose(f);
}
