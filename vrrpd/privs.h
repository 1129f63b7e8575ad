/* privs.h - least privilege: after the daemon has opened what needs root,
 * it continues as an unprivileged user that keeps only CAP_NET_ADMIN
 * (addresses, nftables, virtual_mac's macvlans) and CAP_NET_RAW
 * (captures, raw sockets). */
#ifndef VIPD_PRIVS_H
#define VIPD_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The user vipd runs as when -u is not given, if it exists; otherwise
 * PRIVS_FALLBACK_USER with PRIVS_FALLBACK_GROUP. */
#define PRIVS_DEFAULT_USER "vipd"
#define PRIVS_FALLBACK_USER "nobody"
#define PRIVS_FALLBACK_GROUP "nogroup"

struct privs_user {
	char name[64];        /* the user's name, for messages */
	uid_t uid;
	gid_t gid;
	bool keep_root;       /* -u root: stay uid 0 with every capability */
	bool switch_user;     /* started as root: setuid/setgid to uid/gid */
};

/* Resolve "USER[:GROUP]" (names or numbers; the group defaults to the
 * user's primary group), or the default when spec is NULL. Started as
 * another user than root, vipd can only stay that user. 0, or -1 with
 * err. */
int privs_resolve(const char *spec, struct privs_user *u, char *err, size_t errlen);

/* Create dir if missing (its parents root's, 0755; itself 0750) and give
 * it to the user. A directory the user does not own yet may hold nothing
 * but the files named in own_files: a mistyped state_dir such as /var/lib
 * is refused rather than given away. 0, or -1 with err. */
int privs_prepare_dir(const struct privs_user *u, const char *dir, const char *const *own_files,
		      char *err, size_t errlen);

/* Become the user for good, keeping exactly CAP_NET_ADMIN and CAP_NET_RAW
 * (permitted and effective), with no_new_privs set; then check that it
 * worked, root cannot be regained included. Each step is checked and
 * named in err. Nothing to do for keep_root. 0, or -1 with err. */
int privs_drop(const struct privs_user *u, char *err, size_t errlen);

/* "cap_net_admin,cap_net_raw": the effective capabilities, or "none". */
void privs_describe(char *buf, size_t len);

#endif
