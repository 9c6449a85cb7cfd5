/// A four-character box or codec code, stored big-endian in one integer.
public struct FourCC: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public init(_ text: String) {
        var value: UInt32 = 0
        var count = 0
        for byte in text.utf8.prefix(4) { value = value << 8 | UInt32(byte); count += 1 }
        while count < 4 { value = value << 8 | 0x20; count += 1 }
        rawValue = value
    }

    public init(stringLiteral value: String) { self.init(value) }

    public var bytes: [UInt8] {
        [UInt8(rawValue >> 24), UInt8(rawValue >> 16 & 0xFF), UInt8(rawValue >> 8 & 0xFF), UInt8(rawValue & 0xFF)]
    }

    /// Printable form; bytes outside ASCII are shown as `\xNN`.
    public var description: String {
        bytes.map { (0x20...0x7E).contains($0) ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined()
    }
}
