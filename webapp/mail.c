/* mail.c - one message through the configured SMTP relay, with libcurl. */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "site.h"

struct reader {
	const char *p;
	size_t left;
};

static size_t feed(char *dst, size_t size, size_t n, void *arg)
{
	struct reader *rd = arg;
	size_t k = size * n < rd->left ? size * n : rd->left;

	memcpy(dst, rd->p, k);
	rd->p += k;
	rd->left -= k;
	return k;
}

/* Header values come from the configuration and the user's own profile:
 * a line break in them would forge headers, so they are refused. */
static int header_safe(const char *s)
{
	return !strpbrk(s, "\r\n");
}

int mail_send(const struct site *s, const char *to, const char *subject, const char *body, char *err,
	      size_t errlen)
{
	struct buf msg = BUF_INIT;
	struct curl_slist *rcpt = NULL;
	char date[64], rcptbuf[320];
	struct reader rd;
	time_t now = time(NULL);
	struct tm tm;
	CURLcode rc;
	CURL *c;

	if (!header_safe(to) || !header_safe(subject) || !header_safe(s->cfg.mail_from)) {
		snprintf(err, errlen, "a header value contains a line break");
		return -1;
	}
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	buf_printf(&msg, "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: %s\r\nMIME-Version: 1.0\r\n"
			 "Content-Type: text/plain; charset=utf-8\r\n\r\n%s",
		   date, s->cfg.mail_from, to, subject, body);
	snprintf(rcptbuf, sizeof(rcptbuf), "<%s>", to);
	if (buf_failed(&msg) || !(c = curl_easy_init())) {
		buf_free(&msg);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rd.p = buf_str(&msg);
	rd.left = msg.len;
	rcpt = curl_slist_append(NULL, rcptbuf);
	curl_easy_setopt(c, CURLOPT_URL, s->cfg.mail_relay);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, s->cfg.mail_from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, feed);
	curl_easy_setopt(c, CURLOPT_READDATA, &rd);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		snprintf(err, errlen, "%s: %s", s->cfg.mail_relay, curl_easy_strerror(rc));
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	buf_free(&msg);
	return rc == CURLE_OK ? 0 : -1;
}
