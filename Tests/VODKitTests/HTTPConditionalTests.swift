import Testing
@testable import VODKit

@Suite struct HTTPConditionalTests {
    func request(_ headers: [(String, String)], method: String = "GET") -> HTTPRequestHead {
        HTTPRequestHead(method: method, target: "/x", minorVersion: 1, headers: HTTPHeaders(headers), framing: .none, keepAlive: true)
    }

    let full = HTTPResponse(status: 200, headers: HTTPHeaders([("ETag", "\"abc\"")]),
                            body: [.bytes(Array("0123".utf8)), .file(path: "/f", offset: 100, length: 10), .bytes(Array("xyz".utf8))])

    @Test func ranges() {
        #expect(HTTPConditional.parseRange("bytes=0-3", length: 17) == .range(0, 3))
        #expect(HTTPConditional.parseRange("bytes=5-", length: 17) == .range(5, 16))
        #expect(HTTPConditional.parseRange("bytes=-4", length: 17) == .range(13, 16))
        #expect(HTTPConditional.parseRange("bytes=10-100", length: 17) == .range(10, 16))
        #expect(HTTPConditional.parseRange("bytes=17-", length: 17) == .unsatisfiable)
        #expect(HTTPConditional.parseRange("bytes=5-2", length: 17) == .none)
        #expect(HTTPConditional.parseRange("bytes=0-1,3-4", length: 17) == .none)
        #expect(HTTPConditional.parseRange("items=0-1", length: 17) == .none)
    }

    @Test func partialContentSpansParts() {
        let r = HTTPConditional.apply(full, to: request([("Range", "bytes=2-6")]))
        #expect(r.status == 206 && r.headers["Content-Range"] == "bytes 2-6/17")
        #expect(r.body == [.bytes(Array("23".utf8)), .file(path: "/f", offset: 100, length: 3)])
        let tail = HTTPConditional.apply(full, to: request([("Range", "bytes=-2")]))
        #expect(tail.body == [.bytes(Array("yz".utf8))])
        #expect(HTTPConditional.apply(full, to: request([("Range", "bytes=40-")])).status == 416)
    }

    @Test func conditionals() {
        #expect(HTTPConditional.apply(full, to: request([("If-None-Match", "\"abc\"")])).status == 304)
        #expect(HTTPConditional.apply(full, to: request([("If-None-Match", "\"zzz\", W/\"abc\"")])).status == 304)
        #expect(HTTPConditional.apply(full, to: request([("If-None-Match", "\"zzz\"")])).status == 200)
        // If-Range with another validator: the whole response, not a part.
        #expect(HTTPConditional.apply(full, to: request([("Range", "bytes=0-1"), ("If-Range", "\"old\"")])).status == 200)
        #expect(HTTPConditional.apply(full, to: request([("Range", "bytes=0-1"), ("If-Range", "\"abc\"")])).status == 206)
        #expect(HTTPConditional.apply(full, to: request([])).headers["Access-Control-Allow-Origin"] == "*")
        #expect(HTTPConditional.options().status == 204)
        // A preflight answer passes through apply with one Access-Control-Allow-Origin, not two.
        let preflight = HTTPConditional.apply(HTTPConditional.options(), to: request([]))
        #expect(preflight.headers.values("Access-Control-Allow-Origin") == ["*"])
    }
}
