/* token.c - random tokens, password hashes and signed expiring links. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "token.h"

#define HASH_LEN 32
#define HASH_HEX (2 * HASH_LEN)

static void hex_encode(char *out, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int token_random_hex(char *out, size_t outlen, size_t nbytes)
{
	unsigned char chunk[64];

	if (nbytes > (SIZE_MAX - 1) / 2 || outlen < 2 * nbytes + 1)
		return -1;
	out[0] = '\0';
	for (size_t done = 0; done < nbytes;) {
		size_t n = nbytes - done < sizeof(chunk) ? nbytes - done : sizeof(chunk);

		if (RAND_bytes(chunk, (int)n) != 1) {
			OPENSSL_cleanse(out, 2 * done);
			return -1;
		}
		hex_encode(out + 2 * done, chunk, n);
		done += n;
	}
	OPENSSL_cleanse(chunk, sizeof(chunk));
	return 0;
}

int token_equal(const char *a, const char *b)
{
	size_t n;

	if (!a || !b || (n = strlen(a)) != strlen(b) || n == 0)
		return 0;
	return CRYPTO_memcmp(a, b, n) == 0;
}

int password_hash(const char *password, const char *salt, int iterations,
		  char *out, size_t outlen)
{
	unsigned char dk[HASH_LEN];
	size_t plen = strlen(password), slen = strlen(salt);

	if (iterations < 1 || outlen < HASH_HEX + 1 || plen > INT_MAX || slen > INT_MAX)
		return -1;
	if (PKCS5_PBKDF2_HMAC(password, (int)plen, (const unsigned char *)salt, (int)slen,
			      iterations, EVP_sha256(), HASH_LEN, dk) != 1)
		return -1;
	hex_encode(out, dk, HASH_LEN);
	OPENSSL_cleanse(dk, sizeof(dk));
	return 0;
}

int password_check(const char *password, const char *salt, int iterations,
		   const char *stored)
{
	char got[HASH_HEX + 1];
	int ok;

	/* Only the length leaks early, and every real hash has the same one. */
	if (strlen(stored) != HASH_HEX)
		return 0;
	if (password_hash(password, salt, iterations, got, sizeof(got)) < 0)
		return 0;
	ok = CRYPTO_memcmp(got, stored, HASH_HEX) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	return ok;
}

/* HMAC-SHA256 over "<digits>:<msg>" as 64 hex digits. The digits are used
 * exactly as written in the token, so "0123" and "123" sign differently. */
static int token_mac(const unsigned char *key, size_t keylen, const char *digits,
		     size_t ndigits, const char *msg, char hex[HASH_HEX + 1])
{
	size_t mlen = strlen(msg);
	unsigned char mac[HASH_LEN];
	unsigned int maclen = 0;
	unsigned char *data;
	int rc = -1;

	if (keylen > INT_MAX || mlen > SIZE_MAX - ndigits - 1)
		return -1;
	data = malloc(ndigits + 1 + mlen);
	if (!data)
		return -1;
	memcpy(data, digits, ndigits);
	data[ndigits] = ':';
	memcpy(data + ndigits + 1, msg, mlen);
	if (HMAC(EVP_sha256(), key, (int)keylen, data, ndigits + 1 + mlen, mac, &maclen) &&
	    maclen == HASH_LEN) {
		hex_encode(hex, mac, HASH_LEN);
		rc = 0;
	}
	free(data);
	OPENSSL_cleanse(mac, sizeof(mac));
	return rc;
}

int token_sign(const unsigned char *key, size_t keylen, const char *msg, long expires,
	       char *out, size_t outlen)
{
	char digits[24], mac[HASH_HEX + 1];
	int n;

	/* token_verify reads the expiry as plain digits, so no sign. */
	if (expires < 0)
		return -1;
	n = snprintf(digits, sizeof(digits), "%ld", expires);
	if ((size_t)n + 1 + HASH_HEX + 1 > outlen)
		return -1;
	if (token_mac(key, keylen, digits, (size_t)n, msg, mac) < 0)
		return -1;
	snprintf(out, outlen, "%s.%s", digits, mac);
	return 0;
}

/* The expiry digits at the start of tok: their count, or 0 when they are
 * missing, not followed by '.', or do not fit a long. */
static size_t parse_expiry(const char *tok, long *expires)
{
	long v = 0;
	size_t i;

	for (i = 0; tok[i] >= '0' && tok[i] <= '9'; i++) {
		if (v > (LONG_MAX - (tok[i] - '0')) / 10)
			return 0;
		v = v * 10 + (tok[i] - '0');
	}
	if (i == 0 || tok[i] != '.')
		return 0;
	*expires = v;
	return i;
}

static int is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int token_verify(const unsigned char *key, size_t keylen, const char *msg, const char *tok,
		 long now)
{
	char want[HASH_HEX + 1];
	const char *mac;
	long expires;
	size_t nd = parse_expiry(tok, &expires);
	int ok;

	if (nd == 0)
		return -1;
	mac = tok + nd + 1;
	if (strlen(mac) != HASH_HEX || !is_lower_hex(mac, HASH_HEX))
		return -1;
	if (token_mac(key, keylen, tok, nd, msg, want) < 0)
		return -1;
	ok = CRYPTO_memcmp(want, mac, HASH_HEX) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	if (!ok)
		return -1;
	/* Expiry is checked only after the MAC, so -2 means a genuine token. */
	return now > expires ? -2 : 0;
}
