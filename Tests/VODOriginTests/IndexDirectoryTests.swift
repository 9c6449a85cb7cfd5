import Foundation
import MP4Box
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

    static let targets = ["/hls/demo/video/index.m3u8", "/cmaf/demo/video/2.m4s", "/hls-ts/demo/video/1.ts", "/dash/demo/manifest.mpd", "/thumb/demo/500.jpg",
                          "/hls/ladder/master.m3u8", "/cmaf/ladder/video_240/1.m4s", "/cmaf/ladder/audio/2.m4s"]

    @Test func aRestartedOriginAnswersFromTheIndexFilesWithTheSameBytes() throws {
        let (index, dir) = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let o = try OriginFixture(index: index)
        let first = try Self.targets.map { try o.get($0) }
        #expect(first.allSatisfy { $0.status == 200 })
        index.settle()
        // demo.mp4 and the ladder's three files, and the track data of the two that interleave
        // video and audio a frame at a time (demo.mp4 and the ladder's video_320.mp4), two each.
        #expect(index.stats.files == 8 && index.stats.reads == 0)
        let again = try Self.restarted(o, index)
        defer { again.stop() }
        for (target, expected) in zip(Self.targets, first) {
            let r = try HTTPClientConnection(host: "127.0.0.1", port: again.port).request("GET", target)
            #expect(r.status == 200 && r.body == expected.body, "\(target)")
        }
        #expect(index.stats.reads == 4 && index.heldTrackFiles == 3)  // demo's two tracks, video_320's video
    }

    /// A track data file that does not match (another build, or damaged) is removed and made
    /// again, and the video is answered from the MP4 with the same bytes meanwhile.
    @Test func aTrackDataFileThatDoesNotMatchIsMadeAgain() throws {
        let (index, dir) = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let o = try OriginFixture(index: index)
        let targets = ["/cmaf/demo/video/2.m4s", "/cmaf/demo/audio/1.m4s", "/hls-ts/demo/video/1.ts"]
        let first = try targets.map { try o.get($0).body }
        index.settle()
        let demo = o.media.appendingPathComponent("demo.mp4").path
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(IndexDirectory.trackSuffix) }
        #expect(names.count == 2)
        let damaged = dir.appendingPathComponent(try #require(names.first))
        var bytes = try Data(contentsOf: damaged)
        bytes[20] ^= 1  // in the source's identity
        try bytes.write(to: damaged)
        let again = try Self.restarted(o, index)
        defer { again.stop() }
        for (target, expected) in zip(targets, first) {
            #expect(try HTTPClientConnection(host: "127.0.0.1", port: again.port).request("GET", target).body == expected, "\(target)")
        }
        #expect(index.heldTrackFiles == 1)
        index.settle()
        #expect(try Data(contentsOf: damaged) != bytes && FileManager.default.fileExists(atPath: dir.appendingPathComponent(IndexDirectory.fileName(demo)).path))
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
        // Eight files (four of them track data), made a minute apart from oldest to newest.
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(names.count == 8)
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

    /// Track data files held by a video in memory stay when the directory is trimmed (its TS
    /// segments read them by name); let go, they are trimmed like the rest.
    @Test func heldTrackDataFilesAreNotTrimmed() throws {
        let (probe, dir) = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let o = try OriginFixture(index: probe)
        #expect(try o.get("/hls/demo/video/index.m3u8").status == 200)
        probe.settle()
        let demo = o.media.appendingPathComponent("demo.mp4").path
        let directory = try IndexDirectory(path: dir.path, maxBytes: .max, build: 42, log: { _ in })
        directory.settle()
        let identity = try #require(MovieIndexFile.SourceIdentity(path: demo))
        let movie = try #require(directory.movie(source: demo, identity: identity))
        var held: [IndexDirectory.TrackData]? = directory.trackData(source: demo, movie: movie, identity: identity)
        #expect(held?.count == 2 && directory.heldTrackFiles == 2)
        directory.trim(to: 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == held?.map { ($0.path as NSString).lastPathComponent }.sorted())
        held = nil
        directory.trim(to: 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty && directory.heldTrackFiles == 0)
    }
}
