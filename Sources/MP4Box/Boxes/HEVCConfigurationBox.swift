/// `hvcC`: H.265 decoder configuration. The fixed 22-byte header is kept
/// verbatim; the fields a packager needs are read from it.
public struct HEVCConfigurationBox: BoxCodable {
    public static let type: FourCC = "hvcC"

    public struct NALArray: Equatable, Sendable {
        public var completeness: Bool
        public var nalType: UInt8
        public var units: [[UInt8]]
    }

    public var header: [UInt8]
    public var arrays: [NALArray]

    public init(payload r: inout ByteReader) throws(MP4Error) {
        header = try r.bytes(22)
        let count = try r.u8()
        arrays = []
        for _ in 0..<count {
            let byte = try r.u8()
            let n = try r.u16()
            var units: [[UInt8]] = []
            for _ in 0..<n { units.append(try r.bytes(Int(try r.u16()))) }
            arrays.append(NALArray(completeness: byte & 0x80 != 0, nalType: byte & 0x3F, units: units))
        }
    }

    public func writePayload(to w: inout ByteWriter) {
        w.append(header)
        w.u8(UInt8(arrays.count))
        for a in arrays {
            w.u8((a.completeness ? 0x80 : 0) | a.nalType & 0x3F)
            w.u16(UInt16(a.units.count))
            for u in a.units { w.u16(UInt16(u.count)); w.append(u) }
        }
    }

    public var profileSpace: UInt8 { header[1] >> 6 }
    public var tierFlag: Bool { header[1] & 0x20 != 0 }
    public var profileIDC: UInt8 { header[1] & 0x1F }
    public var compatibilityFlags: UInt32 { UInt32(header[2]) << 24 | UInt32(header[3]) << 16 | UInt32(header[4]) << 8 | UInt32(header[5]) }
    public var constraintFlags: [UInt8] { Array(header[6..<12]) }
    public var levelIDC: UInt8 { header[12] }
    public var nalLengthSize: Int { Int(header[21] & 3) + 1 }

    /// RFC 6381 / ISO 14496-15 Annex E codec parameter, e.g. `hvc1.1.6.L93.B0`.
    public func codecString(format: FourCC) -> String {
        let space = ["", "A", "B", "C"][Int(profileSpace)]
        // The compatibility flags are written in reverse bit order, in hex without leading zeros.
        var reversed: UInt32 = 0
        for bit in 0..<32 where compatibilityFlags & (1 << bit) != 0 { reversed |= 1 << (31 - bit) }
        var parts = ["\(format)", "\(space)\(profileIDC)", String(reversed, radix: 16, uppercase: true),
                     "\(tierFlag ? "H" : "L")\(levelIDC)"]
        var constraints = constraintFlags
        while let last = constraints.last, last == 0 { constraints.removeLast() }
        parts += constraints.map { String($0, radix: 16, uppercase: true) }
        return parts.joined(separator: ".")
    }
}
