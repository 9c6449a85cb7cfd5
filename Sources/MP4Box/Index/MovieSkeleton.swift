/// A `moov` without its sample tables: what an index file keeps of a movie (headers, edit
/// lists, sample descriptions, a few KB), so that a later load parses that and takes each
/// track's samples from the index file instead of expanding megabytes of `stts`/`stsz`/`stco`.
public enum MovieSkeleton {
    /// `moov` (the whole box, as read from the file) with every `stbl` reduced to its `stsd`
    /// and every `trak` without `mdia` left out (the reader skips those), so that its tracks
    /// are the movie's tracks one for one.
    public static func strip(moov: [UInt8]) throws(MP4Error) -> [UInt8] {
        var out = ByteWriter(capacity: 16 << 10)
        let header = try BoxHeader.parse(Array(moov.prefix(32)), offset: 0, limit: Int64(moov.count), path: "moov")
        guard header.type == "moov" else { throw MP4Error(.invalid, path: "moov", "not a 'moov' box but '\(header.type)'") }
        try copy(moov, from: header.headerSize, to: Int(header.end), type: "moov", into: &out, depth: 0)
        return out.bytes
    }

    /// The movie of a skeleton, each track with its samples as stored (one per track, in order).
    public static func movie(skeleton: [UInt8], fileSize: Int64, samples: [IndexedSamples], limits: ParseLimits = .default) throws(MP4Error) -> Movie {
        let header = try BoxHeader.parse(Array(skeleton.prefix(32)), offset: 0, limit: Int64(skeleton.count), path: "moov")
        guard header.type == "moov", header.size == Int64(skeleton.count) else { throw MP4Error(.invalid, path: "index", "the stored 'moov' is not one whole box") }
        var moov = ByteReader(Array(skeleton[header.headerSize...]), path: "moov")
        moov.maxDepth = limits.maxDepth
        var movie = try MovieReader(source: MemoryByteSource([]), limits: limits).readMovie(&moov, fileSize: fileSize, stored: samples)
        guard movie.tracks.count == samples.count else { throw MP4Error(.invalid, path: "index", "a stored track has no media box") }
        movie.topLevelBoxes = [header]
        return movie
    }

    /// Containers walked into; everything else is copied as it is.
    private static let containers: Set<FourCC> = ["moov", "trak", "mdia", "minf", "stbl"]

    /// Writes box `type` with the children found in `bytes[start..<end]` (kept, walked into or left out).
    private static func copy(_ bytes: [UInt8], from start: Int, to end: Int, type: FourCC, into out: inout ByteWriter, depth: Int) throws(MP4Error) {
        guard depth < 8 else { throw MP4Error(.limitExceeded, path: "moov", "boxes nested too deep") }
        var children: [(header: BoxHeader, body: Range<Int>)] = []
        var p = start
        while end - p >= 8 {
            let h = try BoxHeader.parse(Array(bytes[p..<min(end, p + 32)]), offset: Int64(p), limit: Int64(end), path: "\(type)")
            children.append((h, p..<Int(h.end)))
            p = Int(h.end)
        }
        if type == "trak" && !children.contains(where: { $0.header.type == "mdia" }) { return }
        var body = ByteWriter(capacity: 4096)
        for (h, range) in children {
            if type == "stbl" && h.type != "stsd" { continue }
            if containers.contains(h.type) && h.headerSize == 8 {
                try copy(bytes, from: range.lowerBound + 8, to: range.upperBound, type: h.type, into: &body, depth: depth + 1)
            } else {
                body.append(Array(bytes[range]))
            }
        }
        if body.count + 8 <= Int(UInt32.max) {
            out.u32(UInt32(body.count + 8))
            out.fourCC(type)
        } else {
            out.u32(1)
            out.fourCC(type)
            out.u64(UInt64(body.count + 16))
        }
        out.append(body.bytes)
    }
}
