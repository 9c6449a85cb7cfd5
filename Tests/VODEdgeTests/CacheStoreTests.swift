import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import VODEdge

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
}
