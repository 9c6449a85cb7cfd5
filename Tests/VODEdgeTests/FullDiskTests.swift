import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import VODEdge
@testable import VODKit

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Whether this machine lets a test mount a small tmpfs in a private mount namespace.
let canMountTmpfs: Bool = {
    (try? runUnshare(["sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"]).terminationStatus) == 0
}()

func runUnshare(_ arguments: [String]) throws -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
    p.arguments = (getuid() == 0 ? ["-m"] : ["-rm"]) + arguments
    p.standardError = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    return p
}

/// The real `vod-edge` with its cache on a tmpfs of `diskKB` of its own (a private mount
/// namespace: nothing is mounted for anyone else), in front of one origin port.
final class EdgeOnSmallDisk {
    let process = Process()
    let port: UInt16
    let cacheDir: String
    let log = Pipe()

    init(diskKB: Int, originPort: UInt16, settings: [String: Any] = [:]) throws {
        let binary = repoRoot.appendingPathComponent(".build/debug/vod-edge").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("small-disk-\(UUID().uuidString)").path
        cacheDir = dir + "/cache"
        try FileManager.default.createDirectory(atPath: cacheDir, withIntermediateDirectories: true)
        let probe = try ListeningSocket(host: "127.0.0.1", port: 0)
        port = probe.port
        Glibc.close(probe.fd)
        var config: [String: Any] = ["listen": "127.0.0.1:\(port)", "origins": ["http://127.0.0.1:\(originPort)"], "cacheDir": cacheDir,
                                     "maxCacheMB": 64, "maxObjectMB": 32, "minFreeMB": 0, "cacheRetrySeconds": 1, "loops": 1, "workers": 4,
                                     "accessLog": false, "originTimeoutSeconds": 5]
        config.merge(settings) { $1 }
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: dir + "/edge.json"))
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = (getuid() == 0 ? ["-m"] : ["-rm"]) + ["sh", "-c", "mount -t tmpfs -o size=\(diskKB)k tmpfs \"$1\" && exec \"$0\" --config \"$2\"",
                                                                   binary, cacheDir, dir + "/edge.json"]
        process.standardError = log
        try process.run()
        for _ in 0..<100 {
            if (try? HTTPClientConnection(host: "127.0.0.1", port: port).request("GET", "/healthz").status) == 200 { return }
            usleep(50_000)
        }
        throw CommandLineConfig.UsageError("vod-edge did not start: \(logText)")
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: (cacheDir as NSString).deletingLastPathComponent)
    }

    var logText: String {
        process.terminate()
        process.waitUntilExit()
        return String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    /// The cache directory as this process reaches it: through the edge's own view of the mounts.
    var reachableCacheDir: String { "/proc/\(process.processIdentifier)/root\(cacheDir)" }

    func get(_ target: String) throws -> HTTPClientConnection.Response {
        try HTTPClientConnection(host: "127.0.0.1", port: port, timeoutSeconds: 10).request("GET", target)
    }

    func metric(_ name: String) throws -> Double? {
        let text = String(decoding: try get("/metrics").body, as: UTF8.self)
        return text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    /// Writes a file of zeros into the edge's filesystem until it is full; returns its path.
    func fillDisk() -> String {
        let path = reachableCacheDir + "/filler"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(fd) }
        let block = [UInt8](repeating: 0, count: 4096)
        while write(fd, block, block.count) > 0 {}
        return path
    }
}

/// A cache on a full filesystem must never reach the players or the origins' health:
/// every player gets the whole body, the write error is counted and logged as local, no
/// origin is asked twice or marked down, and the cache takes objects again later.
@Suite(.serialized, .enabled(if: canMountTmpfs, "needs a private mount namespace (unshare -m) to mount a small tmpfs"))
struct FullDiskTests {
    static let segment = patternBytes(100_000, seed: 1)
    static let slow = patternBytes(300_000, seed: 2)

    static func origin() throws -> PacedOrigin {
        try PacedOrigin { path in
            let body = path.hasPrefix("/slow/") ? slow : segment
            return .init(head: "HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\nCache-Control: public, max-age=600\r\n\r\n", wire: body,
                         holdAfter: path.hasPrefix("/slow/") ? 32_768 : nil)
        }
    }

    @Test func aDiskThatFillsMidObjectNeverReachesThePlayersOrTheOrigins() throws {
        let origin = try Self.origin()
        let edge = try EdgeOnSmallDisk(diskKB: 1024, originPort: origin.port)
        #expect(try edge.get("/fast/1.m4s").body == Self.segment)
        #expect(try edge.get("/fast/1.m4s").headers["X-Cache"] == "HIT")
        // A miss starts to be cached; the disk fills up (another writer) while it is written.
        let player = try HTTPClientConnection(host: "127.0.0.1", port: edge.port, timeoutSeconds: 10)
        player.send("GET", "/slow/1.mp4")
        let head = try player.readHead()
        var filler = ""
        var body: [UInt8] = []
        try player.readBody(head) { bytes in
            if body.isEmpty {
                filler = edge.fillDisk()
                origin.release()
            }
            body.append(contentsOf: bytes)
        }
        #expect(head.status == 200 && body == Self.slow, "\(body.count) of \(Self.slow.count) bytes")
        #expect(origin.count("/slow/1.mp4") == 1, "the local error was blamed on the origin and the fetch repeated")
        #expect(try edge.metric("vod_edge_cache_write_errors_total") ?? 0 >= 1)
        #expect(try edge.metric("vod_edge_cache_writable") == 0)
        // While the disk is full, misses are streamed through whole; hits are still served.
        for n in 2...4 { #expect(try edge.get("/fast/\(n).m4s").body == Self.segment) }
        #expect(try edge.get("/fast/1.m4s").headers["X-Cache"] == "HIT")
        #expect(try edge.metric("vod_edge_origin_up_0") == 1 && edge.metric("vod_edge_origin_errors_0") == 0)
        // Space again: after cacheRetrySeconds the cache takes objects again.
        unlink(filler)
        usleep(1_200_000)
        _ = try edge.get("/fast/5.m4s")
        #expect(try edge.get("/fast/5.m4s").headers["X-Cache"] == "HIT")
        #expect(try edge.metric("vod_edge_cache_writable") == 1)
        let log = edge.logText
        #expect(log.contains("a local disk error, not the origin's"), "\(log.suffix(800))")
    }

    /// Free space is a second budget: on a disk far smaller than maxCacheMB, objects are
    /// evicted (or not cached) before the disk fills, and no write ever fails.
    @Test func freeSpaceIsASecondBudget() throws {
        let origin = try Self.origin()
        let edge = try EdgeOnSmallDisk(diskKB: 1024, originPort: origin.port, settings: ["minFreeMB": 0])
        for n in 1...30 { #expect(try edge.get("/fast/\(n).m4s").body == Self.segment) }
        #expect(try edge.get("/fast/30.m4s").headers["X-Cache"] == "HIT")
        #expect(try edge.metric("vod_edge_cache_write_errors_total") == 0)
        #expect(try edge.metric("vod_edge_cache_evictions_total") ?? 0 > 0)
        #expect(try edge.metric("vod_edge_cache_bytes") ?? .infinity <= 1024 * 1024)
        #expect(try edge.metric("vod_edge_origin_up_0") == 1 && edge.metric("vod_edge_origin_errors_0") == 0)
    }
}
