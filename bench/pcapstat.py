#!/usr/bin/env python3
"""bench/pcapstat.py CAPTURE - key=value facts about a capture, for bench/run.sh.

packets          frames in the file
max_frame        largest captured frame (1514 for an MTU-1500 Ethernet capture)
big_frames       frames longer than 1514 bytes (segmentation offload leaking into the capture)
tcp_flows        TCP directions (src,sport,dst,dport) carrying payload
tcp_payload      TCP payload bytes, each sequence byte counted once per direction (retransmitted
                 bytes not counted again): the TLS bytes a decrypting tool has to process
Reads classic pcap (any byte order, us/ns) and pcapng (EPB/SPB); Ethernet, raw IP, Linux SLL/SLL2,
null/loopback link types; IPv4 and IPv6. Stdlib only.
"""
import struct
import sys


def frames(path):
    with open(path, 'rb') as f:
        head = f.read(4)
        if head == b'\x0a\x0d\x0d\x0a':
            yield from pcapng_frames(f, head)
            return
        rest = f.read(20)
        magic = struct.unpack('<I', head)[0]
        if magic in (0xa1b2c3d4, 0xa1b23c4d):
            e = '<'
        elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
            e = '>'
        else:
            raise SystemExit('pcapstat: not a pcap/pcapng file: %s' % path)
        linktype = struct.unpack(e + 'I', rest[16:20])[0] & 0x0fffffff
        hdr = struct.Struct(e + 'IIII')
        while True:
            h = f.read(16)
            if len(h) < 16:
                return
            _, _, incl, orig = hdr.unpack(h)
            data = f.read(incl)
            if len(data) < incl:
                return
            yield linktype, data


def pcapng_frames(f, first):
    e = '<'
    links = []
    buf = first + f.read()  # benchmark captures fit in memory comfortably; keep it simple
    off = 0
    while off + 12 <= len(buf):
        btype = struct.unpack(e + 'I', buf[off:off + 4])[0]
        if btype == 0x0a0d0d0a:
            bom = buf[off + 8:off + 12]
            e = '<' if bom == b'\x4d\x3c\x2b\x1a' else '>'
            links = []
        blen = struct.unpack(e + 'I', buf[off + 4:off + 8])[0]
        if blen < 12:
            return
        body = buf[off + 8:off + blen - 4]
        if btype == 1:
            links.append(struct.unpack(e + 'H', body[0:2])[0])
        elif btype == 6:
            ifid, _, _, incl, _ = struct.unpack(e + 'IIIII', body[0:20])
            yield links[ifid] if ifid < len(links) else 1, body[20:20 + incl]
        elif btype == 3:
            orig = struct.unpack(e + 'I', body[0:4])[0]
            yield links[0] if links else 1, body[4:4 + orig]
        off += blen


def ip_payload(linktype, d):
    """Return (ethertype-ish proto, l3 bytes) or None."""
    if linktype == 1:  # Ethernet
        if len(d) < 14:
            return None
        et = struct.unpack('>H', d[12:14])[0]
        off = 14
        while et in (0x8100, 0x88a8) and len(d) >= off + 4:
            et = struct.unpack('>H', d[off + 2:off + 4])[0]
            off += 4
        return et, d[off:]
    if linktype in (101, 12, 14):  # raw IP
        v = d[0] >> 4 if d else 0
        return (0x0800 if v == 4 else 0x86dd), d
    if linktype == 113:  # SLL
        return struct.unpack('>H', d[14:16])[0], d[16:]
    if linktype == 276:  # SLL2
        return struct.unpack('>H', d[0:2])[0], d[20:]
    if linktype in (0, 108):  # null / loop
        fam = struct.unpack('<I', d[0:4])[0]
        if fam > 0xffff:
            fam = struct.unpack('>I', d[0:4])[0]
        return (0x0800 if fam == 2 else 0x86dd), d[4:]
    return None


def main():
    if len(sys.argv) != 2:
        raise SystemExit('usage: pcapstat.py CAPTURE')
    packets = 0
    max_frame = 0
    big = 0
    flows = {}  # (src, sport, dst, dport) -> highest seq end seen
    payload = 0
    for lt, d in frames(sys.argv[1]):
        packets += 1
        n = len(d)
        if n > max_frame:
            max_frame = n
        if n > 1514:
            big += 1
        r = ip_payload(lt, d)
        if not r:
            continue
        et, ip = r
        if et == 0x0800 and len(ip) >= 20:
            ihl = (ip[0] & 15) * 4
            tot = struct.unpack('>H', ip[2:4])[0]
            if ip[9] != 6:
                continue
            src, dst = ip[12:16], ip[16:20]
            tcp = ip[ihl:tot] if tot >= ihl else ip[ihl:]
        elif et == 0x86dd and len(ip) >= 40:
            if ip[6] != 6:
                continue
            plen = struct.unpack('>H', ip[4:6])[0]
            src, dst = ip[8:24], ip[24:40]
            tcp = ip[40:40 + plen]
        else:
            continue
        if len(tcp) < 20:
            continue
        sport, dport, seq = struct.unpack('>HHI', tcp[0:8])
        doff = (tcp[12] >> 4) * 4
        plen = len(tcp) - doff
        if plen <= 0:
            continue
        key = (src, sport, dst, dport)
        end = (seq + plen) & 0xffffffff
        hi = flows.get(key)
        if hi is None:
            payload += plen
            flows[key] = end
            continue
        # bytes beyond the highest sequence number seen so far (mod 2^32) are new
        ahead = (end - hi) & 0xffffffff
        if 0 < ahead < 0x80000000:
            payload += min(ahead, plen)
            flows[key] = end
    print('packets=%d' % packets)
    print('max_frame=%d' % max_frame)
    print('big_frames=%d' % big)
    print('tcp_flows=%d' % len(flows))
    print('tcp_payload=%d' % payload)


if __name__ == '__main__':
    main()
