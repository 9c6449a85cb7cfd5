/// Runs the request parser and chunked decoder over untrusted bytes the way a
/// connection does (heads, bodies, pipelining), fed in uneven pieces. Called by
/// the fuzz target (fuzz/FuzzHTTP.swift) and by tests over former crashers.
public enum HTTPParserExercise {
    /// An upstream's response head and the caching rules read from it (what the edge
    /// does with an origin's answer), then the bytes as requests.
    public static func run(_ bytes: [UInt8]) {
        let end = bytes.firstIndex(of: 0) ?? bytes.count  // a NUL splits the input between the two parsers
        if let head = try? HTTPResponseHead.parse(bytes[0..<end]) {
            _ = head.contentLength
            _ = CachePolicy(cacheControl: head.headers["Cache-Control"], status: head.status, notFoundSeconds: 10)
        }
        runRequests(bytes)
    }

    static func runRequests(_ bytes: [UInt8]) {
        var limits = HTTPLimits()
        limits.maxBodyBytes = 1 << 20
        var parser = HTTPRequestParser(limits: limits)
        var buffer: [UInt8] = []
        var position = 0
        var step = 1
        var chunked: ChunkedDecoder?
        var remainingBody: Int64 = 0
        while position < bytes.count {
            // Feed in growing pieces, as reads from a socket would deliver.
            let end = min(bytes.count, position + step)
            buffer += bytes[position..<end]
            position = end
            step = step * 2 % 4093 + 1
            do {
                while true {
                    if remainingBody > 0 {
                        let n = Int(min(remainingBody, Int64(buffer.count)))
                        buffer.removeFirst(n)
                        remainingBody -= Int64(n)
                        if remainingBody > 0 { break }
                    }
                    if var decoder = chunked {
                        var out: [UInt8] = []
                        let used = try decoder.decode(buffer[...], into: &out)
                        buffer.removeFirst(used)
                        chunked = decoder.isDone ? nil : decoder
                        if chunked != nil { break }
                    }
                    guard let (head, used) = try parser.parse(buffer) else { break }
                    buffer.removeFirst(used)
                    parser.reset()
                    _ = head.path
                    _ = AcceptEncoding.allowsGzip(head.headers["Accept-Encoding"])
                    exerciseTus(head)
                    exerciseSigning(head)
                    switch head.framing {
                    case .none: break
                    case .contentLength(let n): remainingBody = n
                    case .chunked: chunked = ChunkedDecoder(maxBody: limits.maxBodyBytes)
                    }
                }
            } catch {
                _ = error.status
                return
            }
        }
    }

    static let signing = URLSigning(keys: SigningKeys(keys: [.init(id: "k1", secret: String(repeating: "ab", count: 16))], requireSignature: true),
                                    trustForwardedFor: true)

    /// A request's URL token taken out and checked, as origin and edge do before routing.
    static func exerciseSigning(_ head: HTTPRequestHead) {
        _ = signing.admit(head, peer: "127.0.0.1", now: 1_800_000_000)
        if let token = URLSigning.takeToken(head).1 { _ = URLToken.Presented(token) }
    }

    /// The tus headers of a request, as the transcoder's upload endpoint reads them.
    static func exerciseTus(_ head: HTTPRequestHead) {
        _ = TusHeaders.integer(head.headers["Upload-Length"])
        _ = TusHeaders.integer(head.headers["Upload-Offset"])
        if let value = head.headers["Upload-Checksum"] { _ = TusHeaders.checksum(value) }
        for (_, value) in TusHeaders.metadata(head.headers["Upload-Metadata"] ?? "") { _ = TusHeaders.safeFileName(value) }
    }
}
