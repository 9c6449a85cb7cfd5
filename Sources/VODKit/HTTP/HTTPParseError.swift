/// Why a request was refused, with the status the server answers. Every case
/// closes the connection: after a framing error the byte stream can no longer
/// be trusted (request smuggling).
public enum HTTPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    case badRequest(String)
    /// 414: the request target is longer than the limit.
    case uriTooLong
    /// 431: too many header bytes or header fields.
    case headersTooLarge
    /// 413: a body larger than the limit.
    case payloadTooLarge
    /// 501: a transfer coding other than chunked.
    case notImplemented(String)
    /// 505: not HTTP/1.0 or HTTP/1.1.
    case versionNotSupported

    public var status: Int {
        switch self {
        case .badRequest: return 400
        case .uriTooLong: return 414
        case .headersTooLarge: return 431
        case .payloadTooLarge: return 413
        case .notImplemented: return 501
        case .versionNotSupported: return 505
        }
    }

    public var description: String {
        switch self {
        case .badRequest(let why): return "400 bad request: \(why)"
        case .uriTooLong: return "414 request target too long"
        case .headersTooLarge: return "431 request header fields too large"
        case .payloadTooLarge: return "413 payload too large"
        case .notImplemented(let what): return "501 not implemented: \(what)"
        case .versionNotSupported: return "505 HTTP version not supported"
        }
    }
}

/// Size limits on what a client may send.
public struct HTTPLimits: Sendable {
    /// Longest request line (method, target, version).
    public var maxRequestLine = 8 * 1024
    /// All header lines together.
    public var maxHeaderBytes = 32 * 1024
    public var maxHeaderCount = 100
    /// Largest request body (ingest uploads are streamed to disk, so this can be large).
    public var maxBodyBytes: Int64 = 64 << 30
    public init() {}
}
