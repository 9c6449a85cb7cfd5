/// Bounds-checked big-endian reads over one box's bytes. A reader made for a
/// child box cannot read past that child's end, and every error carries the
/// box path it happened in.
public struct ByteReader: Sendable {
    public let bytes: [UInt8]
    public internal(set) var position: Int
    public let end: Int
    /// Box path for error messages.
    public var path: String
    /// Where `bytes[0]` lies in the file, so box headers carry file offsets.
    public var fileOffset: Int64 = 0
    /// How many boxes this reader is nested in, and how deep a child may go
    /// (`ParseLimits.maxDepth`).
    public var depth = 0
    public var maxDepth = ParseLimits.default.maxDepth

    public init(_ bytes: [UInt8], path: String = "") {
        self.bytes = bytes
        self.position = 0
        self.end = bytes.count
        self.path = path
    }

    init(bytes: [UInt8], start: Int, end: Int, path: String) {
        self.bytes = bytes
        self.position = start
        self.end = end
        self.path = path
    }

    public var remaining: Int { end - position }
    public var isAtEnd: Bool { position >= end }

    public func error(_ kind: MP4Error.Kind, _ message: String) -> MP4Error {
        MP4Error(kind, path: path, message)
    }

    @inline(__always)
    mutating func need(_ count: Int, _ what: @autoclosure () -> String) throws(MP4Error) {
        guard count >= 0, count <= remaining else {
            throw error(.truncated, "\(what()) needs \(count) bytes, \(remaining) left")
        }
    }

    @inline(__always)
    public mutating func u8() throws(MP4Error) -> UInt8 {
        try need(1, "a byte")
        defer { position += 1 }
        return bytes[position]
    }

    @inline(__always)
    public mutating func u16() throws(MP4Error) -> UInt16 {
        try need(2, "a 16-bit field")
        defer { position += 2 }
        return UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
    }

    public mutating func u24() throws(MP4Error) -> UInt32 {
        try need(3, "a 24-bit field")
        defer { position += 3 }
        return UInt32(bytes[position]) << 16 | UInt32(bytes[position + 1]) << 8 | UInt32(bytes[position + 2])
    }

    @inline(__always)
    public mutating func u32() throws(MP4Error) -> UInt32 {
        try need(4, "a 32-bit field")
        defer { position += 4 }
        return Self.u32(bytes, at: position)
    }

    public mutating func u64() throws(MP4Error) -> UInt64 {
        try need(8, "a 64-bit field")
        defer { position += 8 }
        return UInt64(Self.u32(bytes, at: position)) << 32 | UInt64(Self.u32(bytes, at: position + 4))
    }

    public mutating func i16() throws(MP4Error) -> Int16 { Int16(bitPattern: try u16()) }
    public mutating func i32() throws(MP4Error) -> Int32 { Int32(bitPattern: try u32()) }
    public mutating func i64() throws(MP4Error) -> Int64 { Int64(bitPattern: try u64()) }
    public mutating func fourCC() throws(MP4Error) -> FourCC { FourCC(rawValue: try u32()) }

    /// `entries` × `words` big-endian 32-bit values in one pass (sample tables hold millions).
    /// The count is checked against the bytes left first, and reported per entry.
    public mutating func u32Array(_ entries: Int, words: Int = 1, _ what: String) throws(MP4Error) -> [UInt32] {
        try integers(entries, words: words, what)
    }

    /// `count` big-endian 64-bit values in one pass.
    public mutating func u64Array(_ count: Int, _ what: String) throws(MP4Error) -> [UInt64] {
        try integers(count, words: 1, what)
    }

    private mutating func integers<T: FixedWidthInteger>(_ entries: Int, words: Int, _ what: String) throws(MP4Error) -> [T] {
        let width = MemoryLayout<T>.size
        try checkEntries(UInt64(entries), of: width * words, what)
        let count = entries * words
        let start = position
        position += count * width
        return bytes.withUnsafeBytes { raw in
            [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count { buffer[i] = T(bigEndian: raw.loadUnaligned(fromByteOffset: start + i * width, as: T.self)) }
                initialized = count
            }
        }
    }

    public mutating func bytes(_ count: Int) throws(MP4Error) -> [UInt8] {
        try need(count, "a field of \(count) bytes")
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    public mutating func rest() -> [UInt8] {
        defer { position = end }
        return Array(bytes[position..<end])
    }

    public mutating func skip(_ count: Int) throws(MP4Error) {
        try need(count, "skipping")
        position += count
    }

    /// Version (8 bits) and flags (24 bits) of a full box.
    public mutating func versionAndFlags() throws(MP4Error) -> (version: UInt8, flags: UInt32) {
        let word = try u32()
        return (UInt8(word >> 24), word & 0xFF_FFFF)
    }

    /// A NUL-terminated (or box-terminated) UTF-8 string.
    public mutating func cString() -> String {
        var stop = position
        while stop < end && bytes[stop] != 0 { stop += 1 }
        let text = String(decoding: bytes[position..<stop], as: UTF8.self)
        position = min(end, stop + 1)
        return text
    }

    /// Checks that `count` entries of `entrySize` bytes fit in what is left,
    /// before anything is allocated for them.
    public func checkEntries(_ count: UInt64, of entrySize: Int, _ what: String) throws(MP4Error) {
        let (total, overflow) = count.multipliedReportingOverflow(by: UInt64(entrySize))
        guard !overflow, total <= UInt64(remaining) else {
            throw error(.invalid, "\(what) \(count) exceeds the box (\(remaining) bytes left, \(entrySize) per entry)")
        }
    }

    /// A reader over the next `count` bytes, which this reader then skips.
    public mutating func child(_ count: Int, path childPath: String) throws(MP4Error) -> ByteReader {
        try need(count, "box \(childPath)")
        guard depth < maxDepth else { throw MP4Error(.limitExceeded, path: childPath, "boxes nested deeper than \(maxDepth)") }
        var reader = ByteReader(bytes: bytes, start: position, end: position + count, path: childPath)
        reader.fileOffset = fileOffset
        reader.depth = depth + 1
        reader.maxDepth = maxDepth
        position += count
        return reader
    }

    /// Decodes a fixed-layout box and checks that its fields used the whole payload.
    /// Bytes left over mean its counts or flags disagree with its size (the box is out
    /// of step, as mp4parse-rust says), so the box is refused with its path; trailing
    /// zeros are taken as padding, which some writers add.
    public mutating func whole<B: BoxCodable>(_ type: B.Type) throws(MP4Error) -> B {
        let box = try B(payload: &self)
        guard bytes[position..<end].allSatisfy({ $0 == 0 }) else {
            throw error(.invalid, "\(end - position) bytes left after the fields of '\(B.type)': they disagree with its size")
        }
        position = end
        return box
    }

    @inline(__always)
    static func u32(_ bytes: [UInt8], at index: Int) -> UInt32 {
        UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16 | UInt32(bytes[index + 2]) << 8 | UInt32(bytes[index + 3])
    }
}
