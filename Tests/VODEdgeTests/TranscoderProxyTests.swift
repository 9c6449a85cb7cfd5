import Foundation
import Synchronization
import Testing
@testable import VODEdge
@testable import VODKit

/// A stand-in for a transcoder's tus endpoint with a spool of its own: it creates uploads
/// (ids that start with its name), knows only those, and says who answered.
final class SpoolOfItsOwn: HTTPHandler, Sendable {
    let name: String
    let created = Mutex(0)
    init(name: String) { self.name = name }

    func reply(to request: HTTPRequest) -> HTTPReply {
        let head = request.head
        var r: HTTPResponse
        switch (head.method, TranscoderProxy.uploadID(head.path)) {
        case ("POST", nil):
            let n = created.withLock { $0 += 1; return $0 }
            r = HTTPResponse(status: 201)
            r.headers.append("Location", "/api/uploads/\(name)-\(n)")
        case (_, .some(let id)) where id.hasPrefix(name + "-"):
            r = HTTPResponse(status: head.method == "HEAD" ? 200 : 204)
            r.headers.append("Upload-Offset", String(request.body.count))
        default:
            r = .text(404, "no such upload")
        }
        r.headers.append("X-Transcoder", name)
        return .response(r)
    }
}

struct ProxyOnly: HTTPHandler {
    let proxy: TranscoderProxy
    func reply(to request: HTTPRequest) -> HTTPReply { proxy.reply(to: request) }
    func bodyHandling(for head: HTTPRequestHead) -> HTTPBodyHandling { head.method == "GET" || head.method == "HEAD" ? .buffer : proxy.bodyHandling(for: head) }
}

@Suite struct TranscoderProxyTests {
    static func server(_ handler: some HTTPHandler) throws -> HTTPServer {
        var c = HTTPServer.Config()
        c.port = 0
        c.loops = 1
        let s = try HTTPServer(config: c, handler: handler)
        s.start()
        return s
    }

    static func edge(_ transcoders: [HTTPServer]) throws -> HTTPServer {
        let upstreams = transcoders.compactMap { HTTPClientPool.Upstream(url: "http://127.0.0.1:\($0.port)") }
        return try server(ProxyOnly(proxy: TranscoderProxy(transcoders: upstreams, addresses: AddressCache(ttlSeconds: 60), log: { _ in })))
    }

    func send(_ edge: HTTPServer, _ method: String, _ target: String, body: [UInt8] = []) throws -> HTTPClientConnection.Response {
        try HTTPClientConnection(host: "127.0.0.1", port: edge.port, timeoutSeconds: 10).request(method, target, headers: [("Tus-Resumable", "1.0.0")], body: body)
    }

    @Test func anUploadsRequestsGoToTheTranscoderThatHoldsIt() throws {
        let a = try Self.server(SpoolOfItsOwn(name: "a")), b = try Self.server(SpoolOfItsOwn(name: "b"))
        defer { a.stop(); b.stop() }
        // A new upload goes to the first transcoder; its later requests go there too.
        let edge = try Self.edge([a, b])
        let first = try send(edge, "POST", "/api/uploads")
        #expect(first.status == 201 && first.headers["Location"] == "/api/uploads/a-1")
        #expect(try send(edge, "PATCH", "/api/uploads/a-1", body: Array(repeating: 1, count: 100)).headers["X-Transcoder"] == "a")
        // An upload held by the second (created there directly) is found by HEAD, then remembered.
        let direct = try HTTPClientConnection(host: "127.0.0.1", port: b.port).request("POST", "/api/uploads")
        #expect(direct.headers["Location"] == "/api/uploads/b-1")
        let patched = try send(edge, "PATCH", "/api/uploads/b-1", body: Array(repeating: 2, count: 100))
        #expect(patched.status == 204 && patched.headers["X-Transcoder"] == "b" && patched.headers["Upload-Offset"] == "100")
        #expect(try send(edge, "HEAD", "/api/uploads/b-1").headers["X-Transcoder"] == "b")
        // A fresh edge (nothing remembered) finds both.
        let restarted = try Self.edge([a, b])
        #expect(try send(restarted, "PATCH", "/api/uploads/b-1", body: [3]).headers["X-Transcoder"] == "b")
        #expect(try send(restarted, "PATCH", "/api/uploads/a-1", body: [4]).headers["X-Transcoder"] == "a")
        // An upload nobody holds: the first answers (404), as with one transcoder.
        #expect(try send(restarted, "PATCH", "/api/uploads/c-1", body: [5]).status == 404)
        edge.stop()
        restarted.stop()
    }
}
