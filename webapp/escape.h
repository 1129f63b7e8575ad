/* escape.h - output encoding for HTML, URLs and JSON-free text.
 * Pure functions; everything that reaches a page goes through here. */
#ifndef NEWSD_ESCAPE_H
#define NEWSD_ESCAPE_H

#include <stddef.h>

#include "buf.h"

/* & < > " ' become entities (&amp; &lt; &gt; &quot; &#39;); safe in element
 * text and in double- or single-quoted attribute values. */
void html_escape(struct buf *b, const char *s);
void html_escape_n(struct buf *b, const char *s, size_t n);

/* Comment bodies: HTML-escaped, with http://, https:// and www. links
 * turned into <a rel="nofollow" href="...">...</a>. A link starts only at
 * the beginning of a word and stops at a quote, '<', '>' or space; trailing
 * '.' ',' ')' '!' '?' are left out of it; www. links get http:// in the
 * href. The href is escaped like any attribute. */
void html_linkify(struct buf *b, const char *s);

/* Percent-encode every byte except the RFC 3986 unreserved ones
 * (A-Z a-z 0-9 - . _ ~), for path segments and query values. */
void url_escape(struct buf *b, const char *s);

/* Decode %XX and '+' (as space) in place; returns the new length.
 * -1 for a malformed escape (% not followed by two hex digits) or a
 * decoded NUL byte. */
long url_decode(char *s, size_t len);

/* 1 when s[0..len) is valid UTF-8 without overlong forms, surrogates or
 * control characters other than \t \n \r; 0 otherwise. */
int text_valid(const char *s, size_t len);

/* The host part of an http(s) URL ("http://a.b:8/x" -> "a.b:8"), copied
 * into out; 0 on success, -1 when url is not http:// or https://. Any
 * "user@" is dropped and a backslash ends the host, as browsers read it;
 * -1 too for an empty host, a host with spaces or control characters, or
 * when out is too small. */
int url_host(const char *url, char *out, size_t outlen);

#endif
