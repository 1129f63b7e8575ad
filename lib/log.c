/* log.c - logging to stderr (foreground) or syslog. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static struct {
	bool to_stderr;
	bool debug;
	const char *ident;
} log_cfg = { true, false, "vipd" };

void log_init(const char *ident, bool to_stderr, bool debug)
{
	log_cfg.ident = ident;
	log_cfg.to_stderr = to_stderr;
	log_cfg.debug = debug;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio == LOG_DEBUG && !log_cfg.debug)
		return;
	va_start(ap, fmt);
	if (log_cfg.to_stderr) {
		/* Millisecond wall-clock stamps: failover is measured in ms. */
		struct timespec ts;
		struct tm tm;
		char when[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld %s[%d]: ", when, ts.tv_nsec / 1000000, log_cfg.ident, (int)getpid());
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else {
		vsyslog(prio, fmt, ap);
	}
	va_end(ap);
}
