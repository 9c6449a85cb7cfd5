import Testing
@testable import VODKit

@Suite struct HTTPRequestParserTests {
    func parse(_ text: String, limits: HTTPLimits = HTTPLimits()) throws(HTTPParseError) -> (HTTPRequestHead, Int)? {
        var parser = HTTPRequestParser(limits: limits)
        return try parser.parse(Array(text.utf8))
    }

    func error(_ text: String, limits: HTTPLimits = HTTPLimits()) -> HTTPParseError? {
        do { _ = try parse(text, limits: limits); return nil } catch { return error }
    }

    @Test func simpleGet() throws {
        let text = "GET /hls/demo/master.m3u8?x=1 HTTP/1.1\r\nHost: example\r\nUser-Agent: t\r\n\r\n"
        let (head, used) = try #require(try parse(text))
        #expect(used == text.utf8.count)
        #expect(head.method == "GET" && head.target == "/hls/demo/master.m3u8?x=1" && head.path == "/hls/demo/master.m3u8")
        #expect(head.headers["host"] == "example" && head.headers["USER-AGENT"] == "t")
        #expect(head.keepAlive && head.framing == .none && head.minorVersion == 1)
    }

    /// Protocol details a probe found: the absolute form is accepted (RFC 9112 3.2.2), and a
    /// request line over the limit is 414 even when the whole head arrives at once.
    @Test func absoluteFormAndOverLongRequestLines() throws {
        let (head, _) = try #require(try parse("GET http://edge.example:8080/healthz?x=1 HTTP/1.1\r\nHost: other\r\n\r\n"))
        #expect(head.target == "/healthz?x=1" && head.path == "/healthz")
        #expect(try parse("GET HTTP://EDGE.EXAMPLE HTTP/1.1\r\nHost: a\r\n\r\n")?.0.path == "/")
        let long = "GET /" + String(repeating: "a", count: 100_000) + " HTTP/1.1\r\nHost: a\r\n\r\n"
        #expect(error(long) == .uriTooLong)
    }

    @Test func connectionRules() throws {
        #expect(try parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")?.0.keepAlive == false)
        #expect(try parse("GET / HTTP/1.0\r\n\r\n")?.0.keepAlive == false)
        #expect(try parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")?.0.keepAlive == true)
    }

    @Test func incompleteUntilTheBlankLineArrivesByteByByte() throws {
        let text = Array("PUT /ingest/v/a.mp4 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello".utf8)
        var parser = HTTPRequestParser()
        var buffer: [UInt8] = []
        var result: (HTTPRequestHead, Int)?
        for byte in text {
            buffer.append(byte)
            if let r = try parser.parse(buffer) { result = r; break }
        }
        let (head, used) = try #require(result)
        #expect(head.framing == .contentLength(5))
        #expect(used == text.count - 5)
    }

    @Test func pipelinedRequestsAreTakenOneByOne() throws {
        var buffer = Array("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n".utf8)
        var parser = HTTPRequestParser()
        var targets: [String] = []
        while let (head, used) = try parser.parse(buffer) {
            targets.append(head.target)
            buffer.removeFirst(used)
            parser.reset()
        }
        #expect(targets == ["/a", "/b"] && buffer.isEmpty)
    }

    @Test func bareLineFeedsAndLeadingEmptyLinesAreAccepted() throws {
        #expect(try parse("\r\nGET / HTTP/1.1\nHost: a\n\n")?.0.target == "/")
        // Mixed line ends: every field kept, in order, values without their surrounding spaces.
        let fields = try parse("GET / HTTP/1.1\nHost: a\r\nA: 1\nB:  2 \r\n\n")?.0.headers.fields
        #expect(fields?.map(\.name) == ["Host", "A", "B"] && fields?.map(\.value) == ["a", "1", "2"])
    }

    @Test func smugglingAttemptsAreRefused() {
        #expect(error("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n") == .badRequest("both Content-Length and Transfer-Encoding"))
        #expect(error("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\n") == .badRequest("more than one Content-Length"))
        #expect(error("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +4\r\n\r\n") == .badRequest("invalid Content-Length"))
        #expect(error("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4 4\r\n\r\n") == .badRequest("invalid Content-Length"))
        #expect(error("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n") == .badRequest("Transfer-Encoding does not end with chunked"))
        #expect(error("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")?.status == 501)
        #expect(error("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n") == .badRequest("malformed header name"))
        #expect(error("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n") == .badRequest("obsolete line folding"))
        #expect(error("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n") == .badRequest("bare CR"))
        #expect(error("GET / HTTP/1.1\r\nHost: a\r\nX: a\u{0}b\r\n\r\n") == .badRequest("NUL byte in the head"))
        #expect(error("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") == .badRequest("Transfer-Encoding in an HTTP/1.0 request"))
    }

    @Test func hostRules() {
        #expect(error("GET / HTTP/1.1\r\n\r\n") == .badRequest("no Host header"))
        #expect(error("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == .badRequest("more than one Host header"))
    }

    @Test func malformedRequestLines() {
        #expect(error("GET  / HTTP/1.1\r\nHost: a\r\n\r\n") == .badRequest("malformed request line"))
        #expect(error("GET / HTTP/2.0\r\nHost: a\r\n\r\n") == .versionNotSupported)
        #expect(error("GET / HTTP/1.1x\r\nHost: a\r\n\r\n") == .badRequest("malformed HTTP version"))
        #expect(error("G(T / HTTP/1.1\r\nHost: a\r\n\r\n") == .badRequest("malformed method"))
        #expect(error("GET /a\u{7F} HTTP/1.1\r\nHost: a\r\n\r\n") == .badRequest("invalid byte in the request target"))
        #expect(error("GET / HTTP/1.1 \r\nHost: a\r\n\r\n") == .badRequest("malformed request line"))
        #expect(error("GET /\r\nHost: a\r\n\r\n") == .badRequest("malformed request line"))
        #expect(error(" / HTTP/1.1\r\nHost: a\r\n\r\n") == .badRequest("malformed request line"))
        #expect(error("GET / x HTTP/1.1\r\nHost: a\r\n\r\n") == .badRequest("malformed request line"))
        #expect(error("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n") == .badRequest("both Content-Length and Transfer-Encoding"))
        #expect(error("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\n") == .badRequest("more than one Content-Length"))
    }

    @Test func plainPaths() {
        for plain in ["/", "/a", "/a/b.mp4", "/a/", "/a/...", "/a/.b", "/..a/b", "/a/b..", "/t/x/hls/v/master.m3u8"] {
            #expect(HTTPPath.isPlain(Substring(plain)), "\(plain)")
        }
        for refused in ["", "a/b", "/a/../b", "/a/./b", "/..", "/.", "/a/..", "/a/.", "/a//b", "/a%2e", "/a\\b", "/a b", "/a\u{7F}"] {
            #expect(!HTTPPath.isPlain(Substring(refused)), "\(refused)")
        }
    }

    @Test func limitsHoldWhileBytesAreStillArriving() {
        var limits = HTTPLimits()
        limits.maxRequestLine = 100
        limits.maxHeaderBytes = 1000
        limits.maxHeaderCount = 10
        // A long target with no end of line yet: refused before it completes.
        #expect(error("GET /" + String(repeating: "a", count: 200), limits: limits) == .uriTooLong)
        #expect(error("GET /" + String(repeating: "a", count: 200) + " HTTP/1.1\r\nHost: a\r\n\r\n", limits: limits) == .uriTooLong)
        // A 1 MB header line still arriving.
        #expect(error("GET / HTTP/1.1\r\nX: " + String(repeating: "b", count: 1 << 20), limits: limits) == .headersTooLarge)
        // 10,000 headers.
        let many = (0..<10_000).map { "X-\($0): v\r\n" }.joined()
        #expect(error("GET / HTTP/1.1\r\nHost: a\r\n" + many + "\r\n") == .headersTooLarge)
        #expect(error("GET / HTTP/1.1\r\nHost: a\r\n" + (0..<11).map { "X\($0): v\r\n" }.joined() + "\r\n", limits: limits) == .headersTooLarge)
        #expect(error("GET / HTTP/1.1\r\nHost: a\r\n" + (0..<9).map { "X\($0): v\r\n" }.joined() + "\r\n", limits: limits) == nil)  // 10: at the limit
        limits.maxBodyBytes = 10
        #expect(error("PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", limits: limits) == .payloadTooLarge)
    }
}

@Suite struct ChunkedDecoderTests {
    static let body = Array("5;ext=1\r\nhello\r\n7\r\n, world\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nGET /next".utf8)

    @Test func decodesWhateverTheSplit() throws {
        for split in 0...Self.body.count {
            var decoder = ChunkedDecoder(maxBody: 1 << 20)
            var out: [UInt8] = []
            var used = try decoder.decode(Self.body[0..<split], into: &out)
            if !decoder.isDone { used += try decoder.decode(Self.body[split...], into: &out) }
            #expect(decoder.isDone)
            #expect(String(decoding: out, as: UTF8.self) == "hello, world0123456789")
            #expect(Array(Self.body[used...]) == Array("GET /next".utf8), "split at \(split)")
        }
    }

    @Test func malformedChunks() {
        func error(_ text: String, max: Int64 = 1 << 20) -> HTTPParseError? {
            var d = ChunkedDecoder(maxBody: max)
            var out: [UInt8] = []
            do { try d.decode(Array(text.utf8)[...], into: &out); return nil } catch { return error }
        }
        #expect(error("x\r\n") == .badRequest("invalid chunk size"))
        #expect(error("\r\n") == .badRequest("chunk size missing"))
        #expect(error("3\r\nabcX") == .badRequest("chunk data not followed by CRLF"))
        #expect(error("1000000000000000\r\n") == .badRequest("chunk size too large"))
        #expect(error("FF\r\n", max: 100) == .payloadTooLarge)
        #expect(error("3\rx") == .badRequest("CR without LF after a chunk size"))
        #expect(error(String(repeating: "1", count: 2000)) != nil)
        // Whitespace after the size may only lead to an extension (BWS ";").
        #expect(error("5 5\r\nhello\r\n0\r\n\r\n") == .badRequest("chunk size followed by something other than ';'"))
        #expect(error("5 ;x\r\nhello\r\n0\r\n\r\n") == nil)
        #expect(error("5 \r\nhello\r\n0\r\n\r\n") == nil)
    }
}

@Suite struct TusHeadersTests {
    @Test func valuesFromClientsNeverTrap() {
        #expect(TusHeaders.integer("123") == 123)
        #expect(TusHeaders.integer("999999999999999999") == 999_999_999_999_999_999)
        for bad in ["", "-1", "+1", "1e3", "9999999999999999999", " 1", "١٢"] { #expect(TusHeaders.integer(bad) == nil, "\(bad)") }
        let fields = TusHeaders.metadata("filename aGVsbG8ubXA0, title  w6ljbGFpcg== ,flag,bad !!!,")
        #expect(fields == ["filename": "hello.mp4", "title": "éclair", "flag": "", "bad": ""])
        #expect(TusHeaders.checksum("SHA1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=")?.algorithm == "sha1")
        #expect(TusHeaders.checksum("sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=")?.digest.count == 20)
        #expect(TusHeaders.checksum("sha1") == nil && TusHeaders.checksum("sha1 ***") == nil)
        #expect(TusHeaders.safeFileName("../../etc/\u{1}evil\n.mp4") == "evil.mp4")
        #expect(TusHeaders.safeFileName("C:\\videos\\..\\.hidden.mov") == "hidden.mov")
        #expect(TusHeaders.safeFileName("/") == "upload" && TusHeaders.safeFileName("...") == "upload")
        #expect(TusHeaders.safeFileName("x.part") == "x.part.upload")
        #expect(TusHeaders.safeFileName(String(repeating: "é", count: 300)).utf8.count <= 200)
    }
}
