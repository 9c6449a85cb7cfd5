/// `elst`: maps the media timeline onto the presentation. `mediaTime == -1` is an empty edit.
public struct EditListBox: BoxCodable {
    public static let type: FourCC = "elst"

    public struct Entry: Equatable, Sendable {
        /// In the movie timescale.
        public var segmentDuration: UInt64
        /// In the media timescale; -1 for an empty edit.
        public var mediaTime: Int64
        public var rateInteger: Int16 = 1
        public var rateFraction: Int16 = 0
        public init(segmentDuration: UInt64, mediaTime: Int64, rateInteger: Int16 = 1, rateFraction: Int16 = 0) {
            self.segmentDuration = segmentDuration; self.mediaTime = mediaTime
            self.rateInteger = rateInteger; self.rateFraction = rateFraction
        }
    }

    public var version: UInt8
    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
        version = entries.contains { $0.segmentDuration > UInt32.max || $0.mediaTime > Int32.max || $0.mediaTime < Int32.min } ? 1 : 0
    }

    public init(payload r: inout ByteReader) throws(MP4Error) {
        (version, _) = try r.versionAndFlags()
        let count = try r.u32()
        try r.checkEntries(UInt64(count), of: version == 1 ? 20 : 12, "entry count")
        entries = []
        entries.reserveCapacity(Int(count))
        for _ in 0..<count {
            if version == 1 {
                entries.append(Entry(segmentDuration: try r.u64(), mediaTime: try r.i64(), rateInteger: try r.i16(), rateFraction: try r.i16()))
            } else {
                entries.append(Entry(segmentDuration: UInt64(try r.u32()), mediaTime: Int64(try r.i32()), rateInteger: try r.i16(), rateFraction: try r.i16()))
            }
        }
    }

    public func writePayload(to w: inout ByteWriter) {
        let needs64 = entries.contains { $0.segmentDuration > UInt32.max || $0.mediaTime > Int32.max || $0.mediaTime < Int32.min }
        let v: UInt8 = version == 1 || needs64 ? 1 : 0
        w.versionAndFlags(v, 0)
        w.u32(UInt32(entries.count))
        for e in entries {
            if v == 1 { w.u64(e.segmentDuration); w.i64(e.mediaTime) } else { w.u32(UInt32(e.segmentDuration)); w.i32(Int32(e.mediaTime)) }
            w.i16(e.rateInteger); w.i16(e.rateFraction)
        }
    }
}
