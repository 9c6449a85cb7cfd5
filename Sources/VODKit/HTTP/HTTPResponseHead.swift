/// A response's status line and header fields, as an upstream (an origin) sent them.
public struct HTTPResponseHead: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var keepAlive: Bool

    /// The body's length when framed by Content-Length (nil when absent or malformed).
    public var contentLength: Int64? {
        guard let value = headers["Content-Length"], !value.isEmpty, value.utf8.count <= 18,
              value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int64(value)
    }

    public var chunked: Bool { headers["Transfer-Encoding"]?.lowercased() == "chunked" }

    /// Largest head an upstream may send; beyond it the response is refused.
    public static let maxBytes = 64 * 1024
    public static let maxFields = 200

    public enum ParseError: Error, Equatable { case statusLine, field, tooLarge }

    /// Parses the bytes before the blank line (without the final CRLF CRLF).
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(ParseError) -> HTTPResponseHead {
        guard bytes.count <= maxBytes else { throw .tooLarge }
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            line.last == 0x0D ? line.dropLast() : line
        }
        guard !lines.isEmpty else { throw .statusLine }
        let statusLine = lines.removeFirst()
        // HTTP/1.x SP 3DIGIT [SP reason]
        guard statusLine.count >= 12, statusLine.starts(with: Array("HTTP/1.".utf8)) else { throw .statusLine }
        let s = statusLine.startIndex
        let minor = statusLine[s + 7]
        let digits = statusLine[(s + 9)..<(s + 12)]
        guard minor == 0x30 || minor == 0x31, statusLine[s + 8] == 0x20, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              statusLine.count == 12 || statusLine[s + 12] == 0x20 else { throw .statusLine }
        let status = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        guard status >= 100 else { throw .statusLine }
        guard lines.count <= maxFields else { throw .tooLarge }
        var headers = HTTPHeaders()
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex,
                  !line[..<colon].contains(where: { $0 == 0x20 || $0 == 0x09 }) else { throw .field }
            let name = String(decoding: line[..<colon], as: UTF8.self)
            let value = Substring(String(decoding: line[(colon + 1)...], as: UTF8.self)).trimmingSpaces()
            headers.append(name, value)
        }
        let connection = headers["Connection"]?.lowercased()
        let keepAlive = minor == 0x31 ? connection != "close" : connection == "keep-alive"
        return HTTPResponseHead(status: status, headers: headers, keepAlive: keepAlive)
    }
}
