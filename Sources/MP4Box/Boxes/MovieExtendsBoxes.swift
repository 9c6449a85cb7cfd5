/// `mehd`: the whole duration of a fragmented movie.
public struct MovieExtendsHeaderBox: BoxCodable {
    public static let type: FourCC = "mehd"
    public var fragmentDuration: UInt64

    public init(fragmentDuration: UInt64) { self.fragmentDuration = fragmentDuration }

    public init(payload r: inout ByteReader) throws(MP4Error) {
        let (v, _) = try r.versionAndFlags()
        fragmentDuration = v == 1 ? try r.u64() : UInt64(try r.u32())
    }

    public func writePayload(to w: inout ByteWriter) {
        if fragmentDuration > UInt32.max { w.versionAndFlags(1, 0); w.u64(fragmentDuration) } else { w.versionAndFlags(0, 0); w.u32(UInt32(fragmentDuration)) }
    }
}

/// `trex`: per-track defaults for samples in fragments.
public struct TrackExtendsBox: BoxCodable {
    public static let type: FourCC = "trex"
    public var trackID: UInt32
    public var defaultSampleDescriptionIndex: UInt32 = 1
    public var defaultSampleDuration: UInt32 = 0
    public var defaultSampleSize: UInt32 = 0
    public var defaultSampleFlags: SampleFlags = SampleFlags(rawValue: 0)

    public init(trackID: UInt32) { self.trackID = trackID }

    public init(payload r: inout ByteReader) throws(MP4Error) {
        _ = try r.versionAndFlags()
        trackID = try r.u32()
        defaultSampleDescriptionIndex = try r.u32()
        defaultSampleDuration = try r.u32()
        defaultSampleSize = try r.u32()
        defaultSampleFlags = SampleFlags(rawValue: try r.u32())
    }

    public func writePayload(to w: inout ByteWriter) {
        w.versionAndFlags(0, 0)
        w.u32(trackID); w.u32(defaultSampleDescriptionIndex); w.u32(defaultSampleDuration)
        w.u32(defaultSampleSize); w.u32(defaultSampleFlags.rawValue)
    }
}
