/// Caching and partial-content semantics (RFC 9110 13, 14) applied to a full
/// response: `If-None-Match` → 304, a single `Range` → 206 or 416 (`If-Range`
/// honoured), plus CORS headers so players on other origins work.
public enum HTTPConditional {
    /// Turns the full 200 `response` for `request` into what the client asked for.
    public static func apply(_ response: HTTPResponse, to request: HTTPRequestHead) -> HTTPResponse {
        var response = response
        // Once: a preflight answer (`options()`) carries its own, and browsers refuse two.
        if response.headers["Access-Control-Allow-Origin"] == nil { response.headers.append("Access-Control-Allow-Origin", "*") }
        if response.headers["Access-Control-Expose-Headers"] == nil {
            response.headers.append("Access-Control-Expose-Headers", "Content-Length, Content-Range, ETag, Age, X-Cache, Cache-Status")
        }
        // A piped body is sent whole (RFC 9110 14.2 lets a server ignore Range).
        guard response.status == 200, !response.isPiped else { return response }
        response.headers.append("Accept-Ranges", "bytes")
        let etag = response.headers["ETag"]
        if let match = request.headers["If-None-Match"], let etag, matches(match, etag) {
            var notModified = HTTPResponse(status: 304, headers: response.headers)
            notModified.body = []
            return notModified
        }
        guard let rangeHeader = request.headers["Range"], request.method == "GET" || request.method == "HEAD" else { return response }
        if let ifRange = request.headers["If-Range"], ifRange != etag { return response }  // changed: send it whole
        let length = response.contentLength
        switch parseRange(rangeHeader, length: length) {
        case .none: return response                          // not a bytes range we serve: ignore it
        case .unsatisfiable:
            var r = HTTPResponse.text(416, "range not satisfiable")
            r.headers.append("Content-Range", "bytes */\(length)")
            r.headers.append("Access-Control-Allow-Origin", "*")
            return r
        case .range(let first, let last):
            var partial = HTTPResponse(status: 206, headers: response.headers, body: slice(response.body, from: first, count: last - first + 1))
            partial.headers.append("Content-Range", "bytes \(first)-\(last)/\(length)")
            return partial
        }
    }

    /// The answer to `OPTIONS` (CORS preflight).
    public static func options() -> HTTPResponse {
        HTTPResponse(status: 204, headers: HTTPHeaders([("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"),
                                                        ("Access-Control-Allow-Headers", "Range, If-None-Match, If-Range"), ("Access-Control-Max-Age", "86400"),
                                                        ("Allow", "GET, HEAD, OPTIONS")]))
    }

    static func matches(_ header: String, _ etag: String) -> Bool {
        if header.trimmingCharacters() == "*" { return true }
        return header.split(separator: ",").contains { candidate in
            var c = candidate.trimmingSpaces()
            if c.hasPrefix("W/") { c.removeFirst(2) }  // weak comparison for If-None-Match
            return c == etag || "W/" + c == etag
        }
    }

    enum RangeResult: Equatable { case none, unsatisfiable, range(Int64, Int64) }

    /// One `bytes=` range: `a-b`, `a-`, or `-suffix`. Multiple ranges are answered whole.
    static func parseRange(_ header: String, length: Int64) -> RangeResult {
        guard header.hasPrefix("bytes=") else { return .none }
        let spec = header.dropFirst(6).trimmingSpaces()
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .none }
        let a = spec[..<dash], b = spec[spec.index(after: dash)...]
        func number(_ s: Substring) -> Int64? { s.isEmpty || s.count > 18 || !s.allSatisfy(\.isASCIIDigit) ? nil : Int64(s) }
        if a.isEmpty {
            guard let suffix = number(b) else { return .none }
            guard suffix > 0, length > 0 else { return .unsatisfiable }
            return .range(max(0, length - suffix), length - 1)
        }
        guard let first = number(a) else { return .none }
        let last = b.isEmpty ? length - 1 : (number(b) ?? -1)
        if !b.isEmpty && last < first { return .none }
        guard first < length else { return .unsatisfiable }
        return .range(first, min(last, length - 1))
    }

    /// The parts of `body` covering `count` bytes from `from`.
    static func slice(_ body: [HTTPResponse.Part], from: Int64, count: Int64) -> [HTTPResponse.Part] {
        var result: [HTTPResponse.Part] = []
        var skip = from, left = count
        for part in body where left > 0 {
            switch part {
            case .bytes(let b):
                let n = Int64(b.count)
                if skip >= n { skip -= n; continue }
                let take = min(n - skip, left)
                result.append(.bytes(Array(b[Int(skip)..<Int(skip + take)])))
                skip = 0; left -= take
            case .memory(let b):
                let n = b.count
                if skip >= n { skip -= n; continue }
                let take = min(n - skip, left)
                result.append(.memory(b.part(from: skip, count: take)))
                skip = 0; left -= take
            case let .file(path, offset, length):
                if skip >= length { skip -= length; continue }
                let take = min(length - skip, left)
                result.append(.file(path: path, offset: offset + skip, length: take))
                skip = 0; left -= take
            case let .growing(file, offset, length):
                if skip >= length { skip -= length; continue }
                let take = min(length - skip, left)
                result.append(.growing(file, offset: offset + skip, length: take))
                skip = 0; left -= take
            case let .openFile(file, offset, length):
                if skip >= length { skip -= length; continue }
                let take = min(length - skip, left)
                result.append(.openFile(file, offset: offset + skip, length: take))
                skip = 0; left -= take
            case .pipe: continue  // never sliced: `apply` sends piped bodies whole
            }
        }
        return result
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension String {
    func trimmingCharacters() -> String { Substring(self).trimmingSpaces() }
}
