/// `stts`: run-length decode durations.
public struct TimeToSampleBox: BoxCodable {
    public static let type: FourCC = "stts"
    public struct Entry: Equatable, Sendable {
        public var count: UInt32
        public var delta: UInt32
        public init(count: UInt32, delta: UInt32) { self.count = count; self.delta = delta }
    }
    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    public init(payload r: inout ByteReader) throws(MP4Error) {
        _ = try r.versionAndFlags()
        let count = Int(try r.u32())
        let words = try r.u32Array(count, words: 2, "entry count")
        entries = (0..<count).map { Entry(count: words[2 * $0], delta: words[2 * $0 + 1]) }
    }

    public func writePayload(to w: inout ByteWriter) {
        w.versionAndFlags(0, 0)
        w.u32(UInt32(entries.count))
        for e in entries { w.u32(e.count); w.u32(e.delta) }
    }
}

/// `ctts`: run-length composition offsets. Version 1 allows negative offsets;
/// like FFmpeg, version 0 values are read as signed too (writers put negatives there).
public struct CompositionOffsetBox: BoxCodable {
    public static let type: FourCC = "ctts"
    public struct Entry: Equatable, Sendable {
        public var count: UInt32
        public var offset: Int32
        public init(count: UInt32, offset: Int32) { self.count = count; self.offset = offset }
    }
    public var version: UInt8
    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
        version = entries.contains { $0.offset < 0 } ? 1 : 0
    }

    public init(payload r: inout ByteReader) throws(MP4Error) {
        (version, _) = try r.versionAndFlags()
        let count = Int(try r.u32())
        let words = try r.u32Array(count, words: 2, "entry count")
        entries = (0..<count).map { Entry(count: words[2 * $0], offset: Int32(bitPattern: words[2 * $0 + 1])) }
    }

    public func writePayload(to w: inout ByteWriter) {
        w.versionAndFlags(version == 1 || entries.contains { $0.offset < 0 } ? 1 : 0, 0)
        w.u32(UInt32(entries.count))
        for e in entries { w.u32(e.count); w.i32(e.offset) }
    }
}

/// `stss`: 1-based numbers of sync samples. Absent means every sample is a sync sample.
public struct SyncSampleBox: BoxCodable {
    public static let type: FourCC = "stss"
    public var sampleNumbers: [UInt32]

    public init(sampleNumbers: [UInt32]) { self.sampleNumbers = sampleNumbers }

    public init(payload r: inout ByteReader) throws(MP4Error) {
        _ = try r.versionAndFlags()
        sampleNumbers = try r.u32Array(Int(try r.u32()), "entry count")
    }

    public func writePayload(to w: inout ByteWriter) {
        w.versionAndFlags(0, 0)
        w.u32(UInt32(sampleNumbers.count))
        sampleNumbers.forEach { w.u32($0) }
    }
}

/// `stsc`: runs of chunks with the same number of samples.
public struct SampleToChunkBox: BoxCodable {
    public static let type: FourCC = "stsc"
    public struct Entry: Equatable, Sendable {
        public var firstChunk: UInt32
        public var samplesPerChunk: UInt32
        public var sampleDescriptionIndex: UInt32
        public init(firstChunk: UInt32, samplesPerChunk: UInt32, sampleDescriptionIndex: UInt32) {
            self.firstChunk = firstChunk; self.samplesPerChunk = samplesPerChunk; self.sampleDescriptionIndex = sampleDescriptionIndex
        }
    }
    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    public init(payload r: inout ByteReader) throws(MP4Error) {
        _ = try r.versionAndFlags()
        let count = Int(try r.u32())
        let words = try r.u32Array(count, words: 3, "entry count")
        entries = (0..<count).map { Entry(firstChunk: words[3 * $0], samplesPerChunk: words[3 * $0 + 1], sampleDescriptionIndex: words[3 * $0 + 2]) }
    }

    public func writePayload(to w: inout ByteWriter) {
        w.versionAndFlags(0, 0)
        w.u32(UInt32(entries.count))
        for e in entries { w.u32(e.firstChunk); w.u32(e.samplesPerChunk); w.u32(e.sampleDescriptionIndex) }
    }
}

/// `stsz`: one size for all samples, or a size per sample.
public struct SampleSizeBox: BoxCodable {
    public static let type: FourCC = "stsz"
    /// Non-zero: every sample has this size and `sizes` is empty.
    public var constantSize: UInt32
    public var sampleCount: UInt32
    public var sizes: [UInt32]

    public init(sizes: [UInt32]) { constantSize = 0; sampleCount = UInt32(sizes.count); self.sizes = sizes }
    public init(constantSize: UInt32, sampleCount: UInt32) { self.constantSize = constantSize; self.sampleCount = sampleCount; sizes = [] }

    public init(payload r: inout ByteReader) throws(MP4Error) {
        _ = try r.versionAndFlags()
        constantSize = try r.u32()
        sampleCount = try r.u32()
        sizes = []
        if constantSize == 0 {
            sizes = try r.u32Array(Int(sampleCount), "entry count")
        }
    }

    public func writePayload(to w: inout ByteWriter) {
        w.versionAndFlags(0, 0)
        w.u32(constantSize)
        w.u32(sampleCount)
        if constantSize == 0 { sizes.forEach { w.u32($0) } }
    }
}

/// `stz2`: compact sample sizes of 4, 8 or 16 bits.
public struct CompactSampleSizeBox: BoxCodable {
    public static let type: FourCC = "stz2"
    public var fieldSize: UInt8
    public var sizes: [UInt32]

    public init(fieldSize: UInt8, sizes: [UInt32]) { self.fieldSize = fieldSize; self.sizes = sizes }

    public init(payload r: inout ByteReader) throws(MP4Error) {
        _ = try r.versionAndFlags()
        try r.skip(3)
        fieldSize = try r.u8()
        let count = try r.u32()
        guard [4, 8, 16].contains(fieldSize) else { throw r.error(.invalid, "field size \(fieldSize) is not 4, 8 or 16") }
        let bytesNeeded = (UInt64(count) * UInt64(fieldSize) + 7) / 8
        guard bytesNeeded <= UInt64(r.remaining) else {
            throw r.error(.invalid, "entry count \(count) exceeds the box (\(r.remaining) bytes left)")
        }
        sizes = []
        sizes.reserveCapacity(Int(count))
        var i: UInt32 = 0
        while i < count {
            switch fieldSize {
            case 4:
                let byte = try r.u8()
                sizes.append(UInt32(byte >> 4))
                if i + 1 < count { sizes.append(UInt32(byte & 15)) }
                i += 2
            case 8: sizes.append(UInt32(try r.u8())); i += 1
            default: sizes.append(UInt32(try r.u16())); i += 1
            }
        }
    }

    public func writePayload(to w: inout ByteWriter) {
        w.versionAndFlags(0, 0)
        w.zeros(3)
        w.u8(fieldSize)
        w.u32(UInt32(sizes.count))
        switch fieldSize {
        case 4:
            stride(from: 0, to: sizes.count, by: 2).forEach { i in
                let low = i + 1 < sizes.count ? sizes[i + 1] & 15 : 0
                w.u8(UInt8((sizes[i] & 15) << 4 | low))
            }
        case 8: sizes.forEach { w.u8(UInt8(truncatingIfNeeded: $0)) }
        default: sizes.forEach { w.u16(UInt16(truncatingIfNeeded: $0)) }
        }
    }
}

/// `stco`: 32-bit chunk offsets.
public struct ChunkOffsetBox: BoxCodable {
    public static let type: FourCC = "stco"
    public var offsets: [UInt64]

    public init(offsets: [UInt64]) { self.offsets = offsets }

    public init(payload r: inout ByteReader) throws(MP4Error) {
        _ = try r.versionAndFlags()
        offsets = try r.u32Array(Int(try r.u32()), "entry count").map { UInt64($0) }
    }

    public func writePayload(to w: inout ByteWriter) {
        w.versionAndFlags(0, 0)
        w.u32(UInt32(offsets.count))
        offsets.forEach { w.u32(UInt32(truncatingIfNeeded: $0)) }
    }
}

/// `co64`: 64-bit chunk offsets, for files over 4 GiB.
public struct ChunkLargeOffsetBox: BoxCodable {
    public static let type: FourCC = "co64"
    public var offsets: [UInt64]

    public init(offsets: [UInt64]) { self.offsets = offsets }

    public init(payload r: inout ByteReader) throws(MP4Error) {
        _ = try r.versionAndFlags()
        offsets = try r.u64Array(Int(try r.u32()), "entry count")
    }

    public func writePayload(to w: inout ByteWriter) {
        w.versionAndFlags(0, 0)
        w.u32(UInt32(offsets.count))
        offsets.forEach { w.u64($0) }
    }
}

/// `sdtp`: per-sample dependency flags (is leading, depends on, is depended on, redundancy).
public struct SampleDependencyTypeBox: BoxCodable {
    public static let type: FourCC = "sdtp"
    public var flags: [UInt8]

    public init(flags: [UInt8]) { self.flags = flags }

    public init(payload r: inout ByteReader) throws(MP4Error) {
        _ = try r.versionAndFlags()
        flags = r.rest()
    }

    public func writePayload(to w: inout ByteWriter) {
        w.versionAndFlags(0, 0)
        w.append(flags)
    }
}
