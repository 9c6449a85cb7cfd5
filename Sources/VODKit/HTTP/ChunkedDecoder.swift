/// Decodes a chunked request body (RFC 9112 7.1) incrementally: feed it bytes
/// as they arrive, take the payload out, stop when it says done. Chunk
/// extensions are skipped, trailer fields ignored; a malformed size line, a
/// missing CRLF after data or a body over the limit is an error.
public struct ChunkedDecoder: Sendable {
    enum State: Sendable { case size, sizeLF, data(Int64), dataCR, dataLF, trailer(lineLength: Int), trailerLF(blank: Bool), done }

    private var state = State.size
    private var size: Int64 = 0
    private var digits = 0
    private var inExtension = false
    /// Whitespace followed the size digits: only more whitespace, ';' or the line end may come.
    private var afterSize = false
    private var lineLength = 0
    private var total: Int64 = 0
    public let maxBody: Int64

    public init(maxBody: Int64) { self.maxBody = maxBody }

    public var isDone: Bool { if case .done = state { return true } else { return false } }

    /// Consumes bytes from `input`, appends payload to `output`; returns the number consumed.
    /// Bytes after the end of the body are left unconsumed (the next pipelined request).
    @discardableResult
    public mutating func decode(_ input: ArraySlice<UInt8>, into output: inout [UInt8]) throws(HTTPParseError) -> Int {
        var i = input.startIndex
        while i < input.endIndex {
            let c = input[i]
            switch state {
            case .size:
                lineLength += 1
                if lineLength > 1024 { throw .badRequest("chunk size line too long") }
                if c == 0x0D { state = .sizeLF }
                else if c == 0x0A { try endSizeLine() }
                else if inExtension { if c < 0x20 && c != 0x09 { throw .badRequest("control character in a chunk extension") } }
                else if c == 0x3B {
                    guard digits > 0 else { throw .badRequest("chunk size missing") }
                    inExtension = true
                } else if c == 0x20 || c == 0x09 {
                    // Whitespace after the size is allowed only before a ';' extension (BWS).
                    guard digits > 0 else { throw .badRequest("chunk size missing") }
                    afterSize = true
                } else if afterSize {
                    throw .badRequest("chunk size followed by something other than ';'")
                } else if let v = Self.hex(c) {
                    digits += 1
                    guard digits <= 15 else { throw .badRequest("chunk size too large") }
                    size = size << 4 | Int64(v)
                } else {
                    throw .badRequest("invalid chunk size")
                }
            case .sizeLF:
                guard c == 0x0A else { throw .badRequest("CR without LF after a chunk size") }
                try endSizeLine()
            case .data(let remaining):
                let n = Int(min(remaining, Int64(input.endIndex - i)))
                output.append(contentsOf: input[i..<i + n])
                i += n
                state = remaining - Int64(n) == 0 ? .dataCR : .data(remaining - Int64(n))
                continue
            case .dataCR:
                if c == 0x0A { state = .size } else if c == 0x0D { state = .dataLF } else { throw .badRequest("chunk data not followed by CRLF") }
            case .dataLF:
                guard c == 0x0A else { throw .badRequest("chunk data not followed by CRLF") }
                state = .size
            case .trailer(let length):
                if c == 0x0D { state = .trailerLF(blank: length == 0) }
                else if c == 0x0A { if length == 0 { state = .done; return i + 1 - input.startIndex } else { state = .trailer(lineLength: 0) } }
                else {
                    guard length < 8192 else { throw .headersTooLarge }
                    state = .trailer(lineLength: length + 1)
                }
            case .trailerLF(let blank):
                guard c == 0x0A else { throw .badRequest("CR without LF in the trailer") }
                if blank { state = .done; return i + 1 - input.startIndex }
                state = .trailer(lineLength: 0)
            case .done:
                return i - input.startIndex
            }
            i += 1
        }
        return i - input.startIndex
    }

    private mutating func endSizeLine() throws(HTTPParseError) {
        guard digits > 0 else { throw .badRequest("chunk size missing") }
        total += size
        if total > maxBody { throw .payloadTooLarge }
        state = size == 0 ? .trailer(lineLength: 0) : .data(size)
        size = 0; digits = 0; inExtension = false; afterSize = false; lineLength = 0
    }

    static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
}
