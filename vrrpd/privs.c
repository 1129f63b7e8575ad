/* privs.c - drop to an unprivileged user that keeps CAP_NET_ADMIN and
 * CAP_NET_RAW.
 *
 * What the daemon still does after the drop, and why these two suffice:
 * captures opened later (an interface that appears, a reopen after an
 * error) and raw send sockets need CAP_NET_RAW; address changes over
 * netlink and the nftables table need CAP_NET_ADMIN. The control socket
 * is already listening and stays root's (mode 0600); the configuration
 * is re-read on reload as the user; the state directory becomes the
 * user's. */
#include "privs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

static const cap_value_t privs_keep[] = { CAP_NET_ADMIN, CAP_NET_RAW };
#define PRIVS_NKEEP ((int)(sizeof(privs_keep) / sizeof(privs_keep[0])))

/* A decimal id that fits uid_t/gid_t and is not the "-1" sentinel. */
static bool parse_id(const char *s, unsigned long *out)
{
	char *end;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno == 0 && *out < (unsigned long)(uid_t)-1;
}

/* The user named (or numbered) s; NULL if none. */
static struct passwd *find_user(const char *s)
{
	unsigned long id;
	struct passwd *pw = getpwnam(s);

	if (!pw && parse_id(s, &id))
		pw = getpwuid((uid_t)id);
	return pw;
}

static int find_group(const char *s, gid_t *gid)
{
	unsigned long id;
	struct group *gr = getgrnam(s);

	if (gr) {
		*gid = gr->gr_gid;
		return 0;
	}
	if (!parse_id(s, &id))
		return -1;
	*gid = (gid_t)id;
	return 0;
}

static int resolve_default(struct privs_user *u, char *err, size_t errlen)
{
	struct passwd *pw = getpwnam(PRIVS_DEFAULT_USER);
	gid_t gid;

	if (pw) {
		snprintf(u->name, sizeof(u->name), "%s", PRIVS_DEFAULT_USER);
		u->uid = pw->pw_uid;
		u->gid = pw->pw_gid;
		return 0;
	}
	pw = getpwnam(PRIVS_FALLBACK_USER);
	if (!pw) {
		snprintf(err, errlen, "neither user %s nor user %s exists: name one with -u USER[:GROUP]",
			 PRIVS_DEFAULT_USER, PRIVS_FALLBACK_USER);
		return -1;
	}
	snprintf(u->name, sizeof(u->name), "%s", PRIVS_FALLBACK_USER);
	u->uid = pw->pw_uid;
	u->gid = find_group(PRIVS_FALLBACK_GROUP, &gid) == 0 ? gid : pw->pw_gid;
	return 0;
}

static int resolve_spec(const char *spec, struct privs_user *u, char *err, size_t errlen)
{
	char user[sizeof(u->name)];
	const char *colon = strchr(spec, ':');
	size_t ulen = colon ? (size_t)(colon - spec) : strlen(spec);
	unsigned long id;

	if (ulen == 0 || ulen >= sizeof(user) || (colon && !colon[1])) {
		snprintf(err, errlen, "-u %s: expected USER or USER:GROUP", spec);
		return -1;
	}
	memcpy(user, spec, ulen);
	user[ulen] = '\0';
	struct passwd *pw = find_user(user);
	if (pw) {
		snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
		u->uid = pw->pw_uid;
		u->gid = pw->pw_gid;
	} else if (parse_id(user, &id) && colon) {
		/* A bare number with no passwd entry (containers): fine, as
		 * long as the group is given too. */
		snprintf(u->name, sizeof(u->name), "%s", user);
		u->uid = (uid_t)id;
	} else {
		snprintf(err, errlen, "-u %s: no such user '%s'%s", spec, user,
			 parse_id(user, &id) ? " (a numeric uid without a passwd entry needs :GROUP)" : "");
		return -1;
	}
	if (colon && find_group(colon + 1, &u->gid) < 0) {
		snprintf(err, errlen, "-u %s: no such group '%s'", spec, colon + 1);
		return -1;
	}
	if (u->uid == 0 && colon) {
		snprintf(err, errlen, "-u %s: root keeps every privilege; a group makes no sense with it", spec);
		return -1;
	}
	return 0;
}

int privs_resolve(const char *spec, struct privs_user *u, char *err, size_t errlen)
{
	uid_t self = geteuid();

	memset(u, 0, sizeof(*u));
	if (!spec && self != 0) {
		/* Started unprivileged (with file or ambient capabilities):
		 * stay who we are. */
		struct passwd *pw = getpwuid(self);
		if (pw)
			snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
		else
			snprintf(u->name, sizeof(u->name), "%u", (unsigned)self);
		u->uid = self;
		u->gid = getegid();
		return 0;
	}
	if ((spec ? resolve_spec(spec, u, err, errlen) : resolve_default(u, err, errlen)) < 0)
		return -1;
	if (u->uid == 0) {
		if (self != 0) {
			snprintf(err, errlen, "-u %s: vipd was not started as root", spec ? spec : "root");
			return -1;
		}
		u->keep_root = true;
		return 0;
	}
	if (self == 0) {
		u->switch_user = true;
	} else if (u->uid != self || u->gid != getegid()) {
		snprintf(err, errlen, "-u %s: vipd was started as uid %u, not root: it cannot switch to another user",
			 u->name, (unsigned)self);
		return -1;
	}
	return 0;
}

/* --- the state directory --- */

/* mkdir -p of everything above path's last component. */
static int make_parents(const char *path, char *err, size_t errlen)
{
	char dir[4096];

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		snprintf(err, errlen, "state_dir %s: path too long", path);
		return -1;
	}
	char *last = strrchr(dir, '/');
	if (!last || last == dir)
		return 0;
	*last = '\0';
	for (char *p = dir + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create directory %s: %s", dir, strerror(errno));
			return -1;
		}
		*p = c;
		if (!c)
			return 0;
	}
}

static bool is_own_file(const char *name, const char *const *own_files)
{
	for (; own_files && *own_files; own_files++)
		if (strcmp(name, *own_files) == 0)
			return true;
	return false;
}

/* The directory is not the user's yet: it may hold only vipd's own
 * files, which go to the user with it. Links are left alone (nothing
 * outside the directory is ever handed over). */
static int adopt_contents(const struct privs_user *u, int dfd, const char *path, const char *const *own_files,
			  char *err, size_t errlen)
{
	int lfd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = lfd < 0 ? NULL : fdopendir(lfd);
	struct dirent *e;
	int rc = 0;

	if (!dir) {
		snprintf(err, errlen, "cannot list state_dir %s: %s", path, strerror(errno));
		if (lfd >= 0)
			close(lfd);
		return -1;
	}
	while (rc == 0 && (e = readdir(dir))) {
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (!is_own_file(e->d_name, own_files)) {
			snprintf(err, errlen, "state_dir %s holds %s, which is not vipd's: refusing to give the "
				 "directory to %s (give vipd a directory of its own)", path, e->d_name, u->name);
			rc = -1;
		} else if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
			   st.st_nlink == 1 &&
			   fchownat(dirfd(dir), e->d_name, u->uid, u->gid, AT_SYMLINK_NOFOLLOW) < 0) {
			snprintf(err, errlen, "cannot give %s/%s to %s: %s", path, e->d_name, u->name,
				 strerror(errno));
			rc = -1;
		}
	}
	closedir(dir);
	return rc;
}

int privs_prepare_dir(const struct privs_user *u, const char *path, const char *const *own_files,
		      char *err, size_t errlen)
{
	struct stat st;

	if (!u->switch_user)
		return 0;
	if (make_parents(path, err, errlen) < 0)
		return -1;
	if (mkdir(path, 0750) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create state_dir %s: %s", path, strerror(errno));
		return -1;
	}
	/* O_PATH: no read permission needed on a directory the user owns. */
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "cannot open state_dir %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int rc = 0;
	if (st.st_uid != u->uid)
		rc = adopt_contents(u, fd, path, own_files, err, errlen);
	if (rc == 0 && (st.st_uid != u->uid || st.st_gid != u->gid) &&
	    fchownat(fd, "", u->uid, u->gid, AT_EMPTY_PATH) < 0) {
		snprintf(err, errlen, "cannot give state_dir %s to %s: %s", path, u->name, strerror(errno));
		rc = -1;
	}
	close(fd);
	return rc;
}

/* --- the switch --- */

static int fail(char *err, size_t errlen, const char *step)
{
	snprintf(err, errlen, "%s: %s", step, strerror(errno));
	return -1;
}

/* After the switch: the ids, the groups, the capabilities, the flag;
 * and root must be out of reach. */
static int verify(const struct privs_user *u, cap_t want, char *err, size_t errlen)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (getresuid(&r, &e, &s) < 0 || getresgid(&rg, &eg, &sg) < 0)
		return fail(err, errlen, "checking the user ids");
	if (r != u->uid || e != u->uid || s != u->uid || rg != u->gid || eg != u->gid || sg != u->gid) {
		snprintf(err, errlen, "check: running as uid %u/%u/%u gid %u/%u/%u, not %u/%u", (unsigned)r,
			 (unsigned)e, (unsigned)s, (unsigned)rg, (unsigned)eg, (unsigned)sg, (unsigned)u->uid,
			 (unsigned)u->gid);
		return -1;
	}
	if (u->switch_user && getgroups(0, NULL) != 0) {
		snprintf(err, errlen, "check: supplementary groups are still set");
		return -1;
	}
	cap_t now = cap_get_proc();
	if (!now)
		return fail(err, errlen, "check: cap_get_proc");
	int diff = cap_compare(now, want);
	cap_free(now);
	if (diff != 0) {
		snprintf(err, errlen, "check: the capabilities are not exactly cap_net_admin,cap_net_raw");
		return -1;
	}
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
		snprintf(err, errlen, "check: no_new_privs is not set");
		return -1;
	}
	if (setuid(0) == 0 || errno != EPERM) {
		snprintf(err, errlen, "check: setuid(0) did not fail with EPERM (%s)", strerror(errno));
		return -1;
	}
	if (u->gid != 0 && (setgid(0) == 0 || errno != EPERM)) {
		snprintf(err, errlen, "check: setgid(0) did not fail with EPERM (%s)", strerror(errno));
		return -1;
	}
	return 0;
}

int privs_drop(const struct privs_user *u, char *err, size_t errlen)
{
	char step[128];
	int rc = -1;

	if (u->keep_root)
		return 0;
	cap_t want = cap_init();
	if (!want)
		return fail(err, errlen, "cap_init");
	if (cap_set_flag(want, CAP_PERMITTED, PRIVS_NKEEP, privs_keep, CAP_SET) < 0 ||
	    cap_set_flag(want, CAP_EFFECTIVE, PRIVS_NKEEP, privs_keep, CAP_SET) < 0) {
		fail(err, errlen, "cap_set_flag");
		goto out;
	}
	if (u->switch_user) {
		/* Keep the permitted set across setuid; the kernel clears the
		 * effective set, and cap_set_proc() raises the two again. */
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
			fail(err, errlen, "prctl(PR_SET_KEEPCAPS, 1)");
			goto out;
		}
		if (setgroups(0, NULL) < 0) {
			fail(err, errlen, "setgroups (dropping the supplementary groups)");
			goto out;
		}
		if (setresgid(u->gid, u->gid, u->gid) < 0) {
			snprintf(step, sizeof(step), "setgid to gid %u", (unsigned)u->gid);
			fail(err, errlen, step);
			goto out;
		}
		if (setresuid(u->uid, u->uid, u->uid) < 0) {
			snprintf(step, sizeof(step), "setuid to uid %u", (unsigned)u->uid);
			fail(err, errlen, step);
			goto out;
		}
	}
	if (cap_set_proc(want) < 0) {
		fail(err, errlen, "limiting the capabilities to cap_net_admin,cap_net_raw");
		goto out;
	}
	if (u->switch_user && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) {
		fail(err, errlen, "prctl(PR_SET_KEEPCAPS, 0)");
		goto out;
	}
	/* Ambient capabilities would survive an execve; there should be
	 * none (not supported before Linux 4.3: EINVAL). */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
		fail(err, errlen, "clearing the ambient capabilities");
		goto out;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		fail(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS)");
		goto out;
	}
	rc = verify(u, want, err, errlen);
out:
	cap_free(want);
	return rc;
}

void privs_describe(char *buf, size_t len)
{
	cap_t c = cap_get_proc();
	size_t used = 0;

	snprintf(buf, len, "none");
	if (!c)
		return;
	for (cap_value_t v = 0; v < (cap_value_t)cap_max_bits(); v++) {
		cap_flag_value_t f;
		if (cap_get_flag(c, v, CAP_EFFECTIVE, &f) < 0 || f != CAP_SET)
			continue;
		char *name = cap_to_name(v);
		if (!name)
			continue;
		int n = snprintf(buf + used, used < len ? len - used : 0, "%s%s", used ? "," : "", name);
		cap_free(name);
		if (n < 0 || used + (size_t)n >= len)
			break;
		used += (size_t)n;
	}
	cap_free(c);
}
