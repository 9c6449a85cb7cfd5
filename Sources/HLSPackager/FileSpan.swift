import MP4Box

/// The ranges of one file a response or segment needs, read with one `pread` of their
/// span when they lie close together (the span is not mostly other data), instead of a
/// read each: the samples of one track of an interleaved file are hundreds of ranges.
struct FileSpan {
    let start: Int64
    let bytes: [UInt8]

    /// Where a set of ranges lies: from the lowest offset to the highest end, and the bytes they hold.
    struct Bounds {
        private(set) var low = Int64.max, high = Int64.min, total: Int64 = 0

        mutating func add(offset: Int64, length: Int64) {
            low = min(low, offset); high = max(high, offset &+ length); total &+= length
        }

        /// Whether their span is worth one read (not mostly other data) and at most `limit` bytes.
        func worthReading(limit: Int64) -> Bool {
            low < high && high - low <= max(2 * total, 1 << 20) && high - low <= limit
        }
    }

    static func read(_ source: FileByteSource, _ bounds: Bounds) throws(MP4Error) -> FileSpan {
        FileSpan(start: bounds.low, bytes: try source.read(at: bounds.low, count: Int(bounds.high - bounds.low)))
    }

    /// Bytes `offset..<offset + length` if the span holds them.
    func slice(offset: Int64, length: Int) -> ArraySlice<UInt8>? {
        guard !bytes.isEmpty, offset >= start, offset + Int64(length) <= start + Int64(bytes.count) else { return nil }
        let from = Int(offset - start)
        return bytes[from..<from + length]
    }
}

extension ResponseBody {
    /// The body in memory as slices of what was read, in order: the span of its file ranges
    /// read once when they are of one file and close together, else the whole body built.
    public func pieces(limit: Int64 = 64 << 20) throws(MP4Error) -> [ArraySlice<UInt8>] {
        var path: String?, bounds = FileSpan.Bounds(), oneFile = true
        for case let .file(p, range) in parts {
            if path != nil && path != p { oneFile = false }
            path = p
            bounds.add(offset: range.offset, length: range.length)
        }
        guard let path else { return parts.compactMap { if case .bytes(let b) = $0 { b[...] } else { nil } } }  // built bytes (TS)
        guard oneFile, bounds.worthReading(limit: limit) else { return [try materialize()[...]] }
        let span = try FileSpan.read(try FileByteSource(path: path), bounds)
        return parts.map { part in
            switch part {
            case .bytes(let bytes): return bytes[...]
            case let .file(_, range): return span.slice(offset: range.offset, length: Int(range.length)) ?? []
            }
        }
    }
}
