import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif
@testable import VODEdge
@testable import VODKit

/// Accepts connections on a raw listening socket forever and hands each, blocking, to
/// `serve` on the accepting thread: the base of test origins that misbehave on purpose.
func acceptForever(_ listener: ListeningSocket, serve: @escaping @Sendable (Int32) -> Void) {
    Thread {
        while true {
            guard case .connection(let fd) = listener.accept() else { usleep(5000); continue }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
            serve(fd)
        }
    }.start()
}

/// An edge in process with its own cache directory in front of one origin port; stopped
/// and removed when released.
final class EdgeInFront {
    let edge: HTTPServer
    let dir: URL

    init(originPort: UInt16, pool: HTTPClientPool = HTTPClientPool(), maxBytes: Int64 = 64 << 20) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("edge-raw-\(UUID().uuidString)")
        var config = EdgeConfig()
        config.origins = ["http://127.0.0.1:\(originPort)"]
        let store = CacheStore(dir: dir.path, maxBytes: maxBytes, maxObjects: 100, log: { _ in })
        store.rebuildIndex()
        let router = EdgeRouter(config: config, store: store, origins: OriginSet(try config.upstreams(), pool: pool, downSeconds: 5),
                                metrics: Metrics(), log: { _ in })
        var c = HTTPServer.Config()
        c.port = 0
        edge = try HTTPServer(config: c, handler: router)
        edge.start()
    }

    var port: UInt16 { edge.port }

    deinit {
        edge.stop()
        try? FileManager.default.removeItem(at: dir)
    }
}

/// A raw test origin that answers each request with what `answer` gives for its path: the
/// bytes after the head (already framed: a `Content-Length` body, chunks, or bytes up to the
/// close) and how many of them to send before waiting for `release()`. Keeps connections
/// alive unless the head says `Connection: close`.
final class PacedOrigin: @unchecked Sendable {
    struct Answer {
        var head: String
        var wire: [UInt8]
        /// Bytes of `wire` sent before the origin waits for `release()` (nil: all at once).
        var holdAfter: Int?
    }

    let port: UInt16
    let requests = Locked<[String]>([])
    private let listener: ListeningSocket
    private let gate = DispatchSemaphore(value: 0)

    init(answer: @escaping @Sendable (String) -> Answer) throws {
        listener = try ListeningSocket(host: "127.0.0.1", port: 0)
        port = listener.port
        let (requests, gate) = (requests, gate)
        acceptForever(listener) { fd in
            Thread {
                defer { close(fd) }
                var pending: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 4096)
                while true {
                    guard let end = (0..<max(0, pending.count - 3)).first(where: { pending[$0] == 13 && pending[$0 + 1] == 10 && pending[$0 + 2] == 13 && pending[$0 + 3] == 10 }) else {
                        let n = recv(fd, &chunk, chunk.count, 0)
                        guard n > 0 else { return }
                        pending += chunk[0..<n]
                        continue
                    }
                    let line = String(decoding: pending.prefix(while: { $0 != 13 }), as: UTF8.self)
                    pending.removeFirst(end + 4)
                    let path = String(line.split(separator: " ").dropFirst().first ?? "")
                    requests.mutate { $0.append(path) }
                    let a = answer(path)
                    func send(_ bytes: ArraySlice<UInt8>) -> Bool {
                        var sent = 0
                        while sent < bytes.count {
                            let n = bytes.dropFirst(sent).withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                            guard n > 0 else { return false }
                            sent += n
                        }
                        return true
                    }
                    let hold = min(a.holdAfter ?? a.wire.count, a.wire.count)
                    guard send(Array(a.head.utf8)[...]), send(a.wire[..<hold]) else { return }
                    if hold < a.wire.count {
                        _ = gate.wait(timeout: .now() + 10)
                        guard send(a.wire[hold...]) else { return }
                    }
                    if a.head.lowercased().contains("connection: close") { return }
                }
            }.start()
        }
    }

    /// Lets one held response go on.
    func release() { gate.signal() }

    func count(_ path: String) -> Int { requests.value.filter { $0 == path }.count }
}

/// `count` bytes that differ from offset to offset (a misplaced range shows).
func patternBytes(_ count: Int, seed: Int = 0) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 31) ^ ($0 >> 8) ^ seed) } }

/// `payload` in chunked coding (RFC 9112 7.1), `size` bytes a chunk.
func chunkedWire(_ payload: [UInt8], size: Int) -> [UInt8] {
    var wire: [UInt8] = []
    var offset = 0
    while offset < payload.count {
        let n = min(size, payload.count - offset)
        wire += Array("\(String(n, radix: 16))\r\n".utf8) + payload[offset..<(offset + n)] + [13, 10]
        offset += n
    }
    return wire + Array("0\r\n\r\n".utf8)
}
