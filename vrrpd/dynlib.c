/* dynlib.c - dlopen and dlsym, with messages an operator can act on. */
#include "dynlib.h"

#include <dlfcn.h>
#include <stdio.h>

int dynlib_load(const char *soname, const char *package, const struct dynsym *syms, bool *loaded, char *err,
		size_t errlen)
{
	if (loaded && *loaded)
		return 0;
	void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

	if (!lib) {
		snprintf(err, errlen, "cannot load %s (apt-get install %s): %s", soname, package, dlerror());
		return -1;
	}
	for (const struct dynsym *s = syms; s->name; s++) {
		*s->slot = dlsym(lib, s->name);
		if (!*s->slot) {
			snprintf(err, errlen, "%s has no %s (a newer %s is needed)", soname, s->name, package);
			return -1;
		}
	}
	if (loaded)
		*loaded = true;
	return 0;
}
