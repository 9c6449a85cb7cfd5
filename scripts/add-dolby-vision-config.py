#!/usr/bin/env python3
"""Adds a Dolby Vision configuration box (`dvcC`) to the first HEVC (`hvc1`/`hev1`) sample entry of
an MP4 whose index is at the end (so no sample offset moves), as phones write it for profile 8.4:
a Dolby Vision layer whose base layer plays as HLG where Dolby Vision is not decoded. The bitstream
carries no RPU: a Dolby Vision decoder shows the base layer. For test fixtures (issue 15).
  scripts/add-dolby-vision-config.py IN OUT [PROFILE LEVEL COMPATIBILITY_ID]   (default 8 1 4)
"""
import struct, sys

def boxes(data, start, end):
    while start + 8 <= end:
        size, kind = struct.unpack(">I4s", data[start:start + 8])
        if size < 8 or start + size > end: raise SystemExit(f"bad box at {start}")
        yield start, size, kind
        start += size

def main():
    src, dst = sys.argv[1], sys.argv[2]
    profile, level, compat = (int(v) for v in (sys.argv[3:6] or [8, 1, 4]))
    data = bytearray(open(src, "rb").read())
    payload = struct.pack(">BBHB", 1, 0, profile << 9 | level << 3 | 0b101, compat << 4) + bytes(19)
    box = struct.pack(">I4s", 8 + len(payload), b"dvcC") + payload
    # Where each container's children start past its header (stsd: full box + entry count; a visual entry: 78 bytes).
    path = [(b"moov", 8), (b"trak", 8), (b"mdia", 8), (b"minf", 8), (b"stbl", 8), (b"stsd", 16), (b"hvc1", 86)]
    ancestors, start, end = [], 0, len(data)
    for kind, skip in path:
        found = [(s, n) for s, n, k in boxes(data, start, end) if k == kind or (kind == b"hvc1" and k == b"hev1")]
        if not found: raise SystemExit(f"no {kind.decode()} (is the index at the end, the video HEVC and the first track?)")
        s, n = found[0]
        ancestors.append(s)
        start, end = s + skip, s + n
    order = [k for _, _, k in boxes(data, 0, len(data))]
    if b"mdat" not in order or order.index(b"mdat") > order.index(b"moov"): raise SystemExit("the index must be at the end")
    data[end:end] = box
    for s in ancestors:
        size = struct.unpack(">I", data[s:s + 4])[0]
        data[s:s + 4] = struct.pack(">I", size + len(box))
    open(dst, "wb").write(data)

if __name__ == "__main__":
    main()
