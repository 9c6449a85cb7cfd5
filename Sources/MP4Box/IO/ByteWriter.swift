/// Big-endian writer that builds boxes. `box(_:_:)` writes the header, the
/// payload, then patches the size, so sizes are never computed twice by hand.
public struct ByteWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    public var count: Int { bytes.count }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u16(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(v & 0xFF)) }
    public mutating func u24(_ v: UInt32) { u8(UInt8(v >> 16 & 0xFF)); u16(UInt16(v & 0xFFFF)) }
    public mutating func u32(_ v: UInt32) {
        bytes.append(UInt8(v >> 24)); bytes.append(UInt8(v >> 16 & 0xFF))
        bytes.append(UInt8(v >> 8 & 0xFF)); bytes.append(UInt8(v & 0xFF))
    }
    public mutating func u64(_ v: UInt64) { u32(UInt32(v >> 32)); u32(UInt32(v & 0xFFFF_FFFF)) }
    public mutating func i16(_ v: Int16) { u16(UInt16(bitPattern: v)) }
    public mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }
    public mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    public mutating func fourCC(_ v: FourCC) { u32(v.rawValue) }
    public mutating func append(_ data: [UInt8]) { bytes.append(contentsOf: data) }
    public mutating func zeros(_ count: Int) { bytes.append(contentsOf: repeatElement(0, count: count)) }
    public mutating func versionAndFlags(_ version: UInt8, _ flags: UInt32) { u32(UInt32(version) << 24 | flags & 0xFF_FFFF) }

    public mutating func set32(_ v: UInt32, at index: Int) {
        bytes[index] = UInt8(v >> 24); bytes[index + 1] = UInt8(v >> 16 & 0xFF)
        bytes[index + 2] = UInt8(v >> 8 & 0xFF); bytes[index + 3] = UInt8(v & 0xFF)
    }

    /// Writes a box of `type` whose payload `body` writes; its 32-bit size is patched afterwards.
    public mutating func box(_ type: FourCC, _ body: (inout ByteWriter) -> Void) {
        let start = bytes.count
        u32(0)
        fourCC(type)
        body(&self)
        set32(UInt32(bytes.count - start), at: start)
    }

    /// Writes a typed box.
    public mutating func write<B: BoxCodable>(_ box: B) {
        self.box(B.type) { box.writePayload(to: &$0) }
    }
}
