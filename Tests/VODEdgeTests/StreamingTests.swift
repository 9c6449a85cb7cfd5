import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import VODEdge
@testable import VODKit

/// An origin on a raw socket that sends a response head and the first half of the
/// body at once, the rest after a pause: what a slow or far origin looks like.
final class SlowOrigin: @unchecked Sendable {
    let port: UInt16
    let body: [UInt8]
    private let listener: ListeningSocket
    let accepted = Locked(0)

    init(body: [UInt8], pause: Double) throws {
        self.body = body
        listener = try ListeningSocket(host: "127.0.0.1", port: 0)
        port = listener.port
        let (body, accepted) = (body, accepted)
        acceptForever(listener) { fd in
            accepted.mutate { $0 += 1 }
            var request = [UInt8](repeating: 0, count: 4096)
            _ = recv(fd, &request, request.count, 0)
            let head = Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\nCache-Control: public, max-age=60\r\nETag: \"slow\"\r\n\r\n".utf8)
            let half = body.count / 2
            _ = (head + body[0..<half]).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            Thread.sleep(forTimeInterval: pause)
            _ = body[half...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            Thread.sleep(forTimeInterval: 0.2)
            close(fd)
        }
    }
}

@Suite(.serialized) struct StreamingTests {
    @Test func missesStreamAndWaitersGetBytesAsTheyArrive() throws {
        var body = [UInt8](repeating: 0, count: 400_000)
        for i in body.indices { body[i] = UInt8(truncatingIfNeeded: i &* 13) }
        let origin = try SlowOrigin(body: body, pause: 1.0)
        let front = try EdgeInFront(originPort: origin.port)
        let edge = front.edge

        // Three players ask at once; each must see its first bytes long before the origin's pause ends.
        let firstBytes = Locked<[Double]>([]), bodies = Locked<[[UInt8]]>([])
        let start = Date()
        let players = DispatchGroup()
        for _ in 0..<3 {
            players.enter()
            Thread {
                defer { players.leave() }
                guard let client = try? HTTPClientConnection(host: "127.0.0.1", port: edge.port) else { return }
                client.send("GET", "/cmaf/slow/video/1.m4s")
                guard let head = try? client.readHead(), let length = head.contentLength else { return }
                var got: [UInt8] = []
                try? client.readBody(length: length) { bytes in
                    if got.isEmpty { firstBytes.mutate { $0.append(Date().timeIntervalSince(start)) } }
                    got.append(contentsOf: bytes)
                }
                bodies.mutate { $0.append(got) }
            }.start()
        }
        players.wait()
        #expect(bodies.value.count == 3 && bodies.value.allSatisfy { $0 == body })
        #expect(firstBytes.value.count == 3 && firstBytes.value.allSatisfy { $0 < 0.6 }, "first bytes after \(firstBytes.value) s")
        #expect(Date().timeIntervalSince(start) >= 1.0)
        #expect(origin.accepted.value == 1)
        // Stored whole and checked: the next request is a hit from disk.
        let hit = try HTTPClientConnection(host: "127.0.0.1", port: edge.port).request("GET", "/cmaf/slow/video/1.m4s")
        #expect(hit.headers["X-Cache"] == "HIT" && hit.body == body)
    }
}
