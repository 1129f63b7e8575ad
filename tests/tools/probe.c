/* probe.c - client-side outage probe for failover benchmarks.
 *
 *   probe [-6] -i INTERVAL_US -d DURATION_S [-t TARGET_ADDR] [-o FILE]
 *
 * Sends ICMP (or ICMPv6) echo requests to TARGET at a fixed pace for
 * DURATION_S seconds, matches the replies by identifier and sequence, and
 * prints one line of key=value pairs at the end:
 *
 *   sent received lost   requests sent, distinct replies matched, the rest
 *   max_gap_ms           longest time without a reply: between two consecutive
 *                        replies, from the start to the first reply, or from
 *                        the last reply to the end
 *   gap_start_ms         where that gap begins, counted from the start
 *   mark_ms              when the first SIGUSR1 arrived (-1: none), so a
 *                        benchmark can tie an event it caused to the gap
 *   marks                how many SIGUSR1 arrived
 *   end_ms               where the measured window ended (DURATION_S, or
 *                        earlier when stopped by a signal)
 *   send_errors          sendto() failures (still counted as sent and lost)
 *   max_late_ms          worst lateness of a send against its deadline
 *
 * All times are CLOCK_MONOTONIC. Sends follow absolute deadlines
 * (start + n * interval), so a late wake-up never shifts the ones after it;
 * between deadlines the socket is polled and replies are timestamped as they
 * are read. SIGINT or SIGTERM ends the run early and still prints the line,
 * with the end moved to the moment the signal arrived.
 *
 * Needs a raw socket (root or CAP_NET_RAW). Uses nothing beyond libc.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The raw-socket ICMP filter is Linux ABI; <linux/icmp.h> declares it but
 * clashes with <netinet/ip_icmp.h>, so it is spelled out here. */
#ifndef ICMP_FILTER
#define ICMP_FILTER 1
struct icmp_filter {
	uint32_t data;
};
#endif

#define NSEC_PER_SEC 1000000000LL
#define NSEC_PER_MSEC 1000000LL

/* The last stretch before a deadline is slept with clock_nanosleep() rather
 * than polled, so the send leaves on time even if poll() wakes up late. */
#define SLEEP_BEFORE_DEADLINE_NS (200 * 1000LL)

/* After the end, replies still in flight are counted (not gapped) for at
 * most this long; the wait stops early once every request is answered. */
#define GRACE_NS (250 * NSEC_PER_MSEC)

#define PAYLOAD_LEN 56

/* Carried in every request and echoed back: the full sequence number
 * survives the 16-bit wrap of the ICMP header's field (65 s at 1 ms). */
struct probe_payload {
	uint64_t seq;
	int64_t sent_ns;
	uint8_t pad[PAYLOAD_LEN - 16];
};

struct probe_opts {
	int family;
	long interval_us;
	double duration_s;
	const char *target;
	const char *out;
};

struct probe {
	int fd;
	int family;
	uint16_t id;
	struct sockaddr_storage dst;
	socklen_t dst_len;

	int64_t t0_ns;       /* absolute CLOCK_MONOTONIC of the start */
	int64_t end_ns;      /* relative to t0 */
	int64_t interval_ns;

	uint64_t sent, received, send_errors;
	uint8_t *seen;       /* one flag per sequence number, against duplicates */
	uint64_t capacity;

	int64_t last_rx_ns;  /* relative; 0 before the first reply */
	int64_t max_gap_ns, gap_start_ns;
	int64_t max_late_ns;
};

/* Set by signal handlers; everything else is passed explicitly. */
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t marks;
static struct timespec mark_ts, stop_ts;

static int64_t ts_to_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

static struct timespec ns_to_ts(int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / NSEC_PER_SEC, .tv_nsec = ns % NSEC_PER_SEC };
	return ts;
}

static int64_t clock_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts_to_ns(&ts);
}

static void signal_on_mark(int sig)
{
	(void)sig;
	/* Only the first mark's time is kept: it is the one a benchmark sends
	 * right before the event. clock_gettime() is async-signal-safe. */
	if (marks == 0)
		clock_gettime(CLOCK_MONOTONIC, &mark_ts);
	marks++;
}

static void signal_on_stop(int sig)
{
	(void)sig;
	if (!stop_requested)
		clock_gettime(CLOCK_MONOTONIC, &stop_ts);
	stop_requested = 1;
}

static void signal_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a signal must cut poll() and sleeps short. */
	sa.sa_handler = signal_on_mark;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = signal_on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: probe [-6] -i INTERVAL_US -d DURATION_S [-t TARGET_ADDR] [-o FILE]\n"
		"  -6              ICMPv6 instead of ICMP\n"
		"  -i INTERVAL_US  time between requests in microseconds (default 1000)\n"
		"  -d DURATION_S   length of the run in seconds (fractions allowed)\n"
		"  -t TARGET_ADDR  numeric address (default 127.0.0.1, or ::1 with -6)\n"
		"  -o FILE         write the result line to FILE instead of stdout\n"
		"  SIGUSR1 marks an event (reported as mark_ms); SIGINT/SIGTERM end early\n");
	exit(2);
}

static void opts_parse(int argc, char **argv, struct probe_opts *o)
{
	char *end;
	int c;

	*o = (struct probe_opts){ .family = AF_INET, .interval_us = 1000, .duration_s = -1 };
	while ((c = getopt(argc, argv, "6i:d:t:o:h")) != -1) {
		switch (c) {
		case '6':
			o->family = AF_INET6;
			break;
		case 'i':
			errno = 0;
			o->interval_us = strtol(optarg, &end, 10);
			if (errno || *end || o->interval_us < 10 || o->interval_us > 10 * 1000000L) {
				fprintf(stderr, "probe: -i %s: want microseconds, 10 .. 10000000\n", optarg);
				exit(2);
			}
			break;
		case 'd':
			errno = 0;
			o->duration_s = strtod(optarg, &end);
			if (errno || *end || !(o->duration_s > 0) || o->duration_s > 86400) {
				fprintf(stderr, "probe: -d %s: want seconds, > 0 and at most 86400\n", optarg);
				exit(2);
			}
			break;
		case 't':
			o->target = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o->duration_s < 0)
		usage();
	if (!o->target)
		o->target = o->family == AF_INET6 ? "::1" : "127.0.0.1";
}

static void probe_resolve(struct probe *p, const char *target)
{
	struct addrinfo hints = { .ai_family = p->family, .ai_socktype = SOCK_RAW,
				  .ai_flags = AI_NUMERICHOST };
	struct addrinfo *res;
	int rc = getaddrinfo(target, NULL, &hints, &res);

	if (rc) {
		fprintf(stderr, "probe: target %s: %s (want a numeric %s address)\n", target,
			gai_strerror(rc), p->family == AF_INET6 ? "IPv6" : "IPv4");
		exit(2);
	}
	memcpy(&p->dst, res->ai_addr, res->ai_addrlen);
	p->dst_len = res->ai_addrlen;
	freeaddrinfo(res);
}

/* Only echo replies reach the socket; the kernel drops the rest of the
 * namespace's ICMP traffic before it costs us a wake-up. */
static int probe_filter(struct probe *p)
{
	if (p->family == AF_INET6) {
		struct icmp6_filter f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		return setsockopt(p->fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	}
	struct icmp_filter f = { .data = ~(1U << ICMP_ECHOREPLY) };
	return setsockopt(p->fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f));
}

static void probe_open(struct probe *p, const struct probe_opts *o)
{
	int rcvbuf = 1 << 20;

	p->family = o->family;
	probe_resolve(p, o->target);
	p->fd = socket(p->family, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
		       p->family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (p->fd < 0) {
		fprintf(stderr, "probe: raw %s socket: %s (needs root or CAP_NET_RAW)\n",
			p->family == AF_INET6 ? "ICMPv6" : "ICMP", strerror(errno));
		exit(1);
	}
	if (probe_filter(p) < 0) {
		fprintf(stderr, "probe: ICMP filter: %s\n", strerror(errno));
		exit(1);
	}
	/* A burst of replies after an outage must not overflow the default
	 * buffer while we sleep towards the next deadline. */
	setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));

	p->id = (uint16_t)getpid();
	p->interval_ns = o->interval_us * 1000LL;
	p->end_ns = (int64_t)(o->duration_s * NSEC_PER_SEC);
	p->capacity = (uint64_t)(p->end_ns / p->interval_ns) + 2;
	p->seen = calloc(p->capacity, 1);
	if (!p->seen) {
		fprintf(stderr, "probe: out of memory for %llu sequence numbers\n",
			(unsigned long long)p->capacity);
		exit(1);
	}
}

static uint16_t icmp_checksum(const void *data, size_t len)
{
	const uint8_t *b = data;
	uint32_t sum = 0;

	for (; len > 1; b += 2, len -= 2)
		sum += (uint32_t)b[0] << 8 | b[1];
	if (len)
		sum += (uint32_t)b[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void probe_send(struct probe *p, int64_t now_ns)
{
	uint8_t buf[sizeof(struct icmphdr) + sizeof(struct probe_payload)];
	struct icmphdr *h = (struct icmphdr *)buf;
	struct probe_payload pl;

	memset(buf, 0, sizeof(buf));
	memset(&pl, 0, sizeof(pl));
	pl.seq = p->sent;
	pl.sent_ns = now_ns;
	memcpy(buf + sizeof(*h), &pl, sizeof(pl));
	/* ICMP and ICMPv6 echo share the header layout; only the type differs,
	 * and the kernel fills in the ICMPv6 checksum itself (RFC 3542 3.1). */
	h->type = p->family == AF_INET6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	h->un.echo.id = htons(p->id);
	h->un.echo.sequence = htons((uint16_t)p->sent);
	if (p->family == AF_INET)
		h->checksum = icmp_checksum(buf, sizeof(buf));

	if (sendto(p->fd, buf, sizeof(buf), 0, (struct sockaddr *)&p->dst, p->dst_len) < 0)
		p->send_errors++;
	p->sent++;
}

static bool addr_matches(const struct probe *p, const struct sockaddr_storage *from)
{
	if (p->family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)from)->sin6_addr,
			       &((const struct sockaddr_in6 *)&p->dst)->sin6_addr,
			       sizeof(struct in6_addr));
	return ((const struct sockaddr_in *)from)->sin_addr.s_addr ==
	       ((const struct sockaddr_in *)&p->dst)->sin_addr.s_addr;
}

/* Returns the sequence number of a reply to one of our requests, or -1. */
static int64_t probe_match(const struct probe *p, const uint8_t *buf, ssize_t len,
			   const struct sockaddr_storage *from)
{
	const struct icmphdr *h;
	struct probe_payload pl;
	size_t off = 0;

	if (p->family == AF_INET) {
		/* A raw IPv4 socket hands us the IP header too. */
		if (len < 20)
			return -1;
		off = (size_t)(buf[0] & 0x0f) * 4;
	}
	if (len < 0 || (size_t)len < off + sizeof(*h) + sizeof(pl) || !addr_matches(p, from))
		return -1;
	h = (const struct icmphdr *)(buf + off);
	if (h->type != (p->family == AF_INET6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY) ||
	    ntohs(h->un.echo.id) != p->id)
		return -1;
	memcpy(&pl, buf + off + sizeof(*h), sizeof(pl));
	if (pl.seq >= p->sent || (uint16_t)pl.seq != ntohs(h->un.echo.sequence) || p->seen[pl.seq])
		return -1;
	return (int64_t)pl.seq;
}

static void probe_account(struct probe *p, int64_t rx_ns)
{
	/* Replies read during the grace period count as received but say
	 * nothing about gaps inside the measured window. */
	if (rx_ns > p->end_ns)
		return;
	if (rx_ns - p->last_rx_ns > p->max_gap_ns) {
		p->max_gap_ns = rx_ns - p->last_rx_ns;
		p->gap_start_ns = p->last_rx_ns;
	}
	p->last_rx_ns = rx_ns;
}

static void probe_drain(struct probe *p)
{
	uint8_t buf[1500];
	struct sockaddr_storage from;

	for (;;) {
		socklen_t from_len = sizeof(from);
		ssize_t n = recvfrom(p->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &from_len);
		if (n < 0)
			return; /* EAGAIN: drained; EINTR: the caller loops anyway */

		int64_t seq = probe_match(p, buf, n, &from);
		if (seq < 0)
			continue;
		p->seen[seq] = 1;
		p->received++;
		probe_account(p, clock_now_ns() - p->t0_ns);
	}
}

/* Poll for replies until shortly before the absolute deadline, then sleep
 * the rest on clock_nanosleep(TIMER_ABSTIME). Returns false on stop. */
static bool probe_wait_until(struct probe *p, int64_t deadline_ns)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

	for (;;) {
		if (stop_requested)
			return false;
		int64_t left = deadline_ns - clock_now_ns();
		if (left <= 0)
			return true;
		if (left > SLEEP_BEFORE_DEADLINE_NS) {
			struct timespec ts = ns_to_ts(left - SLEEP_BEFORE_DEADLINE_NS);
			if (ppoll(&pfd, 1, &ts, NULL) > 0)
				probe_drain(p);
			continue;
		}
		struct timespec abs = ns_to_ts(deadline_ns);
		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL) == 0)
			return true;
	}
}

static void probe_run(struct probe *p)
{
	int64_t n;

	p->t0_ns = clock_now_ns();
	for (n = 0; (uint64_t)n < p->capacity; n++) {
		int64_t deadline = p->t0_ns + n * p->interval_ns;

		if (n * p->interval_ns >= p->end_ns || !probe_wait_until(p, deadline))
			break;
		int64_t now = clock_now_ns();
		if (now - deadline > p->max_late_ns)
			p->max_late_ns = now - deadline;
		probe_send(p, now);
		probe_drain(p);
	}
	if (!stop_requested)
		probe_wait_until(p, p->t0_ns + p->end_ns);
	if (stop_requested) {
		int64_t at = ts_to_ns(&stop_ts) - p->t0_ns;
		if (at < p->end_ns)
			p->end_ns = at;
		stop_requested = 0; /* let the grace period below run */
	}
	/* The silence from the last reply to the end is a gap like any other. */
	if (p->end_ns - p->last_rx_ns > p->max_gap_ns) {
		p->max_gap_ns = p->end_ns - p->last_rx_ns;
		p->gap_start_ns = p->last_rx_ns;
	}
	int64_t grace_end = clock_now_ns() + GRACE_NS;
	while (p->received < p->sent && clock_now_ns() < grace_end && !stop_requested) {
		int64_t step = clock_now_ns() + NSEC_PER_MSEC;
		probe_wait_until(p, step < grace_end ? step : grace_end);
		probe_drain(p);
	}
}

static int probe_report(const struct probe *p, const char *out)
{
	FILE *f = out ? fopen(out, "w") : stdout;
	double mark_ms = -1;

	if (!f) {
		fprintf(stderr, "probe: %s: %s\n", out, strerror(errno));
		return 1;
	}
	if (marks > 0)
		mark_ms = (double)(ts_to_ns(&mark_ts) - p->t0_ns) / NSEC_PER_MSEC;
	fprintf(f,
		"sent=%llu received=%llu lost=%llu max_gap_ms=%.3f gap_start_ms=%.3f "
		"mark_ms=%.*f marks=%d end_ms=%.3f send_errors=%llu max_late_ms=%.3f\n",
		(unsigned long long)p->sent, (unsigned long long)p->received,
		(unsigned long long)(p->sent - p->received),
		(double)p->max_gap_ns / NSEC_PER_MSEC, (double)p->gap_start_ns / NSEC_PER_MSEC,
		marks > 0 ? 3 : 0, mark_ms, (int)marks, (double)p->end_ns / NSEC_PER_MSEC,
		(unsigned long long)p->send_errors, (double)p->max_late_ns / NSEC_PER_MSEC);
	if (f != stdout ? fclose(f) != 0 : fflush(f) != 0) {
		fprintf(stderr, "probe: writing %s: %s\n", out ? out : "stdout", strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct probe_opts o;
	struct probe p;

	/* Handlers first: a benchmark may mark as soon as it has our PID. */
	signal_install();
	opts_parse(argc, argv, &o);
	memset(&p, 0, sizeof(p));
	probe_open(&p, &o);
	/* The default 50 us timer slack would be 5% of a 1 ms interval. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	probe_run(&p);
	int rc = probe_report(&p, o.out);
	free(p.seen);
	close(p.fd);
	return rc;
}
