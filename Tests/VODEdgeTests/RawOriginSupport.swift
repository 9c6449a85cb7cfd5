import Foundation
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

    init(originPort: UInt16, pool: HTTPClientPool = HTTPClientPool()) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("edge-raw-\(UUID().uuidString)")
        var config = EdgeConfig()
        config.origins = ["http://127.0.0.1:\(originPort)"]
        let store = CacheStore(dir: dir.path, maxBytes: 64 << 20, maxObjects: 100, log: { _ in })
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
