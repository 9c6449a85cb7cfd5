import MP4Box

/// What a response is made of: bytes the packager generated and ranges of a
/// source file. The server sends the first with `writev` and the second with
/// `sendfile`; sample data never passes through Swift memory.
public struct ResponseBody: Sendable {
    public enum Part: Sendable, Equatable {
        case bytes([UInt8])
        case file(path: String, range: FileRange)
    }

    public var parts: [Part]

    public init(parts: [Part]) { self.parts = parts }
    public init(_ bytes: [UInt8]) { parts = [.bytes(bytes)] }
    public init(_ text: String) { parts = [.bytes(Array(text.utf8))] }

    public var length: Int64 {
        parts.reduce(0) { total, part in
            switch part {
            case .bytes(let b): return total + Int64(b.count)
            case .file(_, let r): return total + r.length
            }
        }
    }

    /// The whole body in memory, refused over `limit` bytes (tools, tests and the origin's
    /// segment cache; the server streams file ranges otherwise).
    public func materialize(limit: Int64 = 256 << 20) throws(MP4Error) -> [UInt8] {
        guard length <= limit else { throw MP4Error(.limitExceeded, path: "", "a response of \(length) bytes is too large to build in memory") }
        var out: [UInt8] = []
        out.reserveCapacity(Int(length))
        var sources: [String: FileByteSource] = [:]
        for part in parts {
            switch part {
            case .bytes(let b): out += b
            case let .file(path, range):
                let source: FileByteSource
                if let open = sources[path] { source = open } else { source = try FileByteSource(path: path); sources[path] = source }
                out += try source.read(at: range.offset, count: Int(range.length))
            }
        }
        return out
    }
}
