import Foundation
import Testing
@testable import VODKit
@testable import VODOrigin

/// Index files: a parsed MP4's index is kept, a later origin answers from it with the same
/// bytes, and an index file that is stale, damaged or over the directory's bound is not used.
@Suite(.serialized) struct IndexDirectoryTests {
    static func directory(log: OriginFixture.LogLines = OriginFixture.LogLines()) throws -> (IndexDirectory, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("index-\(UUID().uuidString)")
        return (try IndexDirectory(path: dir.path, maxBytes: 64 << 20, build: 42, log: { log.add($0) }), dir)
    }

    /// A second origin over the same media and index directory (a restart).
    static func restarted(_ o: OriginFixture, _ index: IndexDirectory) throws -> HTTPServer {
        var config = HTTPServer.Config()
        config.port = 0
        config.loops = 1
        let router = OriginRouter(catalog: try MediaCatalog(root: o.media.path), cache: MediaSetCache(capacity: 8, targetDuration: 1, index: index), token: "")
        let server = try HTTPServer(config: config, handler: router)
        server.start()
        return server
    }

    static let targets = ["/hls/demo/video/index.m3u8", "/cmaf/demo/video/2.m4s", "/hls-ts/demo/video/1.ts", "/dash/demo/manifest.mpd",
                          "/hls/ladder/master.m3u8", "/cmaf/ladder/video_240/1.m4s", "/cmaf/ladder/audio/2.m4s"]

    @Test func aRestartedOriginAnswersFromTheIndexFilesWithTheSameBytes() throws {
        let (index, dir) = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let o = try OriginFixture(index: index)
        let first = try Self.targets.map { try o.get($0) }
        #expect(first.allSatisfy { $0.status == 200 })
        index.settle()
        #expect(index.stats.files == 4 && index.stats.reads == 0)  // demo.mp4 and the ladder's three files
        let again = try Self.restarted(o, index)
        defer { again.stop() }
        for (target, expected) in zip(Self.targets, first) {
            let r = try HTTPClientConnection(host: "127.0.0.1", port: again.port).request("GET", target)
            #expect(r.status == 200 && r.body == expected.body, "\(target)")
        }
        #expect(index.stats.reads == 4)
    }

    @Test func aReplacedSourceOrADamagedIndexFileIsNotUsed() throws {
        let logged = OriginFixture.LogLines()
        let (index, dir) = try Self.directory(log: logged)
        defer { try? FileManager.default.removeItem(at: dir) }
        let o = try OriginFixture(index: index)
        #expect(try o.get("/hls/demo/video/index.m3u8").status == 200)
        index.settle()
        // The source replaced by another video: its old index file is not read, a new one is made.
        let demo = o.media.appendingPathComponent("demo.mp4").path
        try FileManager.default.removeItem(atPath: demo)
        try FileManager.default.copyItem(atPath: fixture("vfr_bframes.mp4"), toPath: demo)
        let replaced = try Self.restarted(o, index)
        let playlist = try HTTPClientConnection(host: "127.0.0.1", port: replaced.port).request("GET", "/hls/demo/video/index.m3u8")
        replaced.stop()
        #expect(playlist.status == 200 && index.stats.reads == 0)
        index.settle()
        // Its index file cut in half: refused with the reason logged, removed, and the MP4 parsed.
        let file = dir.appendingPathComponent(IndexDirectory.fileName(demo))
        let whole = try Data(contentsOf: file)
        try whole.prefix(whole.count / 2).write(to: file)
        let damaged = try Self.restarted(o, index)
        defer { damaged.stop() }
        let again = try HTTPClientConnection(host: "127.0.0.1", port: damaged.port).request("GET", "/hls/demo/video/index.m3u8")
        #expect(again.status == 200 && again.body == playlist.body && index.stats.reads == 0)
        #expect(logged.all.contains { $0.contains("unusable") && $0.contains("demo.mp4") }, "\(logged.all)")
        index.settle()
        #expect(FileManager.default.fileExists(atPath: file.path))  // made again
    }

    @Test func theDirectoryStaysWithinItsBound() throws {
        let (probe, dir) = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let o = try OriginFixture(index: probe)
        #expect(try o.get("/hls/demo/video/index.m3u8").status == 200 && o.get("/hls/ladder/master.m3u8").status == 200)
        probe.settle()
        // Four files, made a minute apart from oldest to newest.
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(names.count == 4)
        for (age, name) in names.enumerated() {
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: Double(age - 10) * 60)], ofItemAtPath: dir.appendingPathComponent(name).path)
        }
        let newest = try #require(names.last)
        let newestSize = try Data(contentsOf: dir.appendingPathComponent(newest)).count
        // Reopened with room for the newest only: the others go, oldest first.
        let bounded = try IndexDirectory(path: dir.path, maxBytes: newestSize, build: 42, log: { _ in })
        bounded.settle()
        #expect(bounded.stats.files == 1 && bounded.stats.bytes == newestSize)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [newest])
    }
}
