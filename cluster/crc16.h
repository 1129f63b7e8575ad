/* crc16.h - CRC-16/XMODEM, the checksum Redis Cluster hashes keys with. */
#ifndef CLUSTER_CRC16_H
#define CLUSTER_CRC16_H

#include <stddef.h>
#include <stdint.h>

/* Polynomial 0x1021, initial value 0, no reflection, no final XOR:
 * crc16_xmodem("123456789", 9) == 0x31c3. */
uint16_t crc16_xmodem(const void *buf, size_t len);

#endif
