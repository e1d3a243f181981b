#include "report.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>

void bm_format_ip(const bm_endpoint *e, char *buf, size_t cap)
{
    if (!cap)
        return;
    buf[0] = '\0';
    int af = e->family == 6 ? AF_INET6 : AF_INET;
    if (!inet_ntop(af, e->ip, buf, (socklen_t)cap))
        snprintf(buf, cap, "?");
}

const char *bm_role_name(int role)
{
    if (role == BM_CLIENT)
        return "client";
    if (role == BM_SERVER)
        return "server";
    return NULL;
}

const char *bm_keys_source_name(bm_keys_source k)
{
    switch (k) {
    case BM_KEYS_KEYLOG: return "keylog";
    case BM_KEYS_DSB: return "dsb";
    case BM_KEYS_RSA: return "rsa";
    case BM_KEYS_PSK: return "psk";
    case BM_KEYS_SESSION: return "session";
    default: return NULL;
    }
}

const char *bm_finished_name(bm_finished_status f)
{
    return f == BM_FIN_OK ? "ok" : f == BM_FIN_FAILED ? "failed" : "unseen";
}
