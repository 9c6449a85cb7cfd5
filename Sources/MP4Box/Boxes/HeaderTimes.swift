/// Creation and modification times, timescale and duration as `mvhd` and
/// `mdhd` store them: 32-bit in version 0, 64-bit in version 1. The writer
/// keeps version 1 when it was read, and picks it when a value needs 64 bits.
struct HeaderTimes {
    var creation: UInt64
    var modification: UInt64
    var timescale: UInt32
    var duration: UInt64

    init(creation: UInt64, modification: UInt64, timescale: UInt32, duration: UInt64) {
        self.creation = creation; self.modification = modification; self.timescale = timescale; self.duration = duration
    }

    init(reading r: inout ByteReader, version: UInt8) throws(MP4Error) {
        if version == 1 {
            creation = try r.u64(); modification = try r.u64(); timescale = try r.u32(); duration = try r.u64()
        } else {
            creation = UInt64(try r.u32()); modification = UInt64(try r.u32()); timescale = try r.u32(); duration = UInt64(try r.u32())
        }
    }

    /// Writes version, flags and the four fields.
    func write(to w: inout ByteWriter, version: UInt8) {
        let v: UInt8 = version == 1 || max(creation, modification, duration) > UInt32.max ? 1 : 0
        w.versionAndFlags(v, 0)
        if v == 1 {
            w.u64(creation); w.u64(modification); w.u32(timescale); w.u64(duration)
        } else {
            w.u32(UInt32(creation)); w.u32(UInt32(modification)); w.u32(timescale); w.u32(UInt32(duration))
        }
    }
}
