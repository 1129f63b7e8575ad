/* token.h - random tokens, password hashing and signed expiring links,
 * all through OpenSSL. */
#ifndef NEWSD_TOKEN_H
#define NEWSD_TOKEN_H

#include <stddef.h>

/* nbytes random bytes from the OS CSPRNG, as 2*nbytes lowercase hex digits
 * plus NUL into out (outlen >= 2*nbytes+1). 0, or -1 on failure. */
int token_random_hex(char *out, size_t outlen, size_t nbytes);

/* 1 when a and b are both set, not empty and equal, compared in constant time
 * (only a length mismatch ends early: every secret of one kind has the
 * same length); 0 otherwise. For the auth token and the apisecret. */
int token_equal(const char *a, const char *b);

/* PBKDF2-HMAC-SHA256(password, salt, iterations), 32 bytes, as 64 hex
 * digits plus NUL into out (outlen >= 65). 0, or -1 on failure. */
int password_hash(const char *password, const char *salt, int iterations,
		  char *out, size_t outlen);
/* 1 when password hashes to stored (compared in constant time), else 0. */
int password_check(const char *password, const char *salt, int iterations,
		   const char *stored);

/* A link token binding msg until `expires` (unix time): "EXPIRES.HEXMAC"
 * with HMAC-SHA256 over "EXPIRES:" msg under key. 0, or -1 when out is too
 * small (it needs the digits + 66 bytes) or expires is negative. */
int token_sign(const unsigned char *key, size_t keylen, const char *msg, long expires,
	       char *out, size_t outlen);
/* 0 when tok is a valid signature of msg and now <= its expiry; -1 when it
 * is malformed or forged; -2 when it has expired. Constant-time compare. */
int token_verify(const unsigned char *key, size_t keylen, const char *msg, const char *tok,
		 long now);

#endif
