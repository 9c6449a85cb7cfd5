/// `mvhd`: the movie timescale (edit list durations use it) and duration.
public struct MovieHeaderBox: BoxCodable {
    public static let type: FourCC = "mvhd"
    public var version: UInt8
    public var creationTime: UInt64
    public var modificationTime: UInt64
    public var timescale: UInt32
    public var duration: UInt64
    public var rate: Int32 = 0x10000
    public var volume: Int16 = 0x100
    public var matrix: TransformMatrix = .identity
    public var nextTrackID: UInt32

    public init(timescale: UInt32, duration: UInt64, nextTrackID: UInt32) {
        version = duration > UInt32.max ? 1 : 0
        creationTime = 0; modificationTime = 0
        self.timescale = timescale; self.duration = duration; self.nextTrackID = nextTrackID
    }

    public init(payload r: inout ByteReader) throws(MP4Error) {
        let (v, _) = try r.versionAndFlags()
        version = v
        if v == 1 {
            creationTime = try r.u64(); modificationTime = try r.u64()
            timescale = try r.u32(); duration = try r.u64()
        } else {
            creationTime = UInt64(try r.u32()); modificationTime = UInt64(try r.u32())
            timescale = try r.u32(); duration = UInt64(try r.u32())
        }
        rate = try r.i32()
        volume = try r.i16()
        try r.skip(10)
        matrix = try TransformMatrix(reading: &r)
        try r.skip(24)
        nextTrackID = try r.u32()
    }

    public func writePayload(to w: inout ByteWriter) {
        let v: UInt8 = version == 1 || max(creationTime, modificationTime, duration) > UInt32.max ? 1 : 0
        w.versionAndFlags(v, 0)
        if v == 1 {
            w.u64(creationTime); w.u64(modificationTime); w.u32(timescale); w.u64(duration)
        } else {
            w.u32(UInt32(creationTime)); w.u32(UInt32(modificationTime)); w.u32(timescale); w.u32(UInt32(duration))
        }
        w.i32(rate); w.i16(volume); w.zeros(10)
        matrix.write(to: &w)
        w.zeros(24)
        w.u32(nextTrackID)
    }
}
