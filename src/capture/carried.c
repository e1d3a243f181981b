/*
 * carried.c - frames that carry their traffic in an encapsulation badmac
 * does not decode (MPLS, PPPoE, GRE, VXLAN, ...): counted per kind and
 * said in one notice per capture, so that a capture taken on a SPAN or
 * cloud mirror port never reads as "0 connections" in silence.
 *
 * Ordinary non-IP frames (ARP, LLDP, STP, 802.3 LLC) and ordinary non-TCP
 * traffic (UDP, ICMP) are not counted: they carry no TCP connection.
 */
#include "capture_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name; /* as the notice says it */
    const char *how;  /* how it was recognised */
} kinds[BM_CAR_COUNT] = {
    [BM_CAR_MPLS] = {"MPLS", "ethertype 0x8847/0x8848"},
    [BM_CAR_PPPOE] = {"PPPoE", "ethertype 0x8864"},
    [BM_CAR_PBB] = {"802.1ah (PBB)", "ethertype 0x88e7"},
    [BM_CAR_MACSEC] = {"MACsec (encrypted)", "ethertype 0x88e5"},
    [BM_CAR_NSH] = {"NSH", "ethertype 0x894f"},
    [BM_CAR_GRE] = {"GRE/ERSPAN", "IP protocol 47"},
    [BM_CAR_IPIP] = {"IP in IP", "IP protocol 4"},
    [BM_CAR_IP6IP] = {"IPv6 in IP", "IP protocol 41"},
    [BM_CAR_ESP] = {"IPsec ESP (encrypted)", "IP protocol 50"},
    [BM_CAR_VXLAN] = {"VXLAN", "UDP port 4789/4790"},
    [BM_CAR_GENEVE] = {"Geneve", "UDP port 6081"},
    [BM_CAR_GTPU] = {"GTP-U", "UDP port 2152"},
};

static void count(bm_capture_ctx *cx, bm_carrier k, uint64_t frame)
{
    if (!cx->carried[k]++)
        cx->carried_first[k] = frame;
}

void bm_carried_ethertype(bm_capture_ctx *cx, uint16_t type, uint64_t frame)
{
    switch (type) {
    case 0x8847:
    case 0x8848: count(cx, BM_CAR_MPLS, frame); break;
    case 0x8864: count(cx, BM_CAR_PPPOE, frame); break;
    case 0x88e7: count(cx, BM_CAR_PBB, frame); break;
    case 0x88e5: count(cx, BM_CAR_MACSEC, frame); break;
    case 0x894f: count(cx, BM_CAR_NSH, frame); break;
    default: break;
    }
}

void bm_carried_ip(bm_capture_ctx *cx, uint8_t proto, bm_cur payload, uint64_t frame)
{
    switch (proto) {
    case 4: count(cx, BM_CAR_IPIP, frame); return;
    case 41: count(cx, BM_CAR_IP6IP, frame); return;
    case 47: count(cx, BM_CAR_GRE, frame); return;
    case 50: count(cx, BM_CAR_ESP, frame); return;
    case 17: break;
    default: return;
    }
    uint16_t sp = bm_get_u16(&payload), dp = bm_get_u16(&payload);
    if (!bm_cur_ok(&payload))
        return;
    for (int i = 0; i < 2; i++) {
        uint16_t p = i ? sp : dp;
        if (p == 4789 || p == 4790) {
            count(cx, BM_CAR_VXLAN, frame);
            return;
        }
        if (p == 6081) {
            count(cx, BM_CAR_GENEVE, frame);
            return;
        }
        if (p == 2152) {
            count(cx, BM_CAR_GTPU, frame);
            return;
        }
    }
}

void bm_carried_report(bm_capture_ctx *cx)
{
    char list[768] = "";
    size_t o = 0;
    uint64_t total = 0;
    for (int k = 0; k < BM_CAR_COUNT; k++) {
        if (!cx->carried[k])
            continue;
        total += cx->carried[k];
        int n = snprintf(list + o, sizeof list - o, "%s%s (%s) %" PRIu64 " from frame %" PRIu64, o ? "; " : "",
                         kinds[k].name, kinds[k].how, cx->carried[k], cx->carried_first[k]);
        if (n < 0 || (size_t)n >= sizeof list - o)
            break;
        o += (size_t)n;
    }
    if (total)
        bm_diag_notice(cx->diag, 0,
                       "%" PRIu64 " frames carry traffic in an encapsulation badmac does not decode: %s; the "
                       "connections inside them are not analysed",
                       total, list);
}
