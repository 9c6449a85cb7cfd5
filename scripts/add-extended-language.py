#!/usr/bin/env python3
"""Gives the last audio track of an MP4 whose moov comes after its mdat an `elng` box (ISO
14496-12 extended language, a BCP 47 tag) after its `mdhd`, as Apple's tools write for tags
that the three-letter `mdhd` code cannot hold (pt-BR, zh-Hant).
  add-extended-language.py IN OUT TAG"""
import struct, sys

src, dst, tag = sys.argv[1], sys.argv[2], sys.argv[3]
data = bytearray(open(src, "rb").read())

def boxes(start, end):
    i = start
    while i < end:
        size, kind = struct.unpack(">I4s", data[i:i + 8])
        yield i, size, kind
        i += size

top = {kind: (i, size) for i, size, kind in boxes(0, len(data))}
moov_at, moov_size = top[b"moov"]
assert moov_at > top[b"mdat"][0], "moov must come after mdat (no sample offsets move)"
audio = None
for i, size, kind in boxes(moov_at + 8, moov_at + moov_size):
    if kind != b"trak": continue
    for j, jsize, jkind in boxes(i + 8, i + size):
        if jkind != b"mdia": continue
        handler = [k for k, ks, kk in boxes(j + 8, j + jsize) if kk == b"hdlr"]
        if handler and data[handler[0] + 16:handler[0] + 20] == b"soun": audio = (i, j, jsize)
trak_at, mdia_at, mdia_size = audio
mdhd_at, mdhd_size = next((k, ks) for k, ks, kk in boxes(mdia_at + 8, mdia_at + mdia_size) if kk == b"mdhd")
payload = b"\0\0\0\0" + tag.encode() + b"\0"
elng = struct.pack(">I4s", 8 + len(payload), b"elng") + payload
at = mdhd_at + mdhd_size
data[at:at] = elng
for box in (moov_at, trak_at, mdia_at):
    struct.pack_into(">I", data, box, struct.unpack(">I", data[box:box + 4])[0] + len(elng))
open(dst, "wb").write(data)
