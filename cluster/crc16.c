/* crc16.c - CRC-16/XMODEM computed a nibble at a time.
 *
 * A 16-entry table keeps the code short and still costs only two lookups
 * per byte; keys are short, so a 256-entry table would buy nothing. */
#include "crc16.h"

/* NIBBLE[n] is the CRC register contribution of the 4-bit value n shifted
 * out of the top of the register: n << 12 reduced modulo 0x11021. */
static const uint16_t NIBBLE[16] = {
	0x0000, 0x1021, 0x2042, 0x3063, 0x4084, 0x50a5, 0x60c6, 0x70e7,
	0x8108, 0x9129, 0xa14a, 0xb16b, 0xc18c, 0xd1ad, 0xe1ce, 0xf1ef,
};

uint16_t crc16_xmodem(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint16_t crc = 0;

	for (size_t i = 0; i < len; i++) {
		crc = (uint16_t)((crc << 4) ^ NIBBLE[(crc >> 12) ^ (p[i] >> 4)]);
		crc = (uint16_t)((crc << 4) ^ NIBBLE[(crc >> 12) ^ (p[i] & 0x0f)]);
	}
	return crc;
}
