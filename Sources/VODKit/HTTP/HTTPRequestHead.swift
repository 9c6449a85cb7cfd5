/// Header fields in the order received; names compare case-insensitively.
public struct HTTPHeaders: Sendable, Equatable, Sequence {
    public private(set) var fields: [(name: String, value: String)] = []

    public init(_ fields: [(name: String, value: String)] = []) { self.fields = fields }

    /// Empty, with room for `capacity` fields (the parser knows how many it will add).
    public init(capacity: Int) { fields.reserveCapacity(capacity) }

    public var count: Int { fields.count }

    public mutating func append(_ name: String, _ value: String) { fields.append((name, value)) }

    /// The first value of `name`.
    public subscript(name: String) -> String? {
        fields.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    public func values(_ name: String) -> [String] { fields.filter { $0.name.caseInsensitiveEquals(name) }.map(\.value) }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    public static func == (a: HTTPHeaders, b: HTTPHeaders) -> Bool {
        a.fields.count == b.fields.count && zip(a.fields, b.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}

extension String {
    /// ASCII case-insensitive comparison (header names and tokens are ASCII).
    public func caseInsensitiveEquals(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { x, y in x == y || (x | 0x20 == y | 0x20 && (x | 0x20) >= 0x61 && (x | 0x20) <= 0x7A) }
    }
}

/// How the body of a request is delimited.
public enum HTTPBodyFraming: Equatable, Sendable {
    case none
    case contentLength(Int64)
    case chunked
}

/// A parsed request line and header section.
public struct HTTPRequestHead: Equatable, Sendable {
    public var method: String
    /// The request target as sent (origin form: path and query).
    public let target: String
    public var minorVersion: Int
    public var headers: HTTPHeaders
    public var framing: HTTPBodyFraming
    /// Whether the connection stays open after this exchange.
    public var keepAlive: Bool

    /// The path part of the target, without the query (found once, at parse time).
    public let path: Substring

    public init(method: String, target: String, minorVersion: Int, headers: HTTPHeaders, framing: HTTPBodyFraming, keepAlive: Bool) {
        self.method = method
        self.target = target
        self.minorVersion = minorVersion
        self.headers = headers
        self.framing = framing
        self.keepAlive = keepAlive
        path = target.utf8.firstIndex(of: UInt8(ascii: "?")).map { target[..<$0] } ?? target[...]
    }
}
