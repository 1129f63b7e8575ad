/* dynlib.h - entry points of a shared library resolved at run time, so
 * that a daemon which does not use a feature does not map (and keep
 * resident) the library and everything it pulls in. */
#ifndef VIPD_DYNLIB_H
#define VIPD_DYNLIB_H

#include <stdbool.h>
#include <stddef.h>

struct dynsym {
	const char *name;
	void **slot;
};

/* dlopen soname and fill every slot of syms (ended by a NULL name),
 * once: *loaded records success, and a later call returns 0 at once
 * (loaded may be NULL). The handle is kept for the life of the process.
 * 0, or -1 with err naming the Debian package to install. */
int dynlib_load(const char *soname, const char *package, const struct dynsym *syms, bool *loaded, char *err,
		size_t errlen);

/* For a table built with an X-macro: { "name", (void **)&api.member }. */
#define DYNSYM(api, member, symbol) { #symbol, (void **)&(api).member },

#endif
