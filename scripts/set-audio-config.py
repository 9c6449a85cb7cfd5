#!/usr/bin/env python3
"""Replaces the AudioSpecificConfig of the first `esds` in an MP4 whose moov comes
after its mdat (so no sample offset moves), fixing the descriptor lengths and the
sizes of every box around it. Makes audio fixtures whose signalling ffmpeg cannot
encode here (HE-AAC, HE-AACv2, xHE-AAC): the samples stay AAC-LC, only what the
file declares changes. Usage: set-audio-config.py IN OUT ASC_HEX"""
import struct
import sys

data = bytearray(open(sys.argv[1], "rb").read())
asc = bytes.fromhex(sys.argv[3])
containers = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd", b"mp4a", b"wave"}


def find_esds(start, end, path):
    o = start
    while o + 8 <= end:
        size, kind = struct.unpack(">I4s", data[o:o + 8])
        if kind == b"esds":
            return path + [o], o
        if kind in containers:
            body = o + 8
            if kind == b"stsd":
                body += 8          # version/flags, entry count
            elif kind == b"mp4a":
                body += 28         # sample entry fields (version 0)
            found = find_esds(body, o + size, path + [o])
            if found:
                return found
        o += size
    return None


ancestors, esds = find_esds(0, len(data), [])
assert data.find(b"mdat") < esds, "moov must come after mdat"


def read_descriptor(p):
    tag = data[p]
    p += 1
    length = 0
    start = p
    while True:
        b = data[p]
        p += 1
        length = length << 7 | (b & 0x7F)
        if not b & 0x80:
            break
    return tag, start, p - start, length


# esds: header 8, version/flags 4, ES_Descriptor (0x03) > DecoderConfigDescriptor (0x04) > DecSpecificInfo (0x05)
p = esds + 12
lengths = []          # (position of the length field, its width, value) of 0x03, 0x04, 0x05
tag, at, width, length = read_descriptor(p)
assert tag == 3
lengths.append((at, width, length))
p = at + width + 3    # ES_ID, flags (no optional fields from ffmpeg)
tag, at, width, length = read_descriptor(p)
assert tag == 4
lengths.append((at, width, length))
p = at + width + 13
tag, at, width, length = read_descriptor(p)
assert tag == 5
lengths.append((at, width, length))
old_asc_at, old_len = at + width, length
delta = len(asc) - old_len
assert all(w == 4 for _, w, _ in lengths) or delta == 0, "expects 4-byte descriptor lengths"


def put_length(at, value):
    data[at:at + 4] = bytes([0x80 | (value >> 21 & 0x7F), 0x80 | (value >> 14 & 0x7F), 0x80 | (value >> 7 & 0x7F), value & 0x7F])


for at, _, value in lengths:
    put_length(at, value + delta)
data[old_asc_at:old_asc_at + old_len] = asc
for box in ancestors:
    (size,) = struct.unpack(">I", data[box:box + 4])
    data[box:box + 4] = struct.pack(">I", size + delta)
open(sys.argv[2], "wb").write(data)
