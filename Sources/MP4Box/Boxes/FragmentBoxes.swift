/// `mfhd`: fragment sequence number.
public struct MovieFragmentHeaderBox: BoxCodable {
    public static let type: FourCC = "mfhd"
    public var sequenceNumber: UInt32

    public init(sequenceNumber: UInt32) { self.sequenceNumber = sequenceNumber }

    public init(payload r: inout ByteReader) throws(MP4Error) {
        _ = try r.versionAndFlags()
        sequenceNumber = try r.u32()
    }

    public func writePayload(to w: inout ByteWriter) { w.versionAndFlags(0, 0); w.u32(sequenceNumber) }
}

/// `tfhd`: which track a `traf` describes, and defaults that override `trex`.
public struct TrackFragmentHeaderBox: BoxCodable {
    public static let type: FourCC = "tfhd"
    public var trackID: UInt32
    public var baseDataOffset: UInt64?
    public var sampleDescriptionIndex: UInt32?
    public var defaultSampleDuration: UInt32?
    public var defaultSampleSize: UInt32?
    public var defaultSampleFlags: SampleFlags?
    public var durationIsEmpty = false
    /// Offsets in `trun` are relative to this `moof` (CMAF requires it).
    public var defaultBaseIsMoof = false

    public init(trackID: UInt32, defaultBaseIsMoof: Bool = true) {
        self.trackID = trackID
        self.defaultBaseIsMoof = defaultBaseIsMoof
    }

    public init(payload r: inout ByteReader) throws(MP4Error) {
        let (_, flags) = try r.versionAndFlags()
        trackID = try r.u32()
        if flags & 0x01 != 0 { baseDataOffset = try r.u64() }
        if flags & 0x02 != 0 { sampleDescriptionIndex = try r.u32() }
        if flags & 0x08 != 0 { defaultSampleDuration = try r.u32() }
        if flags & 0x10 != 0 { defaultSampleSize = try r.u32() }
        if flags & 0x20 != 0 { defaultSampleFlags = SampleFlags(rawValue: try r.u32()) }
        durationIsEmpty = flags & 0x1_0000 != 0
        defaultBaseIsMoof = flags & 0x2_0000 != 0
    }

    public func writePayload(to w: inout ByteWriter) {
        var flags: UInt32 = 0
        if baseDataOffset != nil { flags |= 0x01 }
        if sampleDescriptionIndex != nil { flags |= 0x02 }
        if defaultSampleDuration != nil { flags |= 0x08 }
        if defaultSampleSize != nil { flags |= 0x10 }
        if defaultSampleFlags != nil { flags |= 0x20 }
        if durationIsEmpty { flags |= 0x1_0000 }
        if defaultBaseIsMoof { flags |= 0x2_0000 }
        w.versionAndFlags(0, flags)
        w.u32(trackID)
        if let v = baseDataOffset { w.u64(v) }
        if let v = sampleDescriptionIndex { w.u32(v) }
        if let v = defaultSampleDuration { w.u32(v) }
        if let v = defaultSampleSize { w.u32(v) }
        if let v = defaultSampleFlags { w.u32(v.rawValue) }
    }
}

/// `tfdt`: decode time of the fragment's first sample.
public struct TrackFragmentDecodeTimeBox: BoxCodable {
    public static let type: FourCC = "tfdt"
    public var baseMediaDecodeTime: UInt64

    public init(baseMediaDecodeTime: UInt64) { self.baseMediaDecodeTime = baseMediaDecodeTime }

    public init(payload r: inout ByteReader) throws(MP4Error) {
        let (v, _) = try r.versionAndFlags()
        baseMediaDecodeTime = v == 1 ? try r.u64() : UInt64(try r.u32())
    }

    public func writePayload(to w: inout ByteWriter) {
        if baseMediaDecodeTime > UInt32.max { w.versionAndFlags(1, 0); w.u64(baseMediaDecodeTime) } else { w.versionAndFlags(0, 0); w.u32(UInt32(baseMediaDecodeTime)) }
    }
}

/// `trun`: a run of samples; which per-sample fields are present is given by the flags.
public struct TrackRunBox: BoxCodable {
    public static let type: FourCC = "trun"

    public struct Sample: Equatable, Sendable {
        public var duration: UInt32?
        public var size: UInt32?
        public var flags: SampleFlags?
        public var compositionOffset: Int32?
        public init(duration: UInt32? = nil, size: UInt32? = nil, flags: SampleFlags? = nil, compositionOffset: Int32? = nil) {
            self.duration = duration; self.size = size; self.flags = flags; self.compositionOffset = compositionOffset
        }
    }

    /// Version 1 makes composition offsets signed.
    public var version: UInt8
    public var dataOffset: Int32?
    public var firstSampleFlags: SampleFlags?
    public var samples: [Sample]

    public init(version: UInt8, dataOffset: Int32?, firstSampleFlags: SampleFlags?, samples: [Sample]) {
        self.version = version; self.dataOffset = dataOffset; self.firstSampleFlags = firstSampleFlags; self.samples = samples
    }

    public init(payload r: inout ByteReader) throws(MP4Error) {
        let (v, flags) = try r.versionAndFlags()
        version = v
        let count = try r.u32()
        if flags & 0x001 != 0 { dataOffset = try r.i32() }
        if flags & 0x004 != 0 { firstSampleFlags = SampleFlags(rawValue: try r.u32()) }
        let hasDuration = flags & 0x100 != 0, hasSize = flags & 0x200 != 0
        let hasFlags = flags & 0x400 != 0, hasOffset = flags & 0x800 != 0
        let perSample = [hasDuration, hasSize, hasFlags, hasOffset].filter { $0 }.count * 4
        if perSample > 0 {
            try r.checkEntries(UInt64(count), of: perSample, "sample count")
        } else if count > 1 << 16 {
            // Nothing in the box backs such a count; a real run of defaults is far shorter.
            throw r.error(.limitExceeded, "sample count \(count) with no per-sample fields exceeds 65536")
        }
        samples = []
        samples.reserveCapacity(Int(count))
        for _ in 0..<count {
            var s = Sample()
            if hasDuration { s.duration = try r.u32() }
            if hasSize { s.size = try r.u32() }
            if hasFlags { s.flags = SampleFlags(rawValue: try r.u32()) }
            if hasOffset { s.compositionOffset = try r.i32() }
            samples.append(s)
        }
    }

    public func writePayload(to w: inout ByteWriter) {
        let first = samples.first
        var flags: UInt32 = 0
        if dataOffset != nil { flags |= 0x001 }
        if firstSampleFlags != nil { flags |= 0x004 }
        if first?.duration != nil { flags |= 0x100 }
        if first?.size != nil { flags |= 0x200 }
        if first?.flags != nil { flags |= 0x400 }
        if first?.compositionOffset != nil { flags |= 0x800 }
        w.versionAndFlags(version, flags)
        w.u32(UInt32(samples.count))
        if let v = dataOffset { w.i32(v) }
        if let v = firstSampleFlags { w.u32(v.rawValue) }
        for s in samples {
            if flags & 0x100 != 0 { w.u32(s.duration ?? 0) }
            if flags & 0x200 != 0 { w.u32(s.size ?? 0) }
            if flags & 0x400 != 0 { w.u32(s.flags?.rawValue ?? 0) }
            if flags & 0x800 != 0 { w.i32(s.compositionOffset ?? 0) }
        }
    }
}

/// `sidx`: segment index: where each subsegment is and how long it plays.
public struct SegmentIndexBox: BoxCodable {
    public static let type: FourCC = "sidx"

    public struct Reference: Equatable, Sendable {
        public var referencesIndex = false
        public var size: UInt32
        public var duration: UInt32
        public var startsWithSAP = true
        public var sapType: UInt8 = 1
        public var sapDeltaTime: UInt32 = 0
        public init(size: UInt32, duration: UInt32, startsWithSAP: Bool = true, sapType: UInt8 = 1) {
            self.size = size; self.duration = duration; self.startsWithSAP = startsWithSAP; self.sapType = sapType
        }
    }

    public var referenceID: UInt32
    public var timescale: UInt32
    public var earliestPresentationTime: UInt64
    public var firstOffset: UInt64
    public var references: [Reference]

    public init(referenceID: UInt32, timescale: UInt32, earliestPresentationTime: UInt64, firstOffset: UInt64 = 0, references: [Reference]) {
        self.referenceID = referenceID; self.timescale = timescale
        self.earliestPresentationTime = earliestPresentationTime; self.firstOffset = firstOffset; self.references = references
    }

    public init(payload r: inout ByteReader) throws(MP4Error) {
        let (v, _) = try r.versionAndFlags()
        referenceID = try r.u32()
        timescale = try r.u32()
        if v == 0 {
            earliestPresentationTime = UInt64(try r.u32()); firstOffset = UInt64(try r.u32())
        } else {
            earliestPresentationTime = try r.u64(); firstOffset = try r.u64()
        }
        try r.skip(2)
        let count = try r.u16()
        try r.checkEntries(UInt64(count), of: 12, "reference count")
        references = []
        for _ in 0..<count {
            let a = try r.u32(), duration = try r.u32(), c = try r.u32()
            var ref = Reference(size: a & 0x7FFF_FFFF, duration: duration, startsWithSAP: c >> 31 == 1, sapType: UInt8(c >> 28 & 7))
            ref.referencesIndex = a >> 31 == 1
            ref.sapDeltaTime = c & 0x0FFF_FFFF
            references.append(ref)
        }
    }

    public func writePayload(to w: inout ByteWriter) {
        let v: UInt8 = max(earliestPresentationTime, firstOffset) > UInt32.max ? 1 : 0
        w.versionAndFlags(v, 0)
        w.u32(referenceID); w.u32(timescale)
        if v == 0 { w.u32(UInt32(earliestPresentationTime)); w.u32(UInt32(firstOffset)) } else { w.u64(earliestPresentationTime); w.u64(firstOffset) }
        w.u16(0)
        w.u16(UInt16(references.count))
        for ref in references {
            w.u32((ref.referencesIndex ? 1 << 31 : 0) | ref.size & 0x7FFF_FFFF)
            w.u32(ref.duration)
            w.u32((ref.startsWithSAP ? 1 << 31 : 0) | UInt32(ref.sapType & 7) << 28 | ref.sapDeltaTime & 0x0FFF_FFFF)
        }
    }
}
