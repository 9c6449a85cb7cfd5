import Testing
@testable import VODKit

@Suite struct HTTPResponseHeadTests {
    func parse(_ text: String) throws -> HTTPResponseHead { try HTTPResponseHead.parse(Array(text.utf8)[...]) }

    @Test func statusLinesAndFields() throws {
        let h = try parse("HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\nX-A:  b \r\nConnection: close")
        #expect(h.status == 206 && h.contentLength == 10 && h.headers["x-a"] == "b" && !h.keepAlive)
        #expect(try parse("HTTP/1.0 200 OK\r\nConnection: keep-alive").keepAlive)
        #expect(try !parse("HTTP/1.0 200 OK").keepAlive)
        #expect(try parse("HTTP/1.1 204").status == 204)
        #expect(try parse("HTTP/1.1 200 OK\r\nContent-Length: -1").contentLength == nil)
        #expect(try parse("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999").contentLength == nil)
        for bad in ["", "HTTP/2 200 OK", "HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "HTTP/1.1 099 X", "HTTP/1.1 200 OK\r\nNo colon", "HTTP/1.1 200 OK\r\nA B: c",
                    "HTTP/1.1 200 OK\r\n: empty name", "ICY 200 OK"] {
            #expect(throws: HTTPResponseHead.ParseError.self, "\(bad)") { try parse(bad) }
        }
        #expect(throws: HTTPResponseHead.ParseError.tooLarge) { try parse("HTTP/1.1 200 OK" + String(repeating: "\r\nA: b", count: 300)) }
    }

    @Test func cachePolicyFromCacheControl() {
        #expect(CachePolicy(cacheControl: "public, max-age=31536000, immutable", status: 200, notFoundSeconds: 10) == CachePolicy(storable: true, freshFor: 31_536_000))
        #expect(CachePolicy(cacheControl: "immutable", status: 200, notFoundSeconds: 10).freshFor == 31_536_000)
        #expect(CachePolicy(cacheControl: "max-age=300", status: 200, notFoundSeconds: 10).freshFor == 300)
        #expect(CachePolicy(cacheControl: "no-cache, max-age=300", status: 200, notFoundSeconds: 10).freshFor == 0)
        #expect(!CachePolicy(cacheControl: "private, max-age=300", status: 200, notFoundSeconds: 10).storable)
        #expect(!CachePolicy(cacheControl: "no-store", status: 200, notFoundSeconds: 10).storable)
        #expect(CachePolicy(cacheControl: nil, status: 404, notFoundSeconds: 10) == CachePolicy(storable: true, freshFor: 10))
        #expect(!CachePolicy(cacheControl: "max-age=60", status: 500, notFoundSeconds: 10).storable)
        #expect(CachePolicy(cacheControl: "max-age=-5", status: 200, notFoundSeconds: 10).freshFor == 0)
    }
}
