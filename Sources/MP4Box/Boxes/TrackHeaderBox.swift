/// `tkhd`: track id, presentation size and the display matrix (rotation).
public struct TrackHeaderBox: BoxCodable {
    public static let type: FourCC = "tkhd"
    public var version: UInt8
    public var flags: UInt32
    public var creationTime: UInt64
    public var modificationTime: UInt64
    public var trackID: UInt32
    public var duration: UInt64
    public var layer: Int16 = 0
    public var alternateGroup: Int16 = 0
    public var volume: Int16 = 0
    public var matrix: TransformMatrix = .identity
    /// 16.16 fixed point.
    public var width: UInt32
    public var height: UInt32

    public init(trackID: UInt32, duration: UInt64, width: UInt32 = 0, height: UInt32 = 0, volume: Int16 = 0) {
        version = duration > UInt32.max ? 1 : 0
        flags = 3  // enabled, in movie
        creationTime = 0; modificationTime = 0
        self.trackID = trackID; self.duration = duration
        self.width = width; self.height = height; self.volume = volume
    }

    public init(payload r: inout ByteReader) throws(MP4Error) {
        (version, flags) = try r.versionAndFlags()
        if version == 1 {
            creationTime = try r.u64(); modificationTime = try r.u64()
            trackID = try r.u32(); try r.skip(4); duration = try r.u64()
        } else {
            creationTime = UInt64(try r.u32()); modificationTime = UInt64(try r.u32())
            trackID = try r.u32(); try r.skip(4); duration = UInt64(try r.u32())
        }
        try r.skip(8)
        layer = try r.i16(); alternateGroup = try r.i16(); volume = try r.i16()
        try r.skip(2)
        matrix = try TransformMatrix(reading: &r)
        width = try r.u32(); height = try r.u32()
    }

    public func writePayload(to w: inout ByteWriter) {
        let v: UInt8 = version == 1 || max(creationTime, modificationTime, duration) > UInt32.max ? 1 : 0
        w.versionAndFlags(v, flags)
        if v == 1 {
            w.u64(creationTime); w.u64(modificationTime); w.u32(trackID); w.zeros(4); w.u64(duration)
        } else {
            w.u32(UInt32(creationTime)); w.u32(UInt32(modificationTime)); w.u32(trackID); w.zeros(4); w.u32(UInt32(duration))
        }
        w.zeros(8)
        w.i16(layer); w.i16(alternateGroup); w.i16(volume); w.zeros(2)
        matrix.write(to: &w)
        w.u32(width); w.u32(height)
    }
}
