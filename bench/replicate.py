#!/usr/bin/env python3
"""bench/replicate.py [--open] IN.pcap OUT.pcap N - N copies of the one TCP connection of IN (a
real session, classic pcap, IPv4 over Ethernet, Linux SLL, null/loopback or raw IP), each with its
own client address (10.1.0.0 + i) and port (1024+), IP and TCP checksums recomputed, one second apart per
100 copies: a capture of many short connections, the shape of a proxy's traffic, for measuring
per-connection costs. --open: the copies interleaved (the first packet of every copy, then the
second of every copy, ...), so all N connections are open at once: memory per open connection.
Stdlib only.
"""
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def main(src, dst, n, interleave=False):
    data = open(src, 'rb').read()
    head, body = data[:24], data[24:]
    if struct.unpack('<I', head[:4])[0] not in (0xa1b2c3d4, 0xa1b23c4d):
        sys.exit('%s: not a little-endian classic pcap' % src)
    l2 = {1: 14, 113: 16, 0: 4, 101: 0}.get(struct.unpack('<I', head[20:24])[0])
    if l2 is None:
        sys.exit('%s: link type not handled' % src)
    pkts, off = [], 0
    while off + 16 <= len(body):
        ts, tu, cl, ol = struct.unpack('<IIII', body[off:off + 16])
        pkts.append((ts, tu, body[off + 16:off + 16 + cl], ol))
        off += 16 + cl
    ihl0 = (pkts[0][2][l2] & 15) * 4
    client_port = struct.unpack('!H', pkts[0][2][l2 + ihl0:l2 + ihl0 + 2])[0]
    order = ([(i, j) for j in range(len(pkts)) for i in range(n)] if interleave else
             [(i, j) for i in range(n) for j in range(len(pkts))])
    with open(dst, 'wb') as out:
        out.write(head)
        for k, (i, j) in enumerate(order):
            port, addr = 1024 + i % 60000, 0x0a010000 + i  # 10.1.0.0 + i: the clients of a proxy
            ts, tu, p, ol = pkts[j]
            if interleave:
                ts, tu = pkts[0][0] + k // 1000000, k % 1000000
            q = bytearray(p)
            ihl = (q[l2] & 15) * 4
            client = struct.unpack('!H', q[l2 + ihl:l2 + ihl + 2])[0] == client_port
            struct.pack_into('!H', q, l2 + ihl + (0 if client else 2), port)
            struct.pack_into('!I', q, l2 + (12 if client else 16), addr)
            struct.pack_into('!H', q, l2 + 10, 0)
            struct.pack_into('!H', q, l2 + 10, csum(bytes(q[l2:l2 + ihl])))
            tl = struct.unpack('!H', q[l2 + 2:l2 + 4])[0] - ihl
            struct.pack_into('!H', q, l2 + ihl + 16, 0)
            pseudo = bytes(q[l2 + 12:l2 + 20]) + struct.pack('!BBH', 0, 6, tl)
            struct.pack_into('!H', q, l2 + ihl + 16, csum(pseudo + bytes(q[l2 + ihl:l2 + ihl + tl])))
            out.write(struct.pack('<IIII', ts + (0 if interleave else i // 100), tu, len(q), ol))
            out.write(q)


if __name__ == '__main__':
    args = sys.argv[1:]
    interleave = args[:1] == ['--open']
    if interleave:
        args = args[1:]
    if len(args) != 3:
        sys.exit(__doc__)
    main(args[0], args[1], int(args[2]), interleave)
