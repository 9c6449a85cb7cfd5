/// `pasp`: pixel aspect ratio.
public struct PixelAspectRatioBox: BoxCodable {
    public static let type: FourCC = "pasp"
    public var hSpacing: UInt32
    public var vSpacing: UInt32

    public init(hSpacing: UInt32, vSpacing: UInt32) { self.hSpacing = hSpacing; self.vSpacing = vSpacing }
    public init(payload r: inout ByteReader) throws(MP4Error) { hSpacing = try r.u32(); vSpacing = try r.u32() }
    public func writePayload(to w: inout ByteWriter) { w.u32(hSpacing); w.u32(vSpacing) }
}

/// `colr`: colour description, `nclx` (ISO) / `nclc` (QuickTime) or an ICC profile.
public struct ColourInformationBox: BoxCodable {
    public static let type: FourCC = "colr"
    public var colourType: FourCC
    public var primaries: UInt16 = 0
    public var transfer: UInt16 = 0
    public var matrix: UInt16 = 0
    public var fullRange = false
    /// The profile for `rICC`/`prof`.
    public var iccProfile: [UInt8] = []

    public init(payload r: inout ByteReader) throws(MP4Error) {
        colourType = try r.fourCC()
        if colourType == "nclx" || colourType == "nclc" {
            primaries = try r.u16(); transfer = try r.u16(); matrix = try r.u16()
            if colourType == "nclx" { fullRange = try r.u8() & 0x80 != 0 }
        } else {
            iccProfile = r.rest()
        }
    }

    public func writePayload(to w: inout ByteWriter) {
        w.fourCC(colourType)
        if colourType == "nclx" || colourType == "nclc" {
            w.u16(primaries); w.u16(transfer); w.u16(matrix)
            if colourType == "nclx" { w.u8(fullRange ? 0x80 : 0) }
        } else {
            w.append(iccProfile)
        }
    }
}

/// `btrt`: buffer size and bitrates.
public struct BitRateBox: BoxCodable {
    public static let type: FourCC = "btrt"
    public var bufferSize: UInt32
    public var maxBitrate: UInt32
    public var averageBitrate: UInt32

    public init(bufferSize: UInt32, maxBitrate: UInt32, averageBitrate: UInt32) {
        self.bufferSize = bufferSize; self.maxBitrate = maxBitrate; self.averageBitrate = averageBitrate
    }
    public init(payload r: inout ByteReader) throws(MP4Error) { bufferSize = try r.u32(); maxBitrate = try r.u32(); averageBitrate = try r.u32() }
    public func writePayload(to w: inout ByteWriter) { w.u32(bufferSize); w.u32(maxBitrate); w.u32(averageBitrate) }
}
