import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import VODEdge
import VODKit

@Suite struct CacheStoreTests {
    func makeStore(_ dir: String, objects: Int) -> CacheStore {
        let store = CacheStore(dir: dir, maxBytes: 1 << 30, maxObjects: objects, log: { _ in })
        store.rebuildIndex()
        return store
    }

    @Test func recencySurvivesARestart() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = makeStore(dir, objects: 3)
        var paths: [String: String] = [:]
        for key in ["/a", "/b", "/c"] {
            paths[key] = try #require(first.store(key: key, status: 200, headers: [], body: Array(key.utf8), freshFor: 60)).path
        }
        // As if /a was used 10 s ago, /c 200 s ago and /b 300 s ago (mtimes are how use is remembered).
        let now = Int(Date().timeIntervalSince1970)
        for (key, age) in [("/a", 10), ("/b", 300), ("/c", 200)] {
            var times = [timespec(tv_sec: now - age, tv_nsec: 0), timespec(tv_sec: now - age, tv_nsec: 0)]
            utimensat(AT_FDCWD, paths[key]!, &times, 0)
        }
        let second = makeStore(dir, objects: 3)
        #expect(second.usage.objects == 3)
        _ = second.store(key: "/d", status: 200, headers: [], body: [1], freshFor: 60)
        #expect(second.lookup("/b") == nil)
        #expect(second.lookup("/a") != nil && second.lookup("/c") != nil && second.lookup("/d") != nil)
    }

    @Test func leftoversAndBrokenFilesAreRemovedAtStartUp() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = makeStore(dir, objects: 10)
        let kept = try #require(first.store(key: "/kept", status: 200, headers: [["ETag", "\"1\""]], body: [1, 2, 3], freshFor: 60))
        try Data("half an object".utf8).write(to: URL(fileURLWithPath: "\(dir)/tmp/123.tmp"))
        try FileManager.default.createDirectory(atPath: "\(dir)/ab", withIntermediateDirectories: true)
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: "\(dir)/ab/abcdef"))
        let second = makeStore(dir, objects: 10)
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/tmp/123.tmp"))
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/ab/abcdef"))
        let found = try #require(second.lookup("/kept"))
        #expect(found.path == kept.path && found.headers == [["ETag", "\"1\""]] && second.verify(found))
    }

    /// The eviction order: used-once objects oldest first, then used-again ones oldest first;
    /// every step O(1) (no sort of the whole index under the lock).
    /// `fits` answers as encoding the header with its checksum would: at once for usual
    /// headers, by encoding near the limit (escapes, control characters, just over and under).
    @Test func headerFitIsDecidedAsTheEncodedBlockWould() {
        func header(_ value: String, count: Int) -> CacheStore.Header {
            CacheStore.Header(key: "/hls/v/master.m3u8", status: 200, headers: (0..<count).map { ["X-Field-\($0)", value] },
                              length: 1 << 40, sha256: "", stored: 1_765_000_000.123456, freshFor: 300)
        }
        var answers: [Bool] = []
        for value in ["plain", String(repeating: "a", count: 700), String(repeating: "\"", count: 300), String(repeating: "\u{1}", count: 150), "ü/€"] {
            for count in [1, 2, 3, 4, 5, 6, 8, 12, 16, 24, 32, 48, 64, 100, 150] {
                var withChecksum = header(value, count: count)
                withChecksum.sha256 = String(repeating: "f", count: 64)
                let fits = CacheStore.fits(header(value, count: count))
                #expect(fits == (CacheStore.headerBlock(withChecksum) != nil), "\(count) × \(value.prefix(3))")
                answers.append(fits)
            }
        }
        #expect(answers.contains(true) && answers.contains(false))
        // One that fits only without its checksum is refused up front, not at commit (which
        // would count as a local write failure and pause caching).
        var size = 1
        while CacheStore.headerBlock(header(String(repeating: "a", count: size), count: 1)) != nil { size += 1 }
        #expect(!CacheStore.fits(header(String(repeating: "a", count: size - 30), count: 1)))
    }

    @Test func twoQueueOrder() {
        var q = RecencyQueues()
        for key in ["a", "b", "c", "d"] { q.insert(key) }
        #expect(q.victim() == "a")
        q.touch("a")             // used again: now behind every used-once object
        #expect(q.victim() == "b")
        q.touch("c")
        q.remove("b")
        #expect(q.victim() == "d" && q.victim(except: "d") == "a")
        q.remove("d")
        #expect(q.victim() == "a")  // only used-again objects left: the least recent first
        q.touch("a")
        #expect(q.victim() == "c" && q.count == 2)
        q.insert("e")
        #expect(q.victim() == "e" && q.isReused("a") && !q.isReused("e"))
        q.remove("a"); q.remove("c"); q.remove("e")
        #expect(q.victim() == nil && q.count == 0)
    }

    /// A scan of objects used once does not push out objects used twice, and a hit moves an
    /// object at most once per interval; recency reaches the files' mtimes from the timer.
    @Test func hitsMoveObjectsAndReachTheMtimes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = makeStore(dir, objects: 4)
        for key in ["/hot", "/warm"] { _ = store.store(key: key, status: 200, headers: [], body: [1], freshFor: 60) }
        let hot = try #require(store.lookup("/hot"))
        for n in 0..<10 { _ = store.store(key: "/scan\(n)", status: 200, headers: [], body: [2], freshFor: 60) }
        #expect(store.lookup("/hot") != nil && store.lookup("/warm") == nil && store.usage.objects == 4)
        // The file's mtime follows the last use once the recency is flushed.
        var old = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
        utimensat(AT_FDCWD, hot.path, &old, 0)
        store.flushRecency()
        var st = stat()
        stat(hot.path, &st)
        #expect(Double(st.st_mtim.tv_sec) > Date().timeIntervalSince1970 - 60)
    }

    /// Admission on a second request: a key is known once seen, until `capacity` newer keys pushed it out.
    @Test func recentKeysForgetTheOldest() {
        var recent = RecentKeys(capacity: 3)
        let keys = ["a", "a", "b", "c", "a", "b", "d", "a", "c"]   // "d" pushes "a" out, then "a" pushes "b" out
        let seen = keys.map { recent.seenBefore($0) }
        #expect(seen == [false, true, false, false, true, true, false, false, true])
    }

    /// The memory tier: a body hit twice on disk is read in and then comes with every lookup;
    /// a replaced or removed object never answers from an older body; the tier stays within
    /// its budget, oldest first; a file cut short is not read in.
    @Test func memoryTierHoldsHotBodiesWithinItsBudget() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = CacheStore(dir: dir, maxBytes: 1 << 30, maxObjects: 100, memoryBytes: 2500, memoryObjectBytes: 1500, log: { _ in })
        store.rebuildIndex()
        let pool = WorkerPool(threads: 1)
        defer { pool.stop() }
        func readIn(_ key: String) throws -> [UInt8]? {
            for _ in 0..<2 { store.readIntoMemory(try #require(store.lookup(key)), on: pool) }
            for _ in 0..<200 where store.lookup(key)?.body == nil { Thread.sleep(forTimeInterval: 0.005) }
            return store.lookup(key)?.body
        }
        let bodies = (0..<4).map { n in (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ n) } }
        for (n, body) in bodies.enumerated() { _ = store.store(key: "/\(n)", status: 200, headers: [], body: body, freshFor: 60) }
        _ = store.store(key: "/big", status: 200, headers: [], body: [UInt8](repeating: 1, count: 2000), freshFor: 60)
        store.readIntoMemory(try #require(store.lookup("/0")), on: pool)
        Thread.sleep(forTimeInterval: 0.05)
        #expect(store.lookup("/0")?.body == nil)            // one hit on disk: not yet
        #expect(try readIn("/0") == bodies[0])
        #expect(try readIn("/1") == bodies[1])
        #expect(store.memoryUsage == (2, 2000))
        #expect(try readIn("/big") == nil)                  // over memoryObjectBytes: disk only
        #expect(try readIn("/2") == bodies[2])              // over the budget: the oldest body goes
        #expect(store.memoryUsage == (2, 2000) && store.lookup("/0")?.body == nil && store.lookup("/0") != nil)
        // Replaced: the new version is not answered from the old body, nor is a removed one.
        _ = store.store(key: "/1", status: 200, headers: [], body: bodies[3], freshFor: 60)
        #expect(store.lookup("/1")?.body == nil && store.memoryUsage.objects == 1)
        #expect(try readIn("/1") == bodies[3])
        store.remove("/2")
        #expect(store.lookup("/2") == nil && store.memoryUsage == (1, 1000))
        // A file cut short on disk is not read into memory.
        #expect(truncate(try #require(store.lookup("/3")).path, off_t(CacheStore.headerSize + 10)) == 0)
        #expect(try readIn("/3") == nil && store.memoryUsage == (1, 1000))
    }
}
