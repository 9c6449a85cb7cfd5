import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import VODEdge
@testable import VODKit

/// An origin on a raw socket that keeps connections alive and, after the response for
/// any path with `/a/` in it, sends a whole second response nobody asked for: a
/// mis-framing (or malicious) upstream trying to answer the edge's next request.
final class MisframingOrigin: @unchecked Sendable {
    let port: UInt16
    private let listener: ListeningSocket
    let requests = Locked(0)

    init() throws {
        listener = try ListeningSocket(host: "127.0.0.1", port: 0)
        port = listener.port
        let requests = requests
        acceptForever(listener) { fd in
            Thread {  // one thread a connection: the edge keeps several alive
                defer { close(fd) }
                var pending: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = recv(fd, &chunk, chunk.count, 0)
                    guard n > 0 else { return }
                    pending += chunk[0..<n]
                    while let end = (0..<max(0, pending.count - 3)).first(where: { pending[$0] == 13 && pending[$0 + 1] == 10 && pending[$0 + 2] == 13 && pending[$0 + 3] == 10 }) {
                        let line = String(decoding: pending.prefix(while: { $0 != 13 }), as: UTF8.self)
                        pending.removeFirst(end + 4)
                        requests.mutate { $0 += 1 }
                        let body = line.contains("/a/") ? "hello" : "world"
                        var out = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nCache-Control: public, max-age=60\r\n\r\n\(body)"
                        if line.contains("/a/") {
                            out += "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nCache-Control: public, max-age=31536000, immutable\r\n\r\nPOISON"
                        }
                        _ = Array(out.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    }
                }
            }.start()
        }
    }
}

@Suite(.serialized) struct UpstreamFramingTests {
    @Test func bytesPastAResponseNeverAnswerTheNextRequest() throws {
        let origin = try MisframingOrigin()
        let logged = Locked<[String]>([])
        let front = try EdgeInFront(originPort: origin.port, pool: HTTPClientPool(log: { line in logged.mutate { $0.append(line) } }))
        let edge = front.edge

        func get(_ target: String) throws -> String {
            String(decoding: try HTTPClientConnection(host: "127.0.0.1", port: edge.port).request("GET", target).body, as: UTF8.self)
        }
        #expect(try get("/cmaf/v/a/1.m4s") == "hello")
        for n in 1...3 {
            #expect(try get("/cmaf/v/b/\(n).m4s") == "world", "request \(n) after the mis-framed response")
        }
        // What was cached is what each request's own response said.
        #expect(try get("/cmaf/v/b/1.m4s") == "world")
        #expect(logged.value.contains { $0.contains("sent more data than specified") || $0.contains("between responses") }, "\(logged.value)")
    }
}

/// Origin names are resolved once per `ttlSeconds`, not per fetch, and again at once when
/// none of their addresses answered; a fetch has a total time limit however its origin trickles.
@Suite struct UpstreamNamesAndDeadlineTests {
    @Test func namesAreResolvedOncePerTTLAndAgainAfterFailure() throws {
        let calls = Locked(0)
        let cache = AddressCache(ttlSeconds: 0.3) { host, port throws(HTTPClientConnection.ClientError) in
            calls.mutate { $0 += 1 }
            return try SocketAddress.resolve(host, port: port)
        }
        for _ in 0..<5 { _ = try cache.addresses("localhost", port: 80) }
        #expect(calls.value == 1)
        usleep(400_000)
        _ = try cache.addresses("localhost", port: 80)
        #expect(calls.value == 2)
        cache.forget("localhost", port: 80)
        _ = try cache.addresses("localhost", port: 80)
        #expect(calls.value == 3)
    }

    /// An origin that trickles its head a byte every 0.3 s never trips the 2 s socket timeout;
    /// the total limit (1.5 s here) ends the fetch: 504, and the worker is free again.
    @Test func aTricklingOriginIsCutOffByTheFetchDeadline() throws {
        let listener = try ListeningSocket(host: "127.0.0.1", port: 0)
        acceptForever(listener) { fd in
            Thread {
                defer { close(fd) }
                var request = [UInt8](repeating: 0, count: 4096)
                _ = recv(fd, &request, request.count, 0)
                for byte in Array("HTTP/1.1 200 OK\r\nX-Slow: ".utf8) + [UInt8](repeating: 0x61, count: 100) {
                    var b = byte
                    guard send(fd, &b, 1, Int32(MSG_NOSIGNAL)) == 1 else { return }
                    usleep(300_000)
                }
            }.start()
        }
        let front = try EdgeInFront(originPort: listener.port, pool: HTTPClientPool(timeoutSeconds: 2, waitBudgetSeconds: 1.5))
        let started = Date()
        let response = try HTTPClientConnection(host: "127.0.0.1", port: front.port, timeoutSeconds: 10).request("GET", "/cmaf/v/video/1.m4s")
        let took = Date().timeIntervalSince(started)
        #expect(response.status == 504 && took < 3, "\(response.status) after \(took) s")
    }
}
