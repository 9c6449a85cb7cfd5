/// `avcC`: H.264 decoder configuration (profile, level, SPS/PPS).
public struct AVCConfigurationBox: BoxCodable {
    public static let type: FourCC = "avcC"
    public var configurationVersion: UInt8 = 1
    public var profile: UInt8
    public var profileCompatibility: UInt8
    public var level: UInt8
    /// Bytes in each NAL unit length prefix (1, 2 or 4).
    public var nalLengthSize: Int
    public var sequenceParameterSets: [[UInt8]]
    public var pictureParameterSets: [[UInt8]]
    /// High-profile extension fields (chroma format, bit depths, SPS-ext), kept verbatim.
    public var trailing: [UInt8] = []

    public init(profile: UInt8, profileCompatibility: UInt8, level: UInt8, nalLengthSize: Int, sps: [[UInt8]], pps: [[UInt8]]) {
        self.profile = profile; self.profileCompatibility = profileCompatibility; self.level = level
        self.nalLengthSize = nalLengthSize; sequenceParameterSets = sps; pictureParameterSets = pps
    }

    public init(payload r: inout ByteReader) throws(MP4Error) {
        configurationVersion = try r.u8()
        profile = try r.u8()
        profileCompatibility = try r.u8()
        level = try r.u8()
        nalLengthSize = Int(try r.u8() & 3) + 1
        guard nalLengthSize != 3 else { throw r.error(.invalid, "NAL length size 3 is not allowed") }
        let spsCount = try r.u8() & 31
        sequenceParameterSets = []
        for _ in 0..<spsCount { sequenceParameterSets.append(try r.bytes(Int(try r.u16()))) }
        let ppsCount = try r.u8()
        pictureParameterSets = []
        for _ in 0..<ppsCount { pictureParameterSets.append(try r.bytes(Int(try r.u16()))) }
        trailing = r.rest()
    }

    public func writePayload(to w: inout ByteWriter) {
        w.u8(configurationVersion); w.u8(profile); w.u8(profileCompatibility); w.u8(level)
        w.u8(0xFC | UInt8(nalLengthSize - 1))
        w.u8(0xE0 | UInt8(sequenceParameterSets.count))
        for sps in sequenceParameterSets { w.u16(UInt16(sps.count)); w.append(sps) }
        w.u8(UInt8(pictureParameterSets.count))
        for pps in pictureParameterSets { w.u16(UInt16(pps.count)); w.append(pps) }
        w.append(trailing)
    }

    /// RFC 6381 codec parameter, e.g. `avc1.64001f`.
    public func codecString(format: FourCC) -> String {
        "\(format)." + [profile, profileCompatibility, level].map { hex2($0) }.joined()
    }
}

func hex2(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
}
