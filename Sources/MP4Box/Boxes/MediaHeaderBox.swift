/// `mdhd`: the media timescale (every sample time uses it), duration and language.
public struct MediaHeaderBox: BoxCodable {
    public static let type: FourCC = "mdhd"
    public var version: UInt8
    public var creationTime: UInt64
    public var modificationTime: UInt64
    public var timescale: UInt32
    public var duration: UInt64
    /// Packed ISO 639-2/T code (three 5-bit letters), or a QuickTime language number below 0x400.
    public var languageCode: UInt16

    public init(timescale: UInt32, duration: UInt64, language: String = "und") {
        version = duration > UInt32.max ? 1 : 0
        creationTime = 0; modificationTime = 0
        self.timescale = timescale; self.duration = duration
        languageCode = Self.pack(language)
    }

    public init(payload r: inout ByteReader) throws(MP4Error) {
        (version, _) = try r.versionAndFlags()
        let times = try HeaderTimes(reading: &r, version: version)
        creationTime = times.creation; modificationTime = times.modification
        timescale = times.timescale; duration = times.duration
        languageCode = try r.u16() & 0x7FFF
        try r.skip(2)
    }

    public func writePayload(to w: inout ByteWriter) {
        HeaderTimes(creation: creationTime, modification: modificationTime, timescale: timescale, duration: duration)
            .write(to: &w, version: version)
        w.u16(languageCode); w.u16(0)
    }

    /// ISO 639-2 code, "und" when unknown. QuickTime numbers: 0 is English, others "und".
    public var language: String {
        if languageCode < 0x400 { return languageCode == 0 ? "eng" : "und" }
        let letters = [(languageCode >> 10) & 31, (languageCode >> 5) & 31, languageCode & 31]
        guard letters.allSatisfy({ (1...26).contains($0) }) else { return "und" }
        return String(letters.map { Character(UnicodeScalar(UInt8($0) + 0x60)) })
    }

    static func pack(_ language: String) -> UInt16 {
        let letters = Array(language.utf8.prefix(3))
        guard letters.count == 3, letters.allSatisfy({ (0x61...0x7A).contains($0) }) else { return pack("und") }
        return letters.reduce(0) { $0 << 5 | UInt16($1 - 0x60) }
    }
}
