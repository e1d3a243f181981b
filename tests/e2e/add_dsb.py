#!/usr/bin/env python3
"""add_dsb.py IN.pcapng OUT.pcapng SECRETS_TYPE HEX_DATA

Copies a pcapng and inserts one Decryption Secrets Block (pcapng spec,
block type 0x0000000A) of the given secrets type after the first Interface
Description Block: a container-format edit, every packet stays as captured.
Used by notices.t to add a block of a secrets type badmac does not read
(WireGuard, 0x57474b4c)."""
import struct, sys

src, dst, stype, hexdata = sys.argv[1], sys.argv[2], int(sys.argv[3], 0), sys.argv[4]
data = bytes.fromhex(hexdata)
buf = open(src, "rb").read()
out, off, end, inserted = bytearray(), 0, "<", False
while off < len(buf):
    btype = struct.unpack_from("<I", buf, off)[0]
    if btype == 0x0A0D0D0A:
        end = "<" if struct.unpack_from("<I", buf, off + 8)[0] == 0x1A2B3C4D else ">"
    btype, blen = struct.unpack_from(end + "II", buf, off)
    out += buf[off:off + blen]
    off += blen
    if btype == 1 and not inserted:
        pad = (-len(data)) % 4
        total = 4 + 4 + 4 + 4 + len(data) + pad + 4
        out += struct.pack(end + "IIII", 0x0000000A, total, stype, len(data))
        out += data + b"\0" * pad + struct.pack(end + "I", total)
        inserted = True
if not inserted:
    sys.exit("add_dsb.py: no Interface Description Block in " + src)
open(dst, "wb").write(out)
