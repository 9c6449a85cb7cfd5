/// Finds and parses a request head (RFC 9112) at the start of a byte buffer.
/// Strict where leniency enables request smuggling: no whitespace before a
/// header's colon, no obsolete line folding, no bare CR, one Host, one
/// Content-Length, never both Content-Length and Transfer-Encoding, and
/// chunked as the only transfer coding. Limits are enforced while bytes are
/// still arriving, so a client cannot make the server buffer more than them.
public struct HTTPRequestParser: Sendable {
    public let limits: HTTPLimits
    /// How far the search for the end of the head has got (resumed on the next call).
    private var scanned = 0

    public init(limits: HTTPLimits = HTTPLimits()) { self.limits = limits }

    /// Call after a request has been consumed from the buffer.
    public mutating func reset() { scanned = 0 }

    /// Parses the head that starts at `from` in `buffer` (a connection's read buffer, whose
    /// consumed bytes are not moved for every request): nil while it is incomplete, else the
    /// head and the number of bytes it took from `from` on.
    public mutating func parse(_ buffer: [UInt8], from: Int = 0) throws(HTTPParseError) -> (HTTPRequestHead, Int)? {
        // Empty lines before the request line are ignored (RFC 9112 2.2).
        var start = from
        while start < buffer.count && (buffer[start] == 0x0D || buffer[start] == 0x0A) { start += 1 }
        if start - from > 16 { throw .badRequest("too many empty lines before the request") }
        var i = max(scanned, start)
        var end = -1
        while i < buffer.count {
            if buffer[i] == 0x0A {
                // A blank line: LF followed by LF, or CRLF (with the previous LF before the CR).
                if i + 1 < buffer.count && buffer[i + 1] == 0x0A { end = i + 2; break }
                if i + 2 < buffer.count && buffer[i + 1] == 0x0D && buffer[i + 2] == 0x0A { end = i + 3; break }
            }
            i += 1
        }
        if end < 0 {
            scanned = max(start, buffer.count - 2)
            try checkIncompleteLimits(buffer, start: start)
            return nil
        }
        if end - start > limits.maxRequestLine + limits.maxHeaderBytes {
            let firstLine = (buffer[start..<end].firstIndex(of: 0x0A) ?? end) - start
            throw firstLine > limits.maxRequestLine ? .uriTooLong : .headersTooLarge
        }
        return (try parseHead(buffer, start, end), end - from)
    }

    /// Refuses a head that has already outgrown the limits before it is complete.
    private func checkIncompleteLimits(_ buffer: [UInt8], start: Int) throws(HTTPParseError) {
        var lineEnd = start
        while lineEnd < buffer.count && buffer[lineEnd] != 0x0A { lineEnd += 1 }
        if lineEnd == buffer.count {
            if buffer.count - start > limits.maxRequestLine { throw .uriTooLong }
        } else if buffer.count - lineEnd > limits.maxHeaderBytes {
            throw .headersTooLarge
        }
    }

    private func parseHead(_ b: [UInt8], _ start: Int, _ end: Int) throws(HTTPParseError) -> HTTPRequestHead {
        // First pass: no bare CR or NUL anywhere; where the request line ends; how many header
        // lines follow and their size (each counted with its CRLF). No array of lines: this runs
        // for every request.
        var requestLine: Range<Int>? = nil
        var headerCount = 0, headerBytes = 0
        var lineStart = start
        var i = start
        while i < end {
            let c = b[i]
            if c == 0x0A {
                let line = Self.line(b, from: lineStart, feed: i)
                if !line.isEmpty {  // the only empty lines are the blank one(s) that end the head
                    if requestLine == nil { requestLine = line } else { headerCount += 1; headerBytes += line.count + 2 }
                }
                lineStart = i + 1
            } else if c == 0x0D && (i + 1 >= end || b[i + 1] != 0x0A) {
                throw .badRequest("bare CR")
            } else if c == 0 {
                throw .badRequest("NUL byte in the head")
            }
            i += 1
        }
        guard let requestLine else { throw .badRequest("no request line") }
        if requestLine.count > limits.maxRequestLine { throw .uriTooLong }
        let (method, target, minor) = try parseRequestLine(b[requestLine])
        if headerCount > limits.maxHeaderCount { throw .headersTooLarge }
        if headerBytes > limits.maxHeaderBytes { throw .headersTooLarge }
        // Second pass: the header lines, after the request line.
        var headers = HTTPHeaders(capacity: headerCount)
        lineStart = requestLine.upperBound
        i = lineStart
        while i < end && headers.count < headerCount {
            if b[i] == 0x0A {
                let line = Self.line(b, from: lineStart, feed: i)
                if !line.isEmpty {
                    let (name, value) = try parseField(b[line])
                    headers.append(name, value)
                }
                lineStart = i + 1
            }
            i += 1
        }
        return try interpret(method: method, target: target, minor: minor, headers: headers)
    }

    /// The line from `start` to the line feed at `feed`, without the CR before it.
    private static func line(_ b: [UInt8], from start: Int, feed: Int) -> Range<Int> {
        feed > start && b[feed - 1] == 0x0D ? start..<(feed - 1) : start..<feed
    }

    private func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (String, String, Int) {
        // Exactly two spaces: method, target, version (found by hand: this runs for every request).
        guard let first = line.firstIndex(of: 0x20) else { throw .badRequest("malformed request line") }
        let afterFirst = line[(first + 1)...]
        guard let second = afterFirst.firstIndex(of: 0x20), !afterFirst[(second + 1)...].contains(0x20) else { throw .badRequest("malformed request line") }
        let method = line[..<first], target = line[(first + 1)..<second], version = line[(second + 1)...]
        guard !method.isEmpty, !target.isEmpty else { throw .badRequest("malformed request line") }
        guard method.allSatisfy(Self.isTokenByte) else { throw .badRequest("malformed method") }
        guard target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw .badRequest("invalid byte in the request target") }
        let v = version.startIndex
        guard version.count == 8, version.starts(with: "HTTP/".utf8), version[v + 6] == 0x2E,
              (0x30...0x39).contains(version[v + 5]), (0x30...0x39).contains(version[v + 7]) else { throw .badRequest("malformed HTTP version") }
        guard version[v + 5] == 0x31, version[v + 7] == 0x30 || version[v + 7] == 0x31 else { throw .versionNotSupported }
        return (String(decoding: method, as: UTF8.self), String(decoding: target, as: UTF8.self), Int(version[v + 7] - 0x30))
    }

    private func parseField(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (String, String) {
        guard let first = line.first else { throw .badRequest("empty header line") }
        if first == 0x20 || first == 0x09 { throw .badRequest("obsolete line folding") }
        guard let colon = line.firstIndex(of: 0x3A) else { throw .badRequest("header line without a colon") }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty, name.allSatisfy(Self.isTokenByte) else { throw .badRequest("malformed header name") }
        var value = line[(colon + 1)...]
        while let c = value.first, c == 0x20 || c == 0x09 { value.removeFirst() }
        while let c = value.last, c == 0x20 || c == 0x09 { value.removeLast() }
        guard value.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else { throw .badRequest("control character in a header value") }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    /// The absolute form `http://host[:port]/path?query` as the origin form `/path?query`
    /// (RFC 9112 3.2.2: a server must accept it; the authority in it replaces Host). Other
    /// targets are returned as they are, for the router to judge.
    static func originForm(_ target: String) -> String {
        if target.utf8.first == UInt8(ascii: "/") { return target }  // the usual origin form
        let lower = target.prefix(8).lowercased()
        let scheme = lower.hasPrefix("http://") ? 7 : lower.hasPrefix("https://") ? 8 : 0
        guard scheme > 0 else { return target }
        let rest = target.dropFirst(scheme)
        guard let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return "/" }
        let path = rest[slash...]
        return path.first == "?" ? "/" + path : String(path)
    }

    private func interpret(method: String, target: String, minor: Int, headers: HTTPHeaders) throws(HTTPParseError) -> HTTPRequestHead {
        // One pass over the fields for the four that frame the request.
        var hosts = 0
        var lengths: [String] = [], codings: [String] = [], connections: [String] = []
        for (name, value) in headers {
            if name.caseInsensitiveEquals("Host") { hosts += 1 }
            else if name.caseInsensitiveEquals("Content-Length") { lengths.append(value) }
            else if name.caseInsensitiveEquals("Transfer-Encoding") { codings.append(value) }
            else if name.caseInsensitiveEquals("Connection") { connections.append(value) }
        }
        if minor == 1 && hosts != 1 { throw .badRequest(hosts == 0 ? "no Host header" : "more than one Host header") }
        if hosts > 1 { throw .badRequest("more than one Host header") }
        if !lengths.isEmpty && !codings.isEmpty { throw .badRequest("both Content-Length and Transfer-Encoding") }
        if lengths.count > 1 { throw .badRequest("more than one Content-Length") }
        var framing = HTTPBodyFraming.none
        if let length = lengths.first {
            guard !length.isEmpty, length.utf8.count <= 18, length.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let n = Int64(length) else {
                throw .badRequest("invalid Content-Length")
            }
            if n > limits.maxBodyBytes { throw .payloadTooLarge }
            if n > 0 { framing = .contentLength(n) }
        }
        if !codings.isEmpty {
            let list = codings.joined(separator: ",").split(separator: ",").map { $0.trimmingSpaces() }
            guard minor == 1 else { throw .badRequest("Transfer-Encoding in an HTTP/1.0 request") }
            guard list.last?.caseInsensitiveEquals("chunked") == true else { throw .badRequest("Transfer-Encoding does not end with chunked") }
            guard list.count == 1 else { throw .notImplemented("transfer coding \(list.dropLast().joined(separator: ","))") }
            framing = .chunked
        }
        let connection = connections.isEmpty ? [] : connections.joined(separator: ",").split(separator: ",").map { $0.trimmingSpaces() }
        let keepAlive = minor == 1 ? !connection.contains { $0.caseInsensitiveEquals("close") }
                                   : connection.contains { $0.caseInsensitiveEquals("keep-alive") }
        return HTTPRequestHead(method: method, target: Self.originForm(target), minorVersion: minor, headers: headers, framing: framing, keepAlive: keepAlive)
    }

    /// tchar of RFC 9110 5.6.2.
    static func isTokenByte(_ c: UInt8) -> Bool {
        switch c {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: return true
        default: return false
        }
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (HTTP optional whitespace).
    public func trimmingSpaces() -> String {
        var s = self[...]
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}
