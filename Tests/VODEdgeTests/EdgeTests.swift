import Foundation
import TestSupport
import Testing
@testable import VODEdge
@testable import VODKit
@testable import VODOrigin


/// An origin handler that counts requests by path and can answer slowly.
final class CountingOrigin: HTTPHandler, @unchecked Sendable {
    let inner: OriginRouter
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    var delay = 0.0
    init(_ inner: OriginRouter) { self.inner = inner }
    func count(_ path: String) -> Int { lock.withLock { counts[path] ?? 0 } }
    func reply(to request: HTTPRequest) -> HTTPReply {
        lock.withLock { counts[String(request.head.path), default: 0] += 1 }
        let delay = lock.withLock { self.delay }
        guard delay > 0 else { return inner.reply(to: request) }
        switch inner.reply(to: request) {
        case .response(let r): return .deferred { Thread.sleep(forTimeInterval: delay); return r }
        case .deferred(let work): return .deferred { Thread.sleep(forTimeInterval: delay); return work() }
        case .later(let start): return .later(start)
        }
    }
}

/// A 12-second H.264 + AAC clip with a keyframe a second (12 one-second segments), made once per run.
let twelveSeconds: String = {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("edge-test-12s-\(getpid()).mp4").path
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=12", "-f", "lavfi", "-i",
                   "sine=frequency=440:duration=12", "-c:v", "libx264", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-b:v", "200k",
                   "-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart", path]
    try? p.run()
    p.waitUntilExit()
    return path
}()

/// Two origins holding the same videos and an edge in front of them, all in process.
final class EdgeFixture: @unchecked Sendable {
    let dir: URL
    var origins: [(server: HTTPServer?, handler: CountingOrigin)] = []
    var edge: HTTPServer!
    var router: EdgeRouter!
    var config = EdgeConfig()

    init(maxBytes: Int64 = 64 << 20, cacheDir: String? = nil) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("edge-\(UUID().uuidString)")
        for i in 0..<2 {
            let media = dir.appendingPathComponent("origin-\(i)")
            try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: twelveSeconds, toPath: media.appendingPathComponent("demo.mp4").path)
            let handler = CountingOrigin(OriginRouter(catalog: try MediaCatalog(root: media.path), cache: MediaSetCache(capacity: 4, targetDuration: 1)))
            var c = HTTPServer.Config()
            c.port = 0
            c.loops = 1
            let server = try HTTPServer(config: c, handler: handler)
            server.start()
            origins.append((server, handler))
        }
        config.origins = origins.map { "http://127.0.0.1:\($0.server!.port)" }
        config.cacheDir = cacheDir ?? dir.appendingPathComponent("cache").path
        config.maxCacheMB = 1
        config.token = "purge-token"
        config.originTimeoutSeconds = 2
        try startEdge(maxBytes: maxBytes)
    }

    /// (Re)starts the edge over the same cache directory.
    func startEdge(maxBytes: Int64? = nil) throws {
        edge?.stop()
        let store = CacheStore(dir: config.cacheDir, maxBytes: maxBytes ?? router.store.maxBytes, maxObjects: 1000,
                               memoryBytes: Int64(config.memoryCacheMB) << 20, log: { _ in })
        Thread { store.rebuildIndex() }.start()
        let set = OriginSet(try config.upstreams(), pool: HTTPClientPool(timeoutSeconds: 2, connectTimeoutMilliseconds: 500), downSeconds: 5)
        router = EdgeRouter(config: config, store: store, origins: set, metrics: Metrics(), log: { _ in })
        var c = HTTPServer.Config()
        c.port = 0
        c.loops = 2
        edge = try HTTPServer(config: c, handler: router)
        edge.start()
    }

    deinit {
        edge?.stop()
        origins.forEach { $0.server?.stop() }
        try? FileManager.default.removeItem(at: dir)
    }

    func get(_ target: String, _ headers: [(String, String)] = [], method: String = "GET") throws -> HTTPClientConnection.Response {
        try HTTPClientConnection(host: "127.0.0.1", port: edge.port).request(method, target, headers: headers)
    }

    func fromOrigin(_ target: String) throws -> [UInt8] {
        try HTTPClientConnection(host: "127.0.0.1", port: origins[0].server!.port).request("GET", target).body
    }

    /// The stored object for `key`, waiting briefly: a streamed miss is indexed just after its last byte is sent.
    func stored(_ key: String) -> CacheStore.Object? {
        for _ in 0..<100 {
            if let object = router.store.lookup(key) { return object }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return nil
    }

    /// The body the edge holds in memory for `key`, waiting briefly for the worker that reads it in.
    func inMemory(_ key: String) -> [UInt8]? {
        for _ in 0..<200 where router.store.lookup(key)?.body == nil { Thread.sleep(forTimeInterval: 0.005) }
        return router.store.lookup(key)?.body
    }

    /// The origins in the order the edge asks them for `video`.
    func ranked(_ video: String) -> [Int] {
        Placement.rank(config.origins, for: video).map { url in config.origins.firstIndex(of: url)! }
    }

    var requestsToOrigins: (String) -> Int { { path in self.origins.reduce(0) { $0 + $1.handler.count(path) } } }

    var diskBytes: Int64 {
        let files = FileManager.default.enumerator(atPath: config.cacheDir)?.allObjects as? [String] ?? []
        return files.reduce(0) { total, name in
            let attributes = try? FileManager.default.attributesOfItem(atPath: "\(config.cacheDir)/\(name)")
            guard attributes?[.type] as? FileAttributeType == .typeRegular else { return total }  // not the directories
            return total + ((attributes?[.size] as? Int64) ?? 0)
        }
    }
}

@Suite(.serialized) struct EdgeTests {
    @Test func missThenHitWithTheOriginsBytes() throws {
        let e = try EdgeFixture()
        for target in ["/hls/demo/master.m3u8", "/cmaf/demo/video/1.m4s", "/cmaf/demo/video/init.mp4", "/hls-ts/demo/video/1.ts"] {
            let expected = try e.fromOrigin(target)  // counted as one origin request too
            let miss = try e.get(target)
            #expect(miss.status == 200 && miss.headers["X-Cache"] == "MISS" && miss.body == expected, "\(target)")
            #expect(miss.headers["Cache-Status"] == "vod-edge; fwd=miss; stored" && miss.headers["Via"] == "1.1 vod-edge")
            _ = e.stored(target)  // indexed (else the next request joins the streamed miss)
            let hit = try e.get(target)
            #expect(hit.status == 200 && hit.headers["X-Cache"] == "HIT" && hit.body == expected && hit.headers["Age"] != nil, "\(target) \(hit.status) \(hit.headers) \(hit.body.count) vs \(expected.count)")
            #expect(hit.headers["ETag"] == miss.headers["ETag"] && hit.headers["Content-Type"] == miss.headers["Content-Type"])
            // Hit twice on disk, so read into memory: later hits are sent from there, the same bytes.
            #expect(try e.get(target).body == expected)
            #expect(e.inMemory(target) == expected, "\(target)")
            let fromMemory = try e.get(target)
            #expect(fromMemory.headers["X-Cache"] == "HIT" && fromMemory.body == expected && fromMemory.headers["ETag"] == miss.headers["ETag"])
        }
        #expect(e.requestsToOrigins("/cmaf/demo/video/1.m4s") == 2)  // the test's own and the edge's one
        // Ranges from a cached object, and a Range on a miss fetches the whole object once.
        let whole = try e.fromOrigin("/cmaf/demo/video/2.m4s")
        let part = try e.get("/cmaf/demo/video/2.m4s", [("Range", "bytes=100-199")])
        #expect(part.status == 206 && part.body == Array(whole[100...199]))
        _ = e.stored("/cmaf/demo/video/2.m4s")
        #expect(try e.get("/cmaf/demo/video/2.m4s").headers["X-Cache"] == "HIT")
        #expect(try e.get("/cmaf/demo/video/2.m4s").headers["X-Cache"] == "HIT")
        #expect(e.inMemory("/cmaf/demo/video/2.m4s") == whole)
        #expect(try e.get("/cmaf/demo/video/2.m4s", [("Range", "bytes=100-199")]).body == Array(whole[100...199]))
        let etag = try #require(try e.get("/cmaf/demo/video/1.m4s").headers["ETag"])
        #expect(try e.get("/cmaf/demo/video/1.m4s", [("If-None-Match", etag)]).status == 304)
        // A 404 is passed on (and remembered briefly).
        #expect(try e.get("/cmaf/demo/video/999.m4s").status == 404)
        #expect(try e.get("/cmaf/demo/video/999.m4s").headers["X-Cache"] == "HIT")
        #expect(try e.get("/hls/../etc/passwd").status == 400)
    }

    /// A player that takes gzip gets a playlist's gzip-coded variant, cached beside the identity
    /// bytes under a key of its own; segments (which do not vary) stay one object, whoever asks.
    @Test func gzipVariantsOfPlaylistsAreCachedBesideTheIdentityBytes() throws {
        let e = try EdgeFixture()
        let gzip = [("Accept-Encoding", "gzip, deflate, br")]
        let target = "/dash/demo/manifest.mpd"
        let identity = try e.fromOrigin(target)
        #expect(identity.count >= Gzip.minimumBytes)
        let codedMiss = try e.get(target, gzip)
        #expect(codedMiss.headers["X-Cache"] == "MISS" && codedMiss.headers["Content-Encoding"] == "gzip" && codedMiss.headers["Vary"] == "Accept-Encoding")
        _ = e.stored(CodingVariant.key(target))
        let codedHit = try e.get(target, gzip)
        #expect(codedHit.headers["X-Cache"] == "HIT" && codedHit.body == codedMiss.body && codedHit.headers["ETag"] == codedMiss.headers["ETag"])
        let file = e.dir.appendingPathComponent("mpd.gz")
        try Data(codedHit.body).write(to: file)
        let decoded = try runProgram(["gzip", "-dc", file.path])
        #expect(decoded.status == 0 && [UInt8](decoded.output) == identity)
        // A client without gzip: the identity bytes, fetched once and cached under the URL.
        let plainMiss = try e.get(target)
        #expect(plainMiss.headers["X-Cache"] == "MISS" && plainMiss.headers["Content-Encoding"] == nil && plainMiss.body == identity)
        _ = e.stored(target)
        #expect(try e.get(target).headers["X-Cache"] == "HIT" && (try e.get(target, gzip)).headers["Content-Encoding"] == "gzip")
        #expect(try e.get(target, [("If-None-Match", try #require(codedHit.headers["ETag"]))] + gzip).status == 304)
        // A segment asked first with gzip is stored under its URL: the next client, any, hits it.
        let segment = "/cmaf/demo/video/3.m4s"
        #expect(try e.get(segment, gzip).headers["X-Cache"] == "MISS")
        _ = e.stored(segment)
        #expect(try e.get(segment).headers["X-Cache"] == "HIT" && (try e.get(segment, gzip)).headers["X-Cache"] == "HIT")
        #expect(e.router.store.lookup(CodingVariant.key(segment)) == nil && e.requestsToOrigins(segment) == 1)
        // A purge takes both variants.
        #expect(try e.get(target, [("Authorization", "Bearer purge-token")], method: "PURGE").status == 200)
        #expect(e.router.store.lookup(target) == nil && e.router.store.lookup(CodingVariant.key(target)) == nil)
    }

    @Test func concurrentMissesCauseOneOriginFetch() throws {
        let e = try EdgeFixture()
        e.origins.forEach { $0.handler.delay = 0.3 }
        let expected = try e.fromOrigin("/cmaf/demo/video/3.m4s")
        let before = e.requestsToOrigins("/cmaf/demo/video/3.m4s")
        let bodies = Locked<[[UInt8]]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let body = (try? e.get("/cmaf/demo/video/3.m4s").body) ?? []
            bodies.mutate { $0.append(body) }
        }
        #expect(bodies.value.count == 8 && bodies.value.allSatisfy { $0 == expected })
        #expect(e.requestsToOrigins("/cmaf/demo/video/3.m4s") - before == 1)
    }

    @Test func aDeadOriginIsSkippedAndAllDeadServesWhatIsCached() throws {
        let e = try EdgeFixture()
        let first = e.ranked("demo")[0]
        let cached = try e.get("/cmaf/demo/video/1.m4s").body
        e.origins[first].server?.stop()
        e.origins[first].server = nil
        // The next replica serves what the first held, with no error for the player.
        for n in 2...4 {
            let r = try e.get("/cmaf/demo/video/\(n).m4s")
            #expect(r.status == 200, "\(n): \(r.status) \(String(decoding: r.body, as: UTF8.self))")
        }
        #expect(try e.get("/hls/demo/master.m3u8").status == 200)
        // All origins down: cached objects still served, others fail fast with 502.
        for i in e.origins.indices { e.origins[i].server?.stop(); e.origins[i].server = nil }
        let hit = try e.get("/cmaf/demo/video/1.m4s")
        #expect(hit.status == 200 && hit.body == cached)
        let start = Date()
        #expect(try e.get("/cmaf/demo/video/5.m4s").status == 502)
        #expect(Date().timeIntervalSince(start) < 2)
    }

    @Test func expiredObjectsAreServedStaleWhenOriginsFail() throws {
        let e = try EdgeFixture()
        // Playlists are fresh for 300 s; make the stored copy old.
        #expect(try e.get("/hls/demo/master.m3u8").headers["X-Cache"] == "MISS")
        let object = try #require(e.stored("/hls/demo/master.m3u8"))
        var aged = object
        aged.stored -= 1000
        try rewriteHeader(aged)
        try e.startEdge()
        // Expired with origins up: revalidated (304) and fresh again.
        #expect(try e.get("/hls/demo/master.m3u8").headers["Cache-Status"] == "vod-edge; fwd=stale; fwd-status=304")
        try rewriteHeader(aged)
        try e.startEdge()
        for i in e.origins.indices { e.origins[i].server?.stop(); e.origins[i].server = nil }
        let stale = try e.get("/hls/demo/master.m3u8")
        #expect(stale.status == 200 && stale.headers["X-Cache"] == "STALE")
    }

    func rewriteHeader(_ object: CacheStore.Object) throws {
        let header = CacheStore.Header(key: object.key, status: object.status, headers: object.headers, length: object.length,
                                       sha256: object.sha256, stored: object.stored, freshFor: object.freshFor)
        var head = Data(CacheStore.magic.utf8) + (try JSONEncoder().encode(header)) + Data("\n".utf8)
        head += Data(repeating: 0x20, count: CacheStore.headerSize - head.count)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: object.path))
        try handle.write(contentsOf: head)
        try handle.close()
    }

    @Test func aWarmRestartHitsAndDamagedFilesAreRefetched() throws {
        let e = try EdgeFixture()
        let expected = try e.get("/cmaf/demo/video/1.m4s").body
        _ = try e.get("/cmaf/demo/video/2.m4s")
        _ = try e.get("/cmaf/demo/video/3.m4s")
        let flipped = try #require(e.stored("/cmaf/demo/video/2.m4s"))
        let truncated = try #require(e.stored("/cmaf/demo/video/3.m4s"))
        try e.startEdge()
        let first = try e.get("/cmaf/demo/video/1.m4s")
        #expect(first.headers["X-Cache"] == "HIT" && first.body == expected)
        // A flipped byte in the body fails the checksum; a short file fails the length: both refetched.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: flipped.path))
        try handle.seek(toOffset: UInt64(CacheStore.headerSize + 50))
        try handle.write(contentsOf: Data([0xFF, 0xFE, 0xFD]))
        try handle.close()
        _ = truncate(truncated.path, off_t(CacheStore.headerSize + 10))
        try e.startEdge()
        let refetched = try e.get("/cmaf/demo/video/2.m4s"), two = try e.fromOrigin("/cmaf/demo/video/2.m4s")
        #expect(refetched.headers["X-Cache"] == "MISS" && refetched.body == two)
        let short = try e.get("/cmaf/demo/video/3.m4s"), three = try e.fromOrigin("/cmaf/demo/video/3.m4s")
        #expect(short.headers["X-Cache"] == "MISS" && short.body == three)
    }

    @Test func theBudgetHoldsAndHotObjectsSurviveAScan() throws {
        let e = try EdgeFixture(maxBytes: 200_000)
        _ = try e.get("/cmaf/demo/video/1.m4s")
        _ = e.stored("/cmaf/demo/video/1.m4s")  // indexed (a streamed miss is, just after its last byte)
        _ = try e.get("/cmaf/demo/video/1.m4s")  // used twice: hot
        for n in 2...10 {
            _ = try e.get("/cmaf/demo/audio/\(n).m4s")
            _ = try e.get("/cmaf/demo/video/\(n).m4s")
            #expect(e.diskBytes <= 200_000, "after segment \(n): \(e.diskBytes) bytes on disk")
        }
        #expect(e.router.store.evictions > 0)
        #expect(try e.get("/cmaf/demo/video/1.m4s").headers["X-Cache"] == "HIT")
    }

    /// A body over maxObjectBytes (an eighth of the budget by default) is streamed through
    /// whole and not cached: it once evicted everything and was stored over the budget.
    @Test func anObjectLargerThanTheLimitStreamsThroughUncached() throws {
        let e = try EdgeFixture(maxBytes: 400_000)
        let whole = try e.fromOrigin("/mp4/demo/demo.mp4")
        #expect(Int64(whole.count) > e.router.store.maxObjectBytes)
        _ = try e.get("/hls/demo/master.m3u8")
        #expect(e.stored("/hls/demo/master.m3u8") != nil)
        for _ in 0..<2 {
            let r = try e.get("/mp4/demo/demo.mp4")
            #expect(r.status == 200 && r.body == whole && r.headers["X-Cache"] == "MISS")
        }
        #expect(e.router.store.lookup("/mp4/demo/demo.mp4") == nil)
        #expect(e.diskBytes <= 400_000, "\(e.diskBytes) bytes on disk")
        #expect(try e.get("/hls/demo/master.m3u8").headers["X-Cache"] == "HIT")
        #expect(e.router.store.evictions == 0)
        // Nothing of the streamed body is left behind in tmp/.
        Thread.sleep(forTimeInterval: 0.2)
        #expect((try? FileManager.default.contentsOfDirectory(atPath: e.config.cacheDir + "/tmp"))?.isEmpty == true)
    }

    @Test func anUnwritableCacheStillProxies() throws {
        let blocker = FileManager.default.temporaryDirectory.appendingPathComponent("edge-blocker-\(UUID().uuidString)")
        try Data("not a directory".utf8).write(to: blocker)
        defer { try? FileManager.default.removeItem(at: blocker) }
        let e = try EdgeFixture(cacheDir: blocker.appendingPathComponent("cache").path)
        let r = try e.get("/cmaf/demo/video/1.m4s"), expected = try e.fromOrigin("/cmaf/demo/video/1.m4s")
        #expect(r.status == 200 && r.body == expected && r.headers["X-Cache"] == "MISS")
        #expect(!e.router.store.writable)
    }

    /// `?download=1` (the page's download links) answers with `Content-Disposition: attachment`,
    /// from the origin and from the edge, and the cached object never keeps it.
    @Test func downloadLinksAreAttachments() throws {
        let e = try EdgeFixture(maxBytes: 64 << 20)
        let direct = try HTTPClientConnection(host: "127.0.0.1", port: e.origins[0].server!.port).request("GET", "/mp4/demo/demo.mp4?download=1")
        #expect(direct.headers["Content-Disposition"] == "attachment; filename=\"demo.mp4\"")
        let first = try e.get("/mp4/demo/demo.mp4?download=1")
        #expect(first.status == 200 && first.headers["Content-Disposition"] == "attachment; filename=\"demo.mp4\"")
        let plain = try e.get("/mp4/demo/demo.mp4")
        #expect(plain.status == 200 && plain.headers["Content-Disposition"] == nil && plain.body == first.body)
        #expect(try e.get("/mp4/demo/demo.mp4?download=1").headers["Content-Disposition"] == "attachment; filename=\"demo.mp4\"")
    }

    @Test func purgeNeedsTheToken() throws {
        let e = try EdgeFixture()
        _ = try e.get("/cmaf/demo/video/1.m4s")
        _ = try e.get("/cmaf/demo/video/2.m4s")
        #expect(try e.get("/cmaf/demo/video/1.m4s", method: "PURGE").status == 401)
        #expect(try e.get("/cmaf/demo/video/1.m4s", [("Authorization", "Bearer purge-token")], method: "PURGE").status == 200)
        #expect(try e.get("/cmaf/demo/video/1.m4s").headers["X-Cache"] == "MISS")
        #expect(try e.get("/cache/videos/demo", [("Authorization", "Bearer purge-token")], method: "DELETE").status == 200)
        #expect(try e.get("/cmaf/demo/video/2.m4s").headers["X-Cache"] == "MISS")
    }

    @Test func configFileAndFlags() throws {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/edge.json").path
        let c = try EdgeConfig.from(arguments: ["--config", shipped, "--origins", "http://10.0.0.1:81,http://10.0.0.2:81", "--cache-dir", "/tmp/c"])
        #expect(c.origins == ["http://10.0.0.1:81", "http://10.0.0.2:81"] && c.cacheDir == "/tmp/c" && c.listen == "127.0.0.1:8080")
        #expect(throws: CommandLineConfig.UsageError.self) { try EdgeConfig.from(arguments: ["--origins", "nonsense"]) }
    }

    @Test func thePageTheCatalogAndStaticFiles() throws {
        let e = try EdgeFixture()
        let staticDir = e.dir.appendingPathComponent("static/videojs")
        try FileManager.default.createDirectory(at: staticDir, withIntermediateDirectories: true)
        try Data("window.videojs = 1;".utf8).write(to: staticDir.appendingPathComponent("video.min.js"))
        e.config.staticDir = e.dir.appendingPathComponent("static").path
        e.config.jobsURL = "http://127.0.0.1:9/api/jobs"
        try e.startEdge()
        let page = try e.get("/")
        #expect(page.status == 200 && page.headers["Content-Type"] == "text/html; charset=utf-8")
        let html = String(decoding: page.body, as: UTF8.self)
        #expect(html.contains("Transcoder jobs") && html.contains("http://127.0.0.1:9/api/jobs") && html.contains("/static/videojs/video.min.js"))
        let catalog = try JSONSerialization.jsonObject(with: Data(try e.get("/api/catalog").body)) as? [[String: Any]]
        let demo = try #require(catalog?.first { $0["id"] as? String == "demo" })
        #expect((demo["replicas"] as? [String])?.count == 2 && (demo["duration"] as? Double ?? 0) > 11)
        #expect((demo["renditions"] as? [String]) == ["160×120", "audio"])
        let script = try e.get("/static/videojs/video.min.js")
        #expect(script.status == 200 && script.headers["Content-Type"] == "application/javascript" && script.body == Array("window.videojs = 1;".utf8))
        #expect(try e.get("/static/../EdgeTests.swift").status == 404)
        #expect(try e.get("/static/videojs/missing.js").status == 404)
    }

    @Test func placementIsStableAndSpreads() {
        let origins = ["http://a:1", "http://b:1", "http://c:1"]
        #expect(Placement.rank(origins, for: "movie") == Placement.rank(origins.reversed(), for: "movie"))
        var firsts: [String: Int] = [:]
        for i in 0..<300 { firsts[Placement.rank(origins, for: "video-\(i)")[0], default: 0] += 1 }
        #expect(firsts.count == 3 && firsts.values.allSatisfy { $0 > 60 })
        // Adding an origin moves only the videos that now rank it first.
        let more = origins + ["http://d:1"]
        for i in 0..<300 {
            let before = Placement.rank(origins, for: "video-\(i)")[0], after = Placement.rank(more, for: "video-\(i)")[0]
            #expect(after == before || after == "http://d:1")
        }
    }
}
