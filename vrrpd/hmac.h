/* hmac.h - HMAC-SHA1 (CARP's authentication) and HMAC-MD5 (VRRPv2's
 * IPsec AH, as keepalived sends it) from libcrypto, loaded on
 * first use: a vipd whose instances speak VRRPv3 or unauthenticated
 * VRRPv2 never maps OpenSSL (over 3 MiB resident). */
#ifndef VIPD_HMAC_H
#define VIPD_HMAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 0, or -1 if libcrypto cannot be loaded (hmac_error() says why). */
int hmac_sha1(const void *key, size_t keylen, const void *msg, size_t len, uint8_t md[20]);
int hmac_md5(const void *key, size_t keylen, const void *msg, size_t len, uint8_t md[16]);
const char *hmac_error(void);

/* Equal without a data-dependent early exit. */
bool equal_ct(const void *a, const void *b, size_t n);

#endif
