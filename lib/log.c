/* log.c - see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static struct {
	bool to_stderr;
	bool stamped;
	bool debug;
	const char *ident;
} log_cfg = { true, true, false, "vipd" };

void log_init(const char *ident, bool to_stderr, bool debug)
{
	log_cfg.ident = ident;
	log_cfg.to_stderr = to_stderr;
	log_cfg.stamped = true;
	log_cfg.debug = debug;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_init_plain(const char *ident)
{
	log_cfg.ident = ident;
	log_cfg.to_stderr = true;
	log_cfg.stamped = false;
	log_cfg.debug = false;
}

/* "HH:MM:SS.mmm ident[pid]: " with millisecond wall-clock stamps, since
 * failover is measured in milliseconds; or "ident: ". */
static void log_prefix(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char when[32];

	if (!log_cfg.stamped) {
		snprintf(buf, size, "%s: ", log_cfg.ident);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03ld %s[%d]: ", when, ts.tv_nsec / 1000000, log_cfg.ident, (int)getpid());
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio == LOG_DEBUG && !log_cfg.debug)
		return;
	va_start(ap, fmt);
	if (log_cfg.to_stderr) {
		char prefix[96];
		log_prefix(prefix, sizeof(prefix));
		/* The lock keeps other threads' lines out of this one. */
		flockfile(stderr);
		fputs(prefix, stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		funlockfile(stderr);
	} else {
		vsyslog(prio, fmt, ap);
	}
	va_end(ap);
}
