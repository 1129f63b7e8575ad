/* conftext.h - a configuration file's text, made ready for libconfuse.
 * Shared by vipd.conf and newsd.conf. */
#ifndef VIPD_CONFTEXT_H
#define VIPD_CONFTEXT_H

#include <stddef.h>

/* Read path whole (at most max bytes) and blank out its comments, keeping
 * newlines, so that the line numbers libconfuse reports are the file's.
 * The heap text (NUL-terminated, *len bytes), or NULL with the reason in
 * msg and its line in *line (0 when it concerns the whole file). */
char *conftext_read(const char *path, size_t max, size_t *len, int *line, char *msg,
		    size_t msglen);

#endif
