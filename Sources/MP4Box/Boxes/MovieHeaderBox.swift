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
        let times = try HeaderTimes(reading: &r, version: v)
        creationTime = times.creation; modificationTime = times.modification
        timescale = times.timescale; duration = times.duration
        rate = try r.i32()
        volume = try r.i16()
        try r.skip(10)
        matrix = try TransformMatrix(reading: &r)
        try r.skip(24)
        nextTrackID = try r.u32()
    }

    public func writePayload(to w: inout ByteWriter) {
        HeaderTimes(creation: creationTime, modification: modificationTime, timescale: timescale, duration: duration)
            .write(to: &w, version: version)
        w.i32(rate); w.i16(volume); w.zeros(10)
        matrix.write(to: &w)
        w.zeros(24)
        w.u32(nextTrackID)
    }
}
