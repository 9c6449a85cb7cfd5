/// Brands shared by `ftyp` and `styp`.
public struct Brands: Equatable, Sendable {
    public var major: FourCC
    public var minorVersion: UInt32
    public var compatible: [FourCC]

    public init(major: FourCC, minorVersion: UInt32 = 0, compatible: [FourCC]) {
        self.major = major
        self.minorVersion = minorVersion
        self.compatible = compatible
    }

    init(payload r: inout ByteReader) throws(MP4Error) {
        major = try r.fourCC()
        minorVersion = try r.u32()
        compatible = []
        while r.remaining >= 4 { compatible.append(try r.fourCC()) }
    }

    func write(to w: inout ByteWriter) {
        w.fourCC(major)
        w.u32(minorVersion)
        compatible.forEach { w.fourCC($0) }
    }
}

/// `ftyp`
public struct FileTypeBox: BoxCodable {
    public static let type: FourCC = "ftyp"
    public var brands: Brands
    public init(brands: Brands) { self.brands = brands }
    public init(payload r: inout ByteReader) throws(MP4Error) { brands = try Brands(payload: &r) }
    public func writePayload(to w: inout ByteWriter) { brands.write(to: &w) }
}

/// `styp`
public struct SegmentTypeBox: BoxCodable {
    public static let type: FourCC = "styp"
    public var brands: Brands
    public init(brands: Brands) { self.brands = brands }
    public init(payload r: inout ByteReader) throws(MP4Error) { brands = try Brands(payload: &r) }
    public func writePayload(to w: inout ByteWriter) { brands.write(to: &w) }
}
