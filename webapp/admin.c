/* admin.c - newsd -c FILE --grant-admin NAME / --revoke-admin NAME: set or
 * clear a user's administrator flag in the cluster, then exit. Besides
 * the names newsd.conf lists in admins, this flag is the only way to make
 * an administrator: no account gets it by itself. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "site.h"

int admin_command(struct site *s, const char *name, int grant)
{
	struct req r = { .site = s, .method = "CLI", .status = 200, .route = -1 };
	struct user *u = NULL, by_name = { 0 };
	int was, rc = 1;

	r.now = (long)time(NULL);
	snprintf(r.ip, sizeof(r.ip), "local");
	if (!(r.c = cluster_open(&s->copts, r.cerr, sizeof(r.cerr)))) {
		fprintf(stderr, "newsd: cannot reach the cluster: %s\n", r.cerr);
		return 1;
	}
	if (db_user_by_name(&r, name, &u) < 0) {
		fprintf(stderr, "newsd: looking up user %s: %s\n", name, r.cerr);
		goto out;
	}
	if (!u) {
		fprintf(stderr, "newsd: there is no user named %s\n", name);
		goto out;
	}
	was = u->flags && strchr(u->flags, 'a');
	if (db_user_set_admin(&r, u, grant) < 0) {
		fprintf(stderr, "newsd: setting the flag of user %s: %s\n", u->username, r.cerr);
		goto out;
	}
	by_name.username = u->username;
	printf("newsd: %s (user %ld) %s an administrator%s\n", u->username, u->id,
	       grant ? (was ? "was already" : "is now") : (was ? "is no longer" : "was not"),
	       !grant && record_user_is_admin(&by_name, s->cfg.admins, s->cfg.nadmins)
		       ? " by flag, but stays one: newsd.conf names it in admins" : "");
	rc = 0;
out:
	user_free(u);
	cluster_close(r.c);
	return rc;
}
