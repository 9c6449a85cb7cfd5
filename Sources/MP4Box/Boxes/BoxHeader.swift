/// The header of one box: 32-bit size, 64-bit `largesize` (`size == 1`),
/// or to-the-end (`size == 0`), and the 16-byte user type of `uuid` boxes.
public struct BoxHeader: Equatable, Sendable {
    public var type: FourCC
    /// Offset of the box's first byte (in the file, or in the enclosing buffer).
    public var offset: Int64
    /// Total size including the header, with `size == 0` resolved to the end.
    public var size: Int64
    public var headerSize: Int
    public var userType: [UInt8]?

    public var payloadSize: Int64 { size - Int64(headerSize) }
    public var payloadOffset: Int64 { offset + Int64(headerSize) }
    public var end: Int64 { offset + size }

    /// Parses a header from `bytes` (at least 8, up to 32 bytes) found at `offset`,
    /// in a space that ends at `limit`.
    public static func parse(_ bytes: [UInt8], offset: Int64, limit: Int64, path: String) throws(MP4Error) -> BoxHeader {
        var reader = ByteReader(bytes, path: path)
        guard bytes.count >= 8 else {
            throw MP4Error(.truncated, path: path, "box header at \(offset) needs 8 bytes, \(limit - offset) left")
        }
        let size32 = try reader.u32()
        let type = try reader.fourCC()
        var headerSize = 8
        var size: Int64
        switch size32 {
        case 1:
            guard reader.remaining >= 8 else {
                throw MP4Error(.truncated, path: path, "'\(type)' at \(offset): 64-bit size cut off")
            }
            let large = try reader.u64()
            guard large <= UInt64(Int64.max) else {
                throw MP4Error(.invalid, path: path, "'\(type)' at \(offset): 64-bit size \(large) is impossible")
            }
            size = Int64(large)
            headerSize = 16
        case 0:
            size = limit - offset
        default:
            size = Int64(size32)
        }
        var userType: [UInt8]?
        if type == "uuid" {
            guard reader.remaining >= 16 else {
                throw MP4Error(.truncated, path: path, "'uuid' at \(offset): user type cut off")
            }
            userType = try reader.bytes(16)
            headerSize += 16
        }
        guard size >= Int64(headerSize) else {
            throw MP4Error(.invalid, path: path, "'\(type)' at \(offset): size \(size) is smaller than its header")
        }
        guard size <= limit - offset else {
            throw MP4Error(.truncated, path: path, "'\(type)' at \(offset): size \(size) runs past the end (\(limit - offset) bytes left)")
        }
        return BoxHeader(type: type, offset: offset, size: size, headerSize: headerSize, userType: userType)
    }
}

/// A box this library does not interpret, kept as the range of the file it occupies
/// (`header.offset` is a file offset), with the path it was found at.
public struct OpaqueBox: Equatable, Sendable {
    public var header: BoxHeader
    public var path: String
    public var range: FileRange { FileRange(offset: header.offset, length: header.size) }
}

extension ByteReader {
    /// Reads the next child box header and returns it with a reader over its payload.
    public mutating func nextBox(index: Int? = nil) throws(MP4Error) -> (BoxHeader, ByteReader) {
        let start = position
        let headerBytes = Array(bytes[start..<min(end, start + 32)])
        var header = try BoxHeader.parse(headerBytes, offset: Int64(start), limit: Int64(end), path: path)
        header.offset += fileOffset
        let name = index.map { "\(header.type)[\($0)]" } ?? "\(header.type)"
        let childPath = path.isEmpty ? name : "\(path)/\(name)"
        try skip(header.headerSize)
        let child = try self.child(Int(header.payloadSize), path: childPath)
        return (header, child)
    }

    /// All child boxes until the end of this reader.
    public mutating func boxes() throws(MP4Error) -> [(BoxHeader, ByteReader)] {
        var result: [(BoxHeader, ByteReader)] = []
        var counts: [FourCC: Int] = [:]
        while remaining >= 8 {
            let peek = FourCC(rawValue: ByteReader.u32(bytes, at: position + 4))
            let n = counts[peek, default: 0]
            counts[peek] = n + 1
            let indexed: Int? = (peek == "trak" || peek == "traf") ? n : nil
            result.append(try nextBox(index: indexed))
        }
        // Fewer than 8 trailing bytes cannot be a box; QuickTime writers pad with zeros.
        position = end
        return result
    }
}

/// A box with a fixed four-character type that reads its payload and writes it back.
/// Reading what `writePayload` wrote gives an equal value.
public protocol BoxCodable: Equatable, Sendable {
    static var type: FourCC { get }
    init(payload: inout ByteReader) throws(MP4Error)
    func writePayload(to writer: inout ByteWriter)
}

extension BoxCodable {
    /// The whole box, header included.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.write(self)
        return writer.bytes
    }

    public var encodedSize: Int { encoded().count }

    /// Parses one whole box of this type from `bytes`.
    public static func decode(_ bytes: [UInt8]) throws(MP4Error) -> Self {
        var reader = ByteReader(bytes)
        let (header, payload) = try reader.nextBox()
        guard header.type == Self.type else {
            throw MP4Error(.invalid, path: "", "expected '\(Self.type)', found '\(header.type)'")
        }
        var body = payload
        return try Self(payload: &body)
    }
}
