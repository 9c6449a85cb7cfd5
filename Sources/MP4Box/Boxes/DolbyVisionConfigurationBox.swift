/// `dvcC` / `dvvC` / `dvwC`: Dolby Vision configuration (Dolby Vision Streams within the ISO
/// Base Media File Format): the profile, level, which layers are present, and which signal
/// the base layer is compatible with (0 none, 1 HDR10, 2 SDR, 4 HLG), as a phone writes it
/// beside `hvcC` for a video that plays as HLG where Dolby Vision is not decoded.
public struct DolbyVisionConfigurationBox: Equatable, Sendable {
    public var versionMajor: UInt8
    public var versionMinor: UInt8
    public var profile: UInt8
    public var level: UInt8
    public var rpuPresent: Bool
    public var enhancementLayerPresent: Bool
    public var baseLayerPresent: Bool
    public var compatibilityID: UInt8

    public init(payload r: inout ByteReader) throws(MP4Error) {
        versionMajor = try r.u8()
        versionMinor = try r.u8()
        let bits = try r.u16()
        profile = UInt8(truncatingIfNeeded: bits >> 9)
        level = UInt8(truncatingIfNeeded: (bits >> 3) & 0x3F)
        rpuPresent = bits & 0x4 != 0
        enhancementLayerPresent = bits & 0x2 != 0
        baseLayerPresent = bits & 0x1 != 0
        compatibilityID = try r.u8() >> 4
    }

    /// The Dolby Vision codec string for a sample entry of `format` (`dvh1.08.07` beside `hvc1`,
    /// `dvhe` beside `hev1`, `dav1` beside `av01`, `dva1`/`dvav` beside `avc1`/`avc3`); nil for another format.
    public func codecString(format: FourCC) -> String? {
        let fourCC: String
        switch format {
        case "hvc1", "dvh1": fourCC = "dvh1"
        case "hev1", "dvhe": fourCC = "dvhe"
        case "av01", "dav1": fourCC = "dav1"
        case "avc1", "dva1": fourCC = "dva1"
        case "avc3", "dvav": fourCC = "dvav"
        default: return nil
        }
        func two(_ v: UInt8) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(fourCC).\(two(profile)).\(two(level))"
    }

    /// The compatibility brand of the base layer (HLS SUPPLEMENTAL-CODECS): `db1p` (HDR10),
    /// `db2g` (SDR), `db4h` (HLG); nil for none.
    public var compatibilityBrand: String? {
        switch compatibilityID {
        case 1: return "db1p"
        case 2: return "db2g"
        case 4: return "db4h"
        default: return nil
        }
    }
}

/// The dynamic range a video is coded for, as HLS names it (VIDEO-RANGE).
public enum VideoRange: String, Sendable {
    case sdr = "SDR", pq = "PQ", hlg = "HLG"
}
