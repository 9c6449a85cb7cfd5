import Foundation
import Testing
@testable import VODKit
@testable import VODOrigin
import HLSPackager
import TestSupport

let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
func fixture(_ name: String) -> String { repo.appendingPathComponent("Tests/Fixtures/\(name)").path }

extension OriginFixture {
    /// The fixture's origin with `languages.mp4` as the bare video `langs` and the named cue
    /// files of `Tests/Fixtures/languages/` in `langs/subtitles/`.
    static func withLanguages(cueFiles: [String]) throws -> OriginFixture {
        let o = try OriginFixture()
        let subtitles = o.media.appendingPathComponent("langs/subtitles")
        try FileManager.default.createDirectory(at: subtitles, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture("languages.mp4"), toPath: o.media.appendingPathComponent("langs.mp4").path)
        for name in cueFiles { try FileManager.default.copyItem(atPath: fixture("languages/\(name)"), toPath: subtitles.appendingPathComponent(name).path) }
        return o
    }
}

/// A media root with a bare video, a transcoder-style ladder, a broken file and
/// symlinks that point outside, served by an origin on a free port.
final class OriginFixture: @unchecked Sendable {
    let dir: URL
    let media: URL
    let server: HTTPServer
    let cache: MediaSetCache
    let router: OriginRouter
    let errors = LogLines()

    final class LogLines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func add(_ s: String) { lock.withLock { lines.append(s) } }
        var all: [String] { lock.withLock { lines } }
    }

    static let token = "test-token-1"

    init(token: String = OriginFixture.token, segmentCacheMB: Int = 128, index: IndexDirectory? = nil) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("origin-\(UUID().uuidString)")
        media = dir.appendingPathComponent("media")
        let fm = FileManager.default
        try fm.createDirectory(at: media.appendingPathComponent("ladder"), withIntermediateDirectories: true)
        try fm.copyItem(atPath: fixture("h264_bframes_aac.mp4"), toPath: media.appendingPathComponent("demo.mp4").path)
        try fm.copyItem(atPath: fixture("h264_bframes_aac.mp4"), toPath: media.appendingPathComponent("ladder/video_320.mp4").path)
        try fm.copyItem(atPath: fixture("video_only.mp4"), toPath: media.appendingPathComponent("ladder/video_240.mp4").path)
        try fm.copyItem(atPath: fixture("audio_only.m4a"), toPath: media.appendingPathComponent("ladder/audio.mp4").path)
        try Data("""
            {"video": "ladder", "title": "The ladder", "renditions": [{"file": "video_320.mp4", "type": "video"}, {"file": "video_240.mp4", "type": "video"},
                                               {"file": "audio.mp4", "type": "audio"}]}
            """.utf8).write(to: media.appendingPathComponent("ladder/manifest.json"))
        let whole = try Data(contentsOf: URL(fileURLWithPath: fixture("moov_at_end.mp4")))
        try whole.prefix(whole.count - 300).write(to: media.appendingPathComponent("broken.mp4"))
        // Outside the root: a secret file and a directory that looks like a video.
        let outside = dir.appendingPathComponent("outside")
        try fm.createDirectory(at: outside, withIntermediateDirectories: true)
        try Data("secret".utf8).write(to: outside.appendingPathComponent("secret.mp4"))
        try fm.copyItem(atPath: fixture("video_only.mp4"), toPath: outside.appendingPathComponent("v.mp4").path)
        try Data(#"{"renditions": [{"file": "v.mp4", "type": "video"}]}"#.utf8).write(to: outside.appendingPathComponent("manifest.json"))
        try fm.createSymbolicLink(atPath: media.appendingPathComponent("evil.mp4").path, withDestinationPath: outside.appendingPathComponent("secret.mp4").path)
        try fm.createSymbolicLink(atPath: media.appendingPathComponent("linkdir").path, withDestinationPath: outside.path)

        let errors = self.errors
        cache = MediaSetCache(capacity: 8, targetDuration: 1, index: index, log: { errors.add($0) })
        var config = HTTPServer.Config()
        config.port = 0
        config.loops = 2
        router = OriginRouter(catalog: try MediaCatalog(root: media.path), cache: cache, segments: SegmentMemoryCache(budgetBytes: segmentCacheMB << 20),
                              token: token, log: { errors.add($0) })
        server = try HTTPServer(config: config, handler: router)
        server.start()
    }

    deinit {
        server.stop()
        try? FileManager.default.removeItem(at: dir)
    }

    func get(_ target: String, _ headers: [(String, String)] = []) throws -> HTTPClientConnection.Response {
        try HTTPClientConnection(host: "127.0.0.1", port: server.port).request("GET", target, headers: headers)
    }

    /// PUTs a file to the ingest endpoint with its SHA-256 (or the one given) and a token.
    func put(_ target: String, file: String, token: String = OriginFixture.token, sha256: String? = nil) throws -> HTTPClientConnection.Response {
        let digest = try sha256 ?? SHA256.hex(SHA256.hash([UInt8](Data(contentsOf: URL(fileURLWithPath: file)))))
        return try HTTPClientConnection(host: "127.0.0.1", port: server.port)
            .request("PUT", target, headers: [("Authorization", "Bearer \(token)"), (Ingest.checksumHeader, digest)], file: file)
    }
}

final class LockedArray: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Int] = []
    func add(_ i: Int) { lock.withLock { items.append(i) } }
    var all: [Int] { lock.withLock { items } }
}

@Suite(.serialized) struct OriginTests {
    @Test func theWholeURLSpaceOfOneVideo() throws {
        let o = try OriginFixture()
        let master = try o.get("/hls/demo/master.m3u8")
        #expect(master.status == 200 && master.headers["Content-Type"] == "application/vnd.apple.mpegurl")
        #expect(master.headers["Cache-Control"] == "public, max-age=300" && master.headers["ETag"]?.hasPrefix("\"") == true)
        for (target, type) in [("/hls/demo/video/index.m3u8", "application/vnd.apple.mpegurl"), ("/hls/demo/video/iframes.m3u8", "application/vnd.apple.mpegurl"),
                               ("/hls/demo/audio/index.m3u8", "application/vnd.apple.mpegurl"), ("/cmaf/demo/video/init.mp4", "video/mp4"),
                               ("/cmaf/demo/video/1.m4s", "video/iso.segment"), ("/cmaf/demo/audio/3.m4s", "video/iso.segment"),
                               ("/dash/demo/manifest.mpd", "application/dash+xml"), ("/hls-ts/demo/master.m3u8", "application/vnd.apple.mpegurl"),
                               ("/hls-ts/demo/video/index.m3u8", "application/vnd.apple.mpegurl"), ("/hls-ts/demo/video/2.ts", "video/mp2t"),
                               ("/mp4/demo/demo.mp4", "video/mp4"), ("/api/videos", "application/json"), ("/api/videos/demo", "application/json")] {
            let r = try o.get(target)
            #expect(r.status == 200 && r.headers["Content-Type"] == type, "\(target): \(r.status)")
            #expect(!r.body.isEmpty)
        }
        let segment = try o.get("/cmaf/demo/video/1.m4s")
        #expect(segment.headers["Cache-Control"] == "public, max-age=31536000, immutable")
        let etag = try #require(segment.headers["ETag"])
        #expect(try o.get("/cmaf/demo/video/1.m4s", [("If-None-Match", etag)]).status == 304)
        // Progressive MP4 with byte ranges equals the file.
        let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture("h264_bframes_aac.mp4"))))
        let part = try o.get("/mp4/demo/demo.mp4", [("Range", "bytes=100-199")])
        #expect(part.status == 206 && part.body == Array(file[100...199]) && part.headers["Content-Range"] == "bytes 100-199/\(file.count)")
        #expect(try o.get("/mp4/demo/demo.mp4", [("Range", "bytes=\(file.count)-")]).status == 416)
        #expect(try o.get("/mp4/demo/demo.mp4").body == file)
        #expect(try o.get("/cmaf/demo/video/99.m4s").status == 404)
        #expect(try o.get("/cmaf/demo/video/01.m4s").status == 404)
        #expect(try o.get("/healthz").status == 200)
        #expect(String(decoding: try o.get("/api/videos").body, as: UTF8.self).contains("\"id\":\"ladder\""))
    }

    /// Playlists go gzip-coded to clients that accept it, as a representation of their own
    /// (ETag, `Vary`), and `gzip -d` gives back the identity bytes; segments are never coded.
    @Test func playlistsAreGzipCodedForClientsThatAcceptIt() throws {
        let o = try OriginFixture()
        for target in ["/dash/demo/manifest.mpd", "/dash/ladder/manifest.mpd"] {
            let plain = try o.get(target)
            let coded = try o.get(target, [("Accept-Encoding", "gzip, deflate, br, zstd")])
            #expect(plain.headers["Content-Encoding"] == nil && plain.headers["Vary"] == "Accept-Encoding")
            #expect(coded.status == 200 && coded.headers["Content-Encoding"] == "gzip" && coded.headers["Vary"] == "Accept-Encoding", "\(target)")
            #expect(coded.body.count < plain.body.count)
            let etag = try #require(coded.headers["ETag"])
            #expect(etag != plain.headers["ETag"])
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("gzip-\(UUID().uuidString).gz")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data(coded.body).write(to: file)
            let decoded = try runProgram(["gzip", "-dc", file.path])
            #expect(decoded.status == 0 && [UInt8](decoded.output) == plain.body, "\(target)")
            #expect(try o.get(target, [("Accept-Encoding", "gzip"), ("If-None-Match", etag)]).status == 304)
            #expect(try o.get(target, [("If-None-Match", etag)]).status == 200)  // the identity bytes are another representation
            #expect(try o.get(target, [("Accept-Encoding", "gzip;q=0, br")]).body == plain.body)
        }
        // A playlist under `Gzip.minimumBytes` (this one is 315 bytes) gains nothing: sent as it is.
        let short = try o.get("/hls/demo/video/index.m3u8", [("Accept-Encoding", "gzip")])
        #expect(short.body.count < Gzip.minimumBytes && short.headers["Content-Encoding"] == nil && short.headers["Vary"] == "Accept-Encoding")
        #expect(try o.get("/cmaf/demo/video/1.m4s", [("Accept-Encoding", "gzip")]).headers["Content-Encoding"] == nil)
    }

    /// A bare file has no manifest: a `manifest.json` lying in the media root (beside it) says
    /// nothing about its access, and a ladder's access comes from the manifest it was found by.
    @Test func aBareFileIsNotGovernedByAManifestBesideIt() throws {
        let o = try OriginFixture()
        try Data(#"{"renditions": [{"file": "demo.mp4", "type": "video"}], "access": "signed"}"#.utf8).write(to: o.media.appendingPathComponent("manifest.json"))
        #expect(try o.get("/mp4/demo/demo.mp4").status == 200)
        #expect(try o.get("/hls/demo/master.m3u8").status == 200)
        #expect(try o.get("/hls/ladder/master.m3u8").status == 200)
    }

    /// Bare files with any ISO BMFF / QuickTime extension are videos, listed and served.
    @Test func bareFilesOfEveryISOExtension() throws {
        let o = try OriginFixture()
        let copies = [("clip.mov", "h264_bframes_aac.mp4", "video/quicktime"), ("phone.m4v", "video_only.mp4", "video/mp4"),
                      ("podcast.m4a", "audio_only.m4a", "audio/mp4"), ("feature.3gp", "video_only.mp4", "video/3gpp")]
        for (name, source, _) in copies { try FileManager.default.copyItem(atPath: fixture(source), toPath: o.media.appendingPathComponent(name).path) }
        let list = String(decoding: try o.get("/api/videos").body, as: UTF8.self)
        for (name, _, type) in copies {
            let id = String(name.split(separator: ".")[0])
            #expect(list.contains("\"id\":\"\(id)\""), "\(name) is not in the catalog")
            #expect(try o.get("/hls/\(id)/master.m3u8").status == 200, "\(name): master playlist")
            #expect(try o.get("/hls-ts/\(id)/master.m3u8").status == 200, "\(name): TS playlist")
            let whole = try o.get("/mp4/\(id)/\(name)")
            #expect(whole.status == 200 && whole.headers["Content-Type"] == type, "\(name): \(whole.status) \(whole.headers["Content-Type"] ?? "")")
        }
        #expect(try o.get("/hls/notes/master.m3u8").status == 404)
        // The catalog lists only ids that resolve: not a symlink leading out (evil.mp4), not a
        // directory named like a file.
        try FileManager.default.createDirectory(at: o.media.appendingPathComponent("folder.mp4"), withIntermediateDirectories: true)
        let ids = String(decoding: try o.get("/api/videos").body, as: UTF8.self)
        #expect(!ids.contains("\"evil\"") && !ids.contains("\"folder\"") && ids.contains("\"clip\""), "\(ids)")
    }

    /// A file with a track we cannot package serves the others and names the skipped one;
    /// a file with none is 415 with the reason.
    @Test func unsupportedTracksAreSkippedAndListed() throws {
        let o = try OriginFixture()
        try FileManager.default.copyItem(atPath: fixture("pcm_audio.mov"), toPath: o.media.appendingPathComponent("pcm.mov").path)
        try FileManager.default.copyItem(atPath: repo.deletingLastPathComponent().appendingPathComponent("shared/media/mp4parser_MOV00006.3gp").path,
                                         toPath: o.media.appendingPathComponent("phone.3gp").path)
        #expect(try o.get("/hls/pcm/master.m3u8").status == 200)
        #expect(try o.get("/cmaf/pcm/video/1.m4s").status == 200)
        #expect(try o.get("/cmaf/pcm/audio/init.mp4").status == 404)
        let info = try JSONSerialization.jsonObject(with: Data(try o.get("/api/videos/pcm").body)) as? [String: Any]
        let skipped = try #require(info?["skipped"] as? [[String: Any]])
        #expect(skipped.count == 1 && skipped[0]["codec"] as? String == "sowt" && (skipped[0]["reason"] as? String)?.isEmpty == false)
        let refused = try o.get("/hls/phone/master.m3u8")
        #expect(refused.status == 415 && String(decoding: refused.body, as: UTF8.self).contains("s263"))
    }

    /// A file cut off inside its last samples plays up to the cut; the operator is told.
    @Test func aCutOffFilePlaysWhatItHas() throws {
        let o = try OriginFixture()
        try FileManager.default.copyItem(atPath: fixture("truncated.mp4"), toPath: o.media.appendingPathComponent("cut.mp4").path)
        #expect(try o.get("/hls/cut/master.m3u8").status == 200)
        #expect(try o.get("/hls-ts/cut/video/1.ts").status == 200)
        #expect(o.errors.all.contains { $0.contains("video cut: track 1: 5 samples lie past the end of the file") }, "\(o.errors.all)")
        #expect(try o.get("/hls/broken/master.m3u8").status == 500)  // an unreadable moov is still an error
    }

    @Test func aLadderPlaysThroughTheOrigin() throws {
        let o = try OriginFixture()
        // The manifest's title, read with the video on a worker (not per request on the loop).
        #expect(String(decoding: try o.get("/api/videos/ladder").body, as: UTF8.self).contains("\"title\":\"The ladder\""))
        let master = String(decoding: try o.get("/hls/ladder/master.m3u8").body, as: UTF8.self)
        #expect(master.contains("video_320/index.m3u8") && master.contains("video_240/index.m3u8") && master.contains("audio/index.m3u8"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg", "-v", "error", "-xerror", "-i", "http://127.0.0.1:\(o.server.port)/hls/ladder/master.m3u8", "-map", "0", "-f", "null", "-"]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        // One range a segment: sent from a descriptor the video holds open (no open per response).
        #expect(try o.get("/cmaf/ladder/video_240/1.m4s").status == 200)
        let entry = try #require(o.cache.cached(try o.router.files.files(of: "ladder")))
        let response = try #require(entry.response(track: "video_240", segment: 1))
        #expect(response.body.contains { if case .openFile = $0 { true } else { false } })
        #expect(!response.body.contains { if case .file = $0 { true } else { false } })
    }

    @Test func nothingOutsideTheMediaRootIsReachable() throws {
        let o = try OriginFixture()
        let attacks = ["/hls/../etc/passwd", "/hls/%2e%2e/demo/master.m3u8", "/mp4/demo/..%2fdemo.mp4", "/mp4/demo/%2e%2e%2fsecret.mp4",
                       "/mp4/evil/evil.mp4", "/hls/evil/master.m3u8", "/hls/linkdir/master.m3u8", "/mp4/linkdir/v.mp4",
                       "/mp4/demo/demo.mp4%00", "/hls/demo\\..\\x/master.m3u8", "//etc/passwd", "/mp4//etc/passwd", "/hls/.hidden/master.m3u8",
                       "/mp4/demo/../../outside/secret.mp4", "/api/videos/..", "/cmaf/demo/../../../etc/passwd"]
        for target in attacks {
            let r = try o.get(target)
            #expect(r.status == 400 || r.status == 404, "\(target) answered \(r.status)")
            #expect(!String(decoding: r.body, as: UTF8.self).contains("secret"))
        }
        // The absolute form is accepted (RFC 9112 3.2.2) and judged by its path like any other.
        let c = try HTTPClientConnection(host: "127.0.0.1", port: o.server.port)
        let outside = try c.request("GET", "http://elsewhere/etc/passwd")
        #expect(outside.status == 404 && !String(decoding: outside.body, as: UTF8.self).contains("root:"))
        #expect(try c.request("GET", "http://elsewhere/hls/demo/master.m3u8").status == 200)
        #expect(try o.get("/hls/demo/master.m3u8").status == 200)
    }

    @Test func aBrokenFileIsAnErrorForThatVideoOnly() throws {
        let o = try OriginFixture()
        let r = try o.get("/hls/broken/master.m3u8")
        #expect(r.status == 500)
        #expect(o.errors.all.contains { $0.contains("broken") && $0.contains("moov") })
        #expect(try o.get("/hls/demo/master.m3u8").status == 200)
    }

    @Test func everyTruncatedFixtureIsServedOrRefused() throws {
        let o = try OriginFixture()
        for name in ["h264_bframes_aac.mp4", "fragmented.mp4", "hevc.mp4", "ac3.mp4"] {
            let whole = try Data(contentsOf: URL(fileURLWithPath: fixture(name)))
            for (k, cut) in stride(from: 0, to: whole.count, by: max(1, whole.count / 12)).enumerated() {
                let id = "cut\(k)-\(name.dropLast(4))"
                try whole.prefix(cut).write(to: o.media.appendingPathComponent("\(id).mp4"))
                for target in ["/hls/\(id)/master.m3u8", "/cmaf/\(id)/video/1.m4s", "/hls-ts/\(id)/video/1.ts"] {
                    let status = try o.get(target).status
                    #expect([200, 404, 415, 500].contains(status), "\(target): \(status)")
                }
            }
        }
        #expect(try o.get("/healthz").status == 200)
    }

    @Test func parsedIndexesAreCachedAndReplacedFilesReloaded() throws {
        let o = try OriginFixture()
        _ = try o.get("/hls/demo/master.m3u8")
        let before = o.cache.stats
        _ = try o.get("/hls/demo/video/index.m3u8")
        _ = try o.get("/cmaf/demo/video/1.m4s")
        #expect(o.cache.stats.hits == before.hits + 2 && o.cache.stats.misses == before.misses)
        let etag = try o.get("/cmaf/demo/video/1.m4s").headers["ETag"]
        try FileManager.default.removeItem(at: o.media.appendingPathComponent("demo.mp4"))
        try FileManager.default.copyItem(atPath: fixture("video_only.mp4"), toPath: o.media.appendingPathComponent("demo.mp4").path)
        Thread.sleep(forTimeInterval: 1.1)  // catalog lookups are remembered for a second
        let after = try o.get("/cmaf/demo/video/1.m4s")
        #expect(after.status == 200 && after.headers["ETag"] != etag)
    }

    @Test func concurrentFirstRequestsShareOneLoad() throws {
        let o = try OriginFixture()
        let before = o.cache.stats.misses
        let statuses = LockedArray()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in statuses.add((try? o.get("/hls/ladder/video_320/index.m3u8").status) ?? 0) }
        #expect(statuses.all == Array(repeating: 200, count: 8))
        #expect(o.cache.stats.misses == before + 1)
    }

    @Test func gatheredSegmentsEqualTheirRangesAndAreKept() throws {
        let o = try OriginFixture()
        // demo.mp4 interleaves audio and video: its segments are many small ranges, sent as ranges
        // the first time, gathered into memory and kept when asked again.
        let set = try MediaSet.load(path: fixture("h264_bframes_aac.mp4"), name: "demo", targetDuration: 1)
        let expected = try set.track(named: "video")!.mediaSegment(0).materialize()
        let first = try o.get("/cmaf/demo/video/1.m4s"), second = try o.get("/cmaf/demo/video/1.m4s")
        #expect(first.body == expected && second.body == expected && first.headers["ETag"] == second.headers["ETag"])
        let ts = try set.tsRenditions().first { $0.name == "video" }!.segment(1).materialize()
        #expect(try o.get("/hls-ts/demo/video/2.ts").body == ts)
        #expect(o.router.segments.usage.items == 2)
        // A range of a gathered segment is served from memory too.
        #expect(try o.get("/cmaf/demo/video/1.m4s", [("Range", "bytes=10-19")]).body == Array(expected[10...19]))
    }

    @Test func interleavedSegmentsAreSentAsSlicesOfOneSpan() throws {
        // The memory off (the case behind edges): every request reads the segment's span once
        // and sends its ranges as slices of that buffer; bytes and ranges as from the file.
        let set = try MediaSet.load(path: fixture("h264_bframes_aac.mp4"), name: "demo", targetDuration: 1)
        let segment = try set.track(named: "video")!.mediaSegment(0)
        #expect(segment.parts.count { if case .file = $0 { true } else { false } } > OriginRouter.maxFileRanges)
        let span = try OriginFixture().router.spanned(segment, "video/iso.segment", etag: "k")
        #expect(span.body.contains { if case .memory(.array) = $0 { true } else { false } } && !span.body.contains { if case .file = $0 { true } else { false } })
        let o = try OriginFixture(segmentCacheMB: 0)
        let expected = try segment.materialize()
        for _ in 0..<3 { #expect(try o.get("/cmaf/demo/video/1.m4s").body == expected) }
        let last = expected.count - 100
        let partial = try o.get("/cmaf/demo/video/1.m4s", [("Range", "bytes=1000-\(last)")])
        #expect(partial.status == 206 && partial.body == Array(expected[1000...last]))
        #expect(o.router.segments.usage.items == 0)
    }

    @Test func interleavedSegmentsAreSentFromTheirFileMapped() throws {
        // The file is mapped on a worker the first time; from then on such a segment is its
        // generated bytes and ranges of the mapping (no read), the same bytes as from the file.
        let o = try OriginFixture(segmentCacheMB: 0)
        let set = try MediaSet.load(path: fixture("h264_bframes_aac.mp4"), name: "demo", targetDuration: 1)
        for track in ["video", "audio"] {
            let expected = try set.track(named: track)!.mediaSegment(1).materialize()
            for _ in 0..<2 { #expect(try o.get("/cmaf/demo/\(track)/2.m4s").body == expected) }
        }
        let entry = try #require(o.cache.cached(try o.router.files.files(of: "demo")))
        let segment = try entry.set.track(named: "audio")!.mediaSegment(1)
        let pieces = try #require(entry.sources.pieces(segment))
        #expect(pieces.contains { if case .mapped = $0 { true } else { false } })
        #expect(pieces.reduce(0) { $0 + $1.count } == segment.length)
        // Asked again with the memory on: copied once from the mapping into memory and kept.
        let kept = try OriginFixture()
        let expected = try segment.materialize()
        for _ in 0..<3 { #expect(try kept.get("/cmaf/demo/audio/2.m4s").body == expected) }
        #expect(kept.router.segments.usage.items == 1)
    }

    @Test func absentPlaylistsAreRemembered() throws {
        let o = try OriginFixture()
        #expect(try o.get("/hls/demo/nope/index.m3u8").status == 404)
        let entry = try #require(o.cache.cached(try o.router.files.files(of: "demo")))
        #expect(entry.hasPlaylist("hls/nope/index.m3u8") && entry.playlist("hls/nope/index.m3u8") == nil)
        #expect(try o.get("/hls/demo/nope/index.m3u8").status == 404 && o.get("/hls/demo/video/index.m3u8").status == 200)
    }

    @Test func methods() throws {
        let o = try OriginFixture()
        let c = try HTTPClientConnection(host: "127.0.0.1", port: o.server.port)
        #expect(try c.request("POST", "/hls/demo/master.m3u8").status == 405)
        let options = try c.request("OPTIONS", "/hls/demo/master.m3u8")
        #expect(options.status == 204 && options.headers["Access-Control-Allow-Origin"] == "*")
        let head = try c.request("HEAD", "/cmaf/demo/video/1.m4s")
        #expect(head.status == 200 && head.body.isEmpty && Int(head.headers["Content-Length"] ?? "") ?? 0 > 1000)
    }

    @Test func configFromFileAndFlags() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("origin-config-\(UUID().uuidString).json")
        try Data(#"{"listen": "127.0.0.1:9000", "media": "/srv/media", "token": "t", "segmentDuration": 4, "cacheEntries": 10, "loops": 1, "maxConnections": 5, "requestTimeoutSeconds": 3, "idleTimeoutSeconds": 9, "accessLog": false}"#.utf8).write(to: file)
        let config = try OriginConfig.from(arguments: ["--config", file.path, "--listen", "0.0.0.0:8088", "--token", "secret"])
        #expect(config.listen == "0.0.0.0:8088" && config.media == "/srv/media" && config.token == "secret" && config.segmentDuration == 4)
        let unrehearsed = try OriginConfig.from(arguments: ["--config", file.path, "--no-rehearsal"])
        #expect(config.rehearse && !unrehearsed.rehearse)
        #expect(throws: OriginConfig.ConfigError.self) { try OriginConfig.from(arguments: ["--listen", "nonsense"]) }
        #expect(throws: OriginConfig.ConfigError.self) { try OriginConfig.from(arguments: ["--bogus"]) }
        let shipped = try OriginConfig.from(arguments: ["--config", repo.appendingPathComponent("config/origin.json").path])
        #expect(shipped.listen == "127.0.0.1:8081")
        // Left-out keys keep their defaults; a misspelt key is an error that names it.
        try Data(#"{"media": "/srv/m", "workers": 2}"#.utf8).write(to: file)
        let partial = try OriginConfig.from(arguments: ["--config", file.path])
        #expect(partial.media == "/srv/m" && partial.workers == 2 && partial.listen == OriginConfig().listen)
        try Data(#"{"medai": "/srv/m"}"#.utf8).write(to: file)
        #expect { try OriginConfig.from(arguments: ["--config", file.path]) } throws: { "\($0)".contains("medai") }
    }
}

@Suite(.serialized) struct OriginMetricsTests {
    @Test func prometheusTextCountsRequests() throws {
        let o = try OriginFixture()
        _ = try o.get("/hls/demo/master.m3u8")
        _ = try o.get("/cmaf/demo/video/1.m4s")
        _ = try o.get("/cmaf/demo/video/1.m4s")
        _ = try o.get("/nope")
        let text = String(decoding: try o.get("/metrics").body, as: UTF8.self)
        #expect(text.contains("# TYPE vod_http_requests_total counter"))
        #expect(text.contains("vod_http_requests_total{route=\"cmaf\",status=\"200\"} 2"))
        #expect(text.contains("vod_http_requests_total{route=\"other\",status=\"404\"} 1"))
        #expect(text.contains("vod_http_request_duration_seconds_bucket{route=\"cmaf\",le=\"+Inf\"} 2"))
        #expect(text.contains("vod_index_cache_misses_total 1") && text.contains("vod_index_cache_hits_total 2"))
        let bytes = text.split(separator: "\n").first { $0.hasPrefix("vod_http_response_bytes_total{route=\"cmaf\"}") }
        #expect(bytes.flatMap { Double($0.split(separator: " ")[1]) } ?? 0 > 1000)
        #expect(o.server.openConnections >= 0)
    }

    @Test func heldCountersRenderAsTheirSeries() {
        let m = Metrics()
        let c = m.counter("x_total", [("route", "hls"), ("status", "200")])
        #expect(!m.render().contains("x_total"))  // a series appears once counted
        c.add(); c.add(2)
        m.add("x_total", [("route", "hls"), ("status", "200")])
        #expect(m.counter("x_total", [("route", "hls"), ("status", "200")]) === c)
        let h = m.histogram("t_seconds", [("route", "hls")])
        h.observe(0.002); m.observe("t_seconds", [("route", "hls")], 0.2)
        let text = m.render()
        #expect(text.contains("x_total{route=\"hls\",status=\"200\"} 4"))
        #expect(text.contains("t_seconds_bucket{route=\"hls\",le=\"0.0025\"} 1") && text.contains("t_seconds_count{route=\"hls\"} 2"))
    }

    @Test func labelValuesAreEscaped() {
        let m = Metrics()
        m.add("x_total", [("path", "a\"b\\c")])
        #expect(m.render().contains("x_total{path=\"a\\\"b\\\\c\"} 1"))
    }
}

@Suite struct MediaSetCacheTests {
    func video(_ name: String) -> VideoFiles {
        let path = fixture(name)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
        return VideoFiles(files: [SourceFile(name: name, path: path, role: .video, size: size, modified: 0)])
    }

    /// Over `capacity`, the least recently used video goes, whether it was used once or more
    /// (a video just loaded is about to be asked for its playlists and segments).
    @Test func theLeastRecentlyUsedVideoGoes() throws {
        let cache = MediaSetCache(capacity: 2, targetDuration: 1)
        let (a, b, c, d) = (video("h264_bframes_aac.mp4"), video("video_only.mp4"), video("hevc.mp4"), video("opus.mp4"))
        for (id, v) in [("a", a), ("b", b)] { _ = try cache.mediaSet(id: id, video: v) }
        #expect(cache.cached(a) != nil)                       // a used again: b is the oldest
        _ = try cache.mediaSet(id: "c", video: c)
        #expect(cache.cached(b) == nil && cache.stats.entries == 2)
        _ = try cache.mediaSet(id: "d", video: d)             // a (used before c) goes, c stays
        #expect(cache.cached(a) == nil && cache.cached(c) != nil && cache.cached(d) != nil)
    }

    @Test func theByteBoundEvictsTheLeastRecentlyUsed() throws {
        let cache = MediaSetCache(capacity: 10, maxBytes: 1, targetDuration: 1)
        let a = try cache.mediaSet(id: "a", video: video("h264_bframes_aac.mp4"))
        #expect(a.estimatedBytes > 64 << 10 && cache.stats.entries == 1)
        _ = try cache.mediaSet(id: "b", video: video("video_only.mp4"))
        #expect(cache.stats.entries == 1 && cache.cached(video("h264_bframes_aac.mp4")) == nil && cache.cached(video("video_only.mp4")) != nil)
    }
}

/// A daemon that runs out of file descriptors keeps serving the connections it has, pauses
/// accepting (logged, counted) instead of retrying accept in a loop at full CPU, and
/// accepts again once descriptors are free. Runs the real `vod-origin` under `ulimit -n`.
@Suite struct DescriptorExhaustionTests {
    func cpuSeconds(_ pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return Double((Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    @Test func outOfDescriptorsPausesAcceptingInsteadOfSpinning() throws {
        let binary = repo.appendingPathComponent(".build/debug/vod-origin").path
        #expect(FileManager.default.isExecutableFile(atPath: binary), "build the daemons first (swift build)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let probe = try ListeningSocket(host: "127.0.0.1", port: 0)
        let port = probe.port
        Glibc.close(probe.fd)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -n 48 && exec \"$0\" --media \"$1\" --listen 127.0.0.1:\"$2\" --loops 1 --workers 1 --no-access-log",
                             binary, dir.path, String(port)]
        let log = Pipe()
        process.standardError = log
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }
        var up = false
        for _ in 0..<50 where !up {
            up = (try? HTTPClientConnection(host: "127.0.0.1", port: port).request("GET", "/healthz").status) == 200
            if !up { usleep(100_000) }
        }
        #expect(up)
        // Far more connections than descriptors: the kernel queues them; the daemon cannot take them.
        var clients: [HTTPClientConnection] = []
        for _ in 0..<80 { if let c = try? HTTPClientConnection(host: "127.0.0.1", port: port) { clients.append(c) } }
        usleep(300_000)
        let before = cpuSeconds(process.processIdentifier)
        usleep(1_500_000)
        let spent = cpuSeconds(process.processIdentifier) - before
        #expect(spent < 0.4, "the origin used \(spent) s of CPU in 1.5 s while out of descriptors")
        // The connections it holds are still served.
        let served = clients.prefix(5).compactMap { c -> Int? in c.send("GET", "/healthz"); return try? c.readResponse().status }
        #expect(served.contains(200), "\(served)")
        clients.removeAll()
        usleep(800_000)
        #expect((try? HTTPClientConnection(host: "127.0.0.1", port: port).request("GET", "/healthz").status) == 200)
        process.terminate()
        process.waitUntilExit()
        let text = String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(text.contains("not accepting for 500 ms"), "\(text.suffix(500))")
    }
}

/// The event loops answer only from memory: a catalog lookup that must read the disk goes
/// to a worker, and its answer, found or not, is remembered for the TTL, so a storm of
/// requests for an unknown video costs one failed lookup per TTL, not one per request.
@Suite struct CatalogCacheTests {
    @Test func answersFoundOrNotAreRememberedForTheTTL() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = CatalogCache(catalog: try MediaCatalog(root: dir.path), ttl: 0.5)
        #expect(cache.remembered("late") == nil)
        #expect(throws: MediaCatalog.LookupError.notFound) { try cache.files(of: "late") }
        #expect(cache.remembered("late").map { if case .failure(.notFound) = $0 { true } else { false } } == true)
        try FileManager.default.copyItem(atPath: fixture("video_only.mp4"), toPath: dir.appendingPathComponent("late.mp4").path)
        #expect(throws: MediaCatalog.LookupError.notFound) { try cache.files(of: "late") }  // remembered
        usleep(600_000)
        #expect(cache.remembered("late") == nil)
        #expect(try cache.files(of: "late").files.count == 1)
        #expect(cache.remembered("late").map { if case .success = $0 { true } else { false } } == true)
    }
}
