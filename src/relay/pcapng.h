/*
 * pcapng.h - the relay's own capture: one pcapng file with two interfaces,
 * 0 "client-leg" (client <-> relay listener) and 1 "server-leg" (relay <->
 * server), Ethernet/IP/TCP headers synthesized around the bytes that
 * really crossed each socket, with consistent seq/ack numbers, a three-way
 * handshake, FIN and RST, and valid IP and TCP checksums.
 *
 * Each leg is written with its sockets' family: IPv6 endpoints as IPv6,
 * IPv4 and v4-mapped IPv6 ones (::ffff:a.b.c.d) as IPv4.
 */
#ifndef BM_RELAY_PCAPNG_H
#define BM_RELAY_PCAPNG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "../util/err.h"

enum { BM_LEG_CLIENT = 0, BM_LEG_SERVER = 1 };

/* One synthesized TCP connection. Side 0 opened it (sent the SYN). */
typedef struct bm_tcpflow {
    uint8_t ip[2][16];  /* IPv4 in the first 4 bytes unless v6 */
    int v6;
    uint16_t port[2];
    uint32_t seq[2];    /* next sequence number each side sends */
    unsigned leg;       /* interface id */
    int open;
} bm_tcpflow;

typedef struct bm_pcapng {
    FILE *f;
    uint16_t ip_id;
    int failed;         /* a write failed: stop writing, report at close */
} bm_pcapng;

/* Creates 'path' and writes the section header and both interfaces. */
BM_RESULT bm_pcapng_open(bm_pcapng *p, const char *path);
BM_RESULT bm_pcapng_close(bm_pcapng *p);

/* Sets the endpoints of 'fl' and writes SYN, SYN/ACK, ACK. 'isn_seed'
 * makes the initial sequence numbers differ between connections. */
void bm_pcapng_flow_open(bm_pcapng *p, bm_tcpflow *fl, unsigned leg, const struct sockaddr *a,
                         const struct sockaddr *b, uint64_t isn_seed);
/* Data sent by side 'from' (0 or 1), split into segments as needed. */
void bm_pcapng_flow_data(bm_pcapng *p, bm_tcpflow *fl, int from, const uint8_t *data, size_t n);
void bm_pcapng_flow_fin(bm_pcapng *p, bm_tcpflow *fl, int from);
void bm_pcapng_flow_rst(bm_pcapng *p, bm_tcpflow *fl, int from);

#endif
