import Foundation
import TestSupport
import Testing
@testable import VODEdge
@testable import VODKit

/// What the edge does not cache (chunked or close-delimited bodies, heads too large to
/// store, `no-store`) goes to the player as it arrives, through a fixed buffer: it was
/// once held whole in memory and sent only when the origin had finished.
@Suite(.serialized) struct UncachedStreamingTests {
    static let payload = patternBytes(3 << 20)

    /// Each kind of uncached response, the origin holding back all but its first 128 KiB.
    static func answer(_ path: String) -> PacedOrigin.Answer {
        let cache = "Cache-Control: public, max-age=60\r\n"
        let hold = 128 << 10
        switch path.split(separator: "/").first ?? "" {
        case "chunked":
            return .init(head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\(cache)\r\n", wire: chunkedWire(payload, size: 65_536), holdAfter: hold)
        case "close":
            return .init(head: "HTTP/1.1 200 OK\r\nConnection: close\r\n\(cache)\r\n", wire: payload, holdAfter: hold)
        case "bighead":
            let padding = String(repeating: "p", count: 6000)
            return .init(head: "HTTP/1.1 200 OK\r\nContent-Length: \(payload.count)\r\n\(cache)X-Padding: \(padding)\r\n\r\n", wire: payload, holdAfter: hold)
        default:
            return .init(head: "HTTP/1.1 200 OK\r\nContent-Length: \(payload.count)\r\nCache-Control: no-store\r\n\r\n", wire: payload, holdAfter: hold)
        }
    }

    @Test(arguments: ["chunked", "close", "bighead", "nostore"])
    func uncachedBodiesReachThePlayerBeforeTheOriginFinishes(kind: String) throws {
        let origin = try PacedOrigin(answer: Self.answer)
        let front = try EdgeInFront(originPort: origin.port)
        // The origin sends the rest only once the player has had body bytes: an edge that
        // waited for the whole body would make this time out (3 s) instead.
        let player = try HTTPClientConnection(host: "127.0.0.1", port: front.port, timeoutSeconds: 3)
        player.send("GET", "/\(kind)/a.mp4")
        let head = try player.readHead()
        #expect(head.status == 200)
        var body: [UInt8] = []
        try player.readBody(head) { bytes in
            if body.isEmpty { origin.release() }
            body.append(contentsOf: bytes)
        }
        #expect(body.count == Self.payload.count && body == Self.payload, "\(kind): \(body.count) bytes")
        let lengthKnown = kind == "bighead" || kind == "nostore"
        #expect(head.headers["Content-Length"] == (lengthKnown ? String(Self.payload.count) : nil))
        #expect(head.chunked == !lengthKnown)
        #expect(head.headers["X-Cache"] == "MISS" && head.headers["Accept-Ranges"] == nil)
        if kind == "bighead" { #expect(head.headers["X-Padding"]?.count == 6000) }
        // Not kept: the next request goes to the origin again.
        origin.release()
        let again = try HTTPClientConnection(host: "127.0.0.1", port: front.port, timeoutSeconds: 5).request("GET", "/\(kind)/a.mp4")
        #expect(again.body == Self.payload && origin.count("/\(kind)/a.mp4") == 2)
    }

    /// An HTTP/1.0 player has no chunked coding: a body of unknown length ends with the connection.
    @Test func http10GetsABodyOfUnknownLengthUntilTheClose() throws {
        let origin = try PacedOrigin { _ in .init(head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", wire: chunkedWire(Self.payload, size: 100_000)) }
        let front = try EdgeInFront(originPort: origin.port)
        let player = try HTTPClientConnection(host: "127.0.0.1", port: front.port, timeoutSeconds: 5)
        player.send("GET /x/a.mp4 HTTP/1.0\r\n\r\n")
        let head = try player.readHead()
        var body: [UInt8] = []
        try player.readBody(head) { body.append(contentsOf: $0) }
        #expect(!head.chunked && head.headers["Content-Length"] == nil && head.headers["Connection"] == "close")
        #expect(body == Self.payload)
    }

    /// Several players asking at once for what is not cached each get it whole (each has
    /// its own stream: one pipe has one reader), and a player that leaves midway does not
    /// hold a worker or the origin's connection.
    @Test func concurrentAndAbandonedUncachedRequests() throws {
        let origin = try PacedOrigin { _ in .init(head: "HTTP/1.1 200 OK\r\nContent-Length: \(Self.payload.count)\r\nCache-Control: no-store\r\n\r\n", wire: Self.payload) }
        let front = try EdgeInFront(originPort: origin.port)
        let results = Locked<[Int]>([])
        let port = front.port
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            let body = (try? HTTPClientConnection(host: "127.0.0.1", port: port, timeoutSeconds: 10).request("GET", "/same/a.mp4").body) ?? []
            results.mutate { $0.append(body == Self.payload ? 1 : 0) }
        }
        #expect(results.value == [1, 1, 1, 1, 1, 1])
        // Players that read a little and leave.
        for _ in 0..<20 {
            let player = try HTTPClientConnection(host: "127.0.0.1", port: front.port, timeoutSeconds: 5)
            player.send("GET", "/leave/a.mp4")
            _ = try player.readHead()
        }
        // Each left a worker blocked on its pipe only until its connection closed: the edge still answers at once.
        let started = Date()
        let body = try HTTPClientConnection(host: "127.0.0.1", port: front.port, timeoutSeconds: 10).request("GET", "/after/a.mp4").body
        #expect(body == Self.payload && Date().timeIntervalSince(started) < 5)
    }
}

/// Many clients of one cached object share one descriptor for it: 10,000 slow clients once
/// held 10,000 more (an `open` per response) and ran the edge out of descriptors.
@Suite(.serialized) struct SharedDescriptorTests {
    /// Descriptors this process holds on files under `dir` (other tests running meanwhile open sockets and files of their own).
    func descriptors(under dir: String) -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).filter { fd in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)"))?.hasPrefix(dir) == true
        }.count
    }

    @Test func slowClientsOfOneObjectShareItsDescriptor() throws {
        // Larger than what the kernel buffers for a client that does not read (about 10 MB on loopback).
        let body = patternBytes(24 << 20, seed: 3)
        let origin = try PacedOrigin { _ in .init(head: "HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\nCache-Control: max-age=600\r\n\r\n", wire: body) }
        let front = try EdgeInFront(originPort: origin.port, maxBytes: 512 << 20)
        #expect(try HTTPClientConnection(host: "127.0.0.1", port: front.port).request("GET", "/big/a.m4s").body == body)
        #expect(try HTTPClientConnection(host: "127.0.0.1", port: front.port).request("GET", "/big/a.m4s").headers["X-Cache"] == "HIT")
        var clients: [HTTPClientConnection] = []
        for _ in 0..<80 {
            let c = try HTTPClientConnection(host: "127.0.0.1", port: front.port)
            c.send("GET", "/big/a.m4s")  // and never read: each response stays in flight
            clients.append(c)
        }
        usleep(300_000)
        // One descriptor of the cached file for all of them (it was one each: 80).
        let files = descriptors(under: front.dir.path)
        #expect(files >= 1 && files <= 2, "\(files) descriptors of the cached object for \(clients.count) clients")
        let last = clients[0]
        _ = try last.readHead()
    }
}
