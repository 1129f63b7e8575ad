/* log.h - logging to stderr (foreground, or a supervisor that keeps
 * stderr) or to syslog, for every program. Safe from several threads: each
 * message is written whole. */
#ifndef LIB_LOG_H
#define LIB_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* ident names the program in every line. To stderr, lines read
 * "HH:MM:SS.mmm ident[pid]: message"; to syslog, LOG_DAEMON. */
void log_init(const char *ident, bool to_stderr, bool debug);
/* To stderr, lines without the time and pid ("ident: message"), for a
 * program whose supervisor stamps each line itself (systemd's journal, the
 * lab's log files through the supervisor). */
void log_init_plain(const char *ident);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
