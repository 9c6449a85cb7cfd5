/// `av1C`: AV1 codec configuration (AV1 Codec ISO Media File Format Binding §2.3):
/// profile, level, tier, bit depth and chroma layout of the sequence header, then
/// the configuration OBUs, kept as bytes.
public struct AV1ConfigurationBox: BoxCodable {
    public static let type: FourCC = "av1C"
    public var profile: UInt8
    public var level: UInt8
    public var tier: UInt8
    public var highBitDepth: Bool
    public var twelveBit: Bool
    public var monochrome: Bool
    public var chromaSubsamplingX: Bool
    public var chromaSubsamplingY: Bool
    public var chromaSamplePosition: UInt8
    /// The fourth byte (initial presentation delay) and the configuration OBUs.
    public var rest: [UInt8]

    public init(payload r: inout ByteReader) throws(MP4Error) {
        let marker = try r.u8()
        guard marker & 0x80 != 0, marker & 0x7F == 1 else { throw r.error(.invalid, "av1C marker/version \(marker) is not 0x81") }
        let b1 = try r.u8(), b2 = try r.u8()
        profile = b1 >> 5; level = b1 & 0x1F
        tier = b2 >> 7; highBitDepth = b2 & 0x40 != 0; twelveBit = b2 & 0x20 != 0; monochrome = b2 & 0x10 != 0
        chromaSubsamplingX = b2 & 0x08 != 0; chromaSubsamplingY = b2 & 0x04 != 0; chromaSamplePosition = b2 & 0x03
        rest = r.rest()
    }

    public func writePayload(to w: inout ByteWriter) {
        w.u8(0x81)
        w.u8(profile << 5 | level & 0x1F)
        w.u8(tier << 7 | (highBitDepth ? 0x40 : 0) | (twelveBit ? 0x20 : 0) | (monochrome ? 0x10 : 0)
             | (chromaSubsamplingX ? 0x08 : 0) | (chromaSubsamplingY ? 0x04 : 0) | chromaSamplePosition & 0x03)
        w.append(rest)
    }

    public var bitDepth: Int { highBitDepth ? (twelveBit ? 12 : 10) : 8 }

    /// `av01.P.LLT.DD` (AV1 ISOBMFF §5, codecs parameter), with the optional colour
    /// fields when the sample entry has an `nclx` colour box.
    public func codecString(colour: ColourInformationBox?) -> String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        var s = "av01.\(profile).\(two(Int(level)))\(tier == 0 ? "M" : "H").\(two(bitDepth))"
        if let colour, colour.colourType == "nclx" {
            let subsampling = "\(chromaSubsamplingX ? 1 : 0)\(chromaSubsamplingY ? 1 : 0)\(chromaSubsamplingX && chromaSubsamplingY ? Int(chromaSamplePosition) : 0)"
            s += ".\(monochrome ? 1 : 0).\(subsampling).\(two(Int(colour.primaries))).\(two(Int(colour.transfer))).\(two(Int(colour.matrix))).\(colour.fullRange ? 1 : 0)"
        }
        return s
    }
}

/// `vpcC`: VP8/VP9 codec configuration (VP Codec ISO Media File Format Binding,
/// version 1): profile, level, bit depth, chroma subsampling, range and colour.
public struct VPCodecConfigurationBox: BoxCodable {
    public static let type: FourCC = "vpcC"
    public var version: UInt8
    public var flags: UInt32
    public var profile: UInt8
    public var level: UInt8
    public var bitDepth: UInt8
    public var chromaSubsampling: UInt8
    public var fullRange: Bool
    public var colourPrimaries: UInt8
    public var transferCharacteristics: UInt8
    public var matrixCoefficients: UInt8
    public var initializationData: [UInt8]

    public init(payload r: inout ByteReader) throws(MP4Error) {
        (version, flags) = try r.versionAndFlags()
        guard version == 1 else { throw r.error(.invalid, "vpcC version \(version) is not 1") }
        profile = try r.u8(); level = try r.u8()
        let b = try r.u8()
        bitDepth = b >> 4; chromaSubsampling = b >> 1 & 0x07; fullRange = b & 1 != 0
        colourPrimaries = try r.u8(); transferCharacteristics = try r.u8(); matrixCoefficients = try r.u8()
        let size = Int(try r.u16())
        initializationData = try r.bytes(size)
    }

    public func writePayload(to w: inout ByteWriter) {
        w.versionAndFlags(version, flags)
        w.u8(profile); w.u8(level); w.u8(bitDepth << 4 | (chromaSubsampling & 0x07) << 1 | (fullRange ? 1 : 0))
        w.u8(colourPrimaries); w.u8(transferCharacteristics); w.u8(matrixCoefficients)
        w.u16(UInt16(truncatingIfNeeded: initializationData.count)); w.append(initializationData)
    }

    /// `vp09.PP.LL.DD.CC.cp.tc.mc.FF` (VP codec binding, codecs parameter string).
    public func codecString(format: FourCC) -> String {
        func two(_ n: UInt8) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(format).\(two(profile)).\(two(level)).\(two(bitDepth)).\(two(chromaSubsampling)).\(two(colourPrimaries))."
            + "\(two(transferCharacteristics)).\(two(matrixCoefficients)).\(fullRange ? "01" : "00")"
    }
}
