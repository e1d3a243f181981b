/* util.c - small helpers of the TLS stage: findings, roles, sanitising. */
#include <string.h>

#include "../proto/proto.h"
#include "tls_int.h"

void bm_tls_finding(bm_tls_conn *c, const bm_finding *f)
{
    bm_conn *k = c->conn;
    if (!k)
        return;
    /* The list is append-only; once full, its last entry says that more
     * were dropped, so a report never silently loses the fact. */
    if (k->n_findings >= BM_MAX_FINDINGS) {
        k->findings[BM_MAX_FINDINGS - 1] = (bm_finding){.code = BM_F_MORE};
        return;
    }
    k->findings[k->n_findings++] = *f;
}

bool bm_tls_wellknown_port(uint16_t port)
{
    static const uint16_t ports[] = {443, 8443, 465, 993, 995, 636, 853};
    for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++)
        if (ports[i] == port)
            return true;
    return false;
}

int bm_tls_guess_server_side(const bm_tuple *t)
{
    bool wa = bm_tls_wellknown_port(t->port[BM_SIDE_A]);
    bool wb = bm_tls_wellknown_port(t->port[BM_SIDE_B]);
    if (wa != wb)
        return wa ? BM_SIDE_A : BM_SIDE_B;
    /* Equal ports or both/neither well-known: the lower port listens; on
     * a tie side B, which received the first packet, is the likelier. */
    if (t->port[BM_SIDE_A] < t->port[BM_SIDE_B])
        return BM_SIDE_A;
    return BM_SIDE_B;
}

int bm_tls_role_of_side(const bm_tls_conn *c, int side)
{
    if (c->client_side >= 0)
        return side == c->client_side ? BM_CLIENT : BM_SERVER;
    return side == bm_tls_guess_server_side(&c->tuple) ? BM_SERVER : BM_CLIENT;
}

const char *bm_tls_dir_name(const bm_tls_conn *c, int side)
{
    return bm_tls_role_of_side(c, side) == BM_CLIENT ? "client->server" : "server->client";
}

void bm_tls_sanitize(char *dst, size_t cap, const uint8_t *src, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (cap == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        uint8_t b = src[i];
        if (b >= 0x20 && b < 0x7f && b != '\\') {
            if (o + 1 >= cap)
                break;
            dst[o++] = (char)b;
        } else {
            if (o + 4 >= cap)
                break;
            dst[o++] = '\\';
            dst[o++] = 'x';
            dst[o++] = hex[b >> 4];
            dst[o++] = hex[b & 15];
        }
    }
    dst[o] = '\0';
}

bool bm_tls_is13(const bm_tls_conn *c)
{
    /* Drafts frame records as TLS 1.3 does (hidden content types). */
    return c->conn && (c->conn->hs.version == BM_TLS13 || bm_tls_version_draft13(c->conn->hs.version));
}
