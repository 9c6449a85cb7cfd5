#!/usr/bin/env python3
"""Rewrites a fragmented MP4 so that every `trun` is split in two: the first half
keeps its data_offset, the second has none, so its data must follow on from the
end of the first run (ISO/IEC 14496-12 8.8.8). Sample data and timing are
unchanged. Usage: split-truns.py IN OUT. Made for Tests/Fixtures/trun_no_offset.mp4."""
import struct
import sys

data = open(sys.argv[1], "rb").read()


def boxes(buf, start, end):
    o = start
    while o < end:
        size, kind = struct.unpack(">I4s", buf[o:o + 8])
        assert size >= 8, "64-bit or open-ended boxes are not handled"
        yield o, size, kind
        o += size


def box(kind, payload):
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def split_trun(payload):
    version_flags, count = struct.unpack(">II", payload[:8])
    flags = version_flags & 0xFFFFFF
    assert flags & 0x001, "expects a data_offset in every run"
    p = 8
    (data_offset,) = struct.unpack(">i", payload[p:p + 4]); p += 4
    first_flags = b""
    if flags & 0x004:
        first_flags = payload[p:p + 4]; p += 4
    per = 4 * bin(flags & 0xF00).count("1")
    entries = [payload[p + i * per:p + (i + 1) * per] for i in range(count)]
    if count < 2:
        return [payload]
    half = count // 2
    head_flags = version_flags
    tail_flags = (version_flags & ~0x005)  # no data offset, no first-sample flags
    head = struct.pack(">IIi", head_flags, half, data_offset) + first_flags + b"".join(entries[:half])
    tail = struct.pack(">II", tail_flags, count - half) + b"".join(entries[half:])
    # A first-sample-flags field applies to the run's first sample only: the tail gets per-sample
    # flags from the tfhd/trex defaults, as before.
    return [head, tail]


out = bytearray()
for o, size, kind in boxes(data, 0, len(data)):
    if kind != b"moof":
        out += data[o:o + size]
        continue
    children = []
    for co, csize, ckind in boxes(data, o + 8, o + size):
        if ckind != b"traf":
            children.append(data[co:co + csize])
            continue
        parts = []
        for to, tsize, tkind in boxes(data, co + 8, co + csize):
            if tkind == b"trun":
                parts += [(b"trun", p) for p in split_trun(data[to + 8:to + tsize])]
            else:
                parts.append((tkind, data[to + 8:to + tsize]))
        children.append((parts,))
    # Each split adds an 8-byte trun header and an 8-byte count/flags word minus the 4-byte
    # data_offset (and first flags) the tail no longer has: grow data offsets by the moof's growth.
    new = b"".join(c if isinstance(c, (bytes, bytearray)) else box(b"traf", b"".join(box(k, p) for k, p in c[0])) for c in children)
    growth = (8 + len(new)) - size
    fixed = []
    for c in children:
        if isinstance(c, (bytes, bytearray)):
            fixed.append(c)
            continue
        parts = []
        for k, p in c[0]:
            if k == b"trun" and struct.unpack(">I", p[:4])[0] & 0x001:
                vf, n, off = struct.unpack(">IIi", p[:12])
                p = struct.pack(">IIi", vf, n, off + growth) + p[12:]
            parts.append(box(k, p))
        fixed.append(box(b"traf", b"".join(parts)))
    out += box(b"moof", b"".join(fixed))
open(sys.argv[2], "wb").write(out)
