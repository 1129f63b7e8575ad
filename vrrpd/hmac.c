/* hmac.c - libcrypto's HMAC through dlopen (dynlib.c). */
#include "hmac.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "dynlib.h"

static struct {
	bool tried, ok;
	__typeof__(HMAC) *hmac;
	__typeof__(EVP_sha1) *sha1;
	__typeof__(EVP_md5) *md5;
	char err[256];
} lc;

static bool hmac_load(void)
{
	static const struct dynsym syms[] = {
		{ "HMAC", (void **)&lc.hmac }, { "EVP_sha1", (void **)&lc.sha1 }, { "EVP_md5", (void **)&lc.md5 },
		{ NULL, NULL },
	};

	if (!lc.tried) {
		lc.tried = true;
		lc.ok = dynlib_load("libcrypto.so.3", "libssl3", syms, NULL, lc.err, sizeof(lc.err)) == 0;
	}
	return lc.ok;
}

int hmac_sha1(const void *key, size_t keylen, const void *msg, size_t len, uint8_t md[20])
{
	unsigned mdlen = 20;

	if (!hmac_load())
		return -1;
	return lc.hmac(lc.sha1(), key, (int)keylen, msg, len, md, &mdlen) && mdlen == 20 ? 0 : -1;
}

int hmac_md5(const void *key, size_t keylen, const void *msg, size_t len, uint8_t md[16])
{
	unsigned mdlen = 16;

	if (!hmac_load())
		return -1;
	return lc.hmac(lc.md5(), key, (int)keylen, msg, len, md, &mdlen) && mdlen == 16 ? 0 : -1;
}

const char *hmac_error(void)
{
	return lc.err[0] ? lc.err : "no error";
}

bool equal_ct(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t diff = 0;

	for (size_t i = 0; i < n; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}
