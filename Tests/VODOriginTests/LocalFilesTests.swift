import Foundation
import Testing
@testable import VODOrigin

/// The catalog's plain reads: a missing, unreadable, oversized or non-regular file is nil;
/// a directory lists its names without `.` and `..`.
@Suite struct LocalFilesTests {
    @Test func readsRegularFilesWithinTheLimitOnly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("local-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bytes = Data((0..<5000).map { UInt8($0 % 251) })
        try bytes.write(to: dir.appendingPathComponent("a.json"))
        try Data().write(to: dir.appendingPathComponent("empty.json"))
        #expect(LocalFiles.contents(dir.appendingPathComponent("a.json").path, limit: 5000) == bytes)
        #expect(LocalFiles.contents(dir.appendingPathComponent("a.json").path, limit: 4999) == nil)
        #expect(LocalFiles.contents(dir.appendingPathComponent("empty.json").path, limit: 10) == Data())
        #expect(LocalFiles.contents(dir.appendingPathComponent("missing.json").path, limit: 10) == nil)
        #expect(LocalFiles.contents(dir.path, limit: 1 << 20) == nil)  // a directory
        #expect(LocalFiles.contents(dir.appendingPathComponent("a.json/x").path, limit: 10) == nil)  // not a directory
    }

    @Test func listsADirectoryOrSaysItCannot() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("local-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["en.vtt", "fr.forced.srt", "é.vtt"] { try Data("x".utf8).write(to: dir.appendingPathComponent(name)) }
        #expect(LocalFiles.names(inDirectory: dir.path)?.sorted() == ["en.vtt", "fr.forced.srt", "sub", "é.vtt"])
        #expect(LocalFiles.names(inDirectory: dir.appendingPathComponent("sub").path) == [])
        #expect(LocalFiles.names(inDirectory: dir.appendingPathComponent("none").path) == nil)
        #expect(LocalFiles.names(inDirectory: dir.appendingPathComponent("en.vtt").path) == nil)
    }
}
