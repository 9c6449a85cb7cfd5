import Foundation
import Testing
@testable import HLSPackager
@testable import MP4Box
import TestSupport

/// Files whose values are legal to parse but absurd to package: the packager must
/// answer with a typed error or odd numbers, never trap (a trap would take the
/// origin down with every video it serves). Each is a fixture patched in memory.
@Suite struct HostileInputTests {
    /// Offsets of the boxes of `type` under moov/moof containers, with the track id of
    /// their `traf` (from its `tfhd`) or `trak` (in order, from 1).
    func boxes(_ type: String, in bytes: [UInt8]) -> [(offset: Int, track: UInt32)] {
        var found: [(Int, UInt32)] = []
        var trakCount: UInt32 = 0
        func u32(_ o: Int) -> UInt32 { bytes[o..<o + 4].reduce(0) { $0 << 8 | UInt32($1) } }
        func walk(_ start: Int, _ end: Int, track: UInt32) {
            var o = start
            var track = track
            while o + 8 <= end {
                let size = Int(u32(o)), kind = String(decoding: bytes[o + 4..<o + 8], as: UTF8.self)
                guard size >= 8, o + size <= end else { return }
                if kind == "tfhd" { track = u32(o + 12) }
                if kind == "trak" { trakCount += 1; track = trakCount }
                if kind == type { found.append((o, track)) }
                if ["moov", "trak", "mdia", "moof", "traf"].contains(kind) { walk(o + 8, o + size, track: track) }
                o += size
            }
        }
        walk(0, bytes.count, track: 0)
        return found
    }

    func put64(_ bytes: inout [UInt8], _ at: Int, _ value: UInt64) { for k in 0..<8 { bytes[at + k] = UInt8(value >> (56 - 8 * k) & 0xFF) } }
    func put32(_ bytes: inout [UInt8], _ at: Int, _ value: UInt32) { for k in 0..<4 { bytes[at + k] = UInt8(value >> (24 - 8 * k) & 0xFF) } }
    func get64(_ bytes: [UInt8], _ at: Int) -> UInt64 { bytes[at..<at + 8].reduce(0) { $0 << 8 | UInt64($1) } }

    /// Adds `delta` to every version-1 tfdt of `track`.
    func shiftDecodeTimes(_ bytes: inout [UInt8], track: UInt32, by delta: UInt64) {
        for (o, t) in boxes("tfdt", in: bytes) where t == track && bytes[o + 8] == 1 {
            put64(&bytes, o + 12, get64(bytes, o + 12) &+ delta)
        }
    }

    /// Packages `bytes` as a file through every path; returns the load error, if any.
    @discardableResult
    func package(_ bytes: [UInt8], _ name: String) throws -> PackagerError? {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(name)-\(UUID().uuidString).mp4").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        PackagerExercise.run(path: path, bytes: bytes)
        do { _ = try MediaSet.load(path: path, name: "v"); return nil } catch { return error }
    }

    /// The video track is refused (its reason listed); the audio is still served.
    @Test func decodeTimesNearTwoToThe63AreRefused() throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixture("fragmented.mp4"))))
        shiftDecodeTimes(&bytes, track: 1, by: UInt64(Int64.max) - 1_000_000)
        #expect(try package(bytes, "tfdt") == nil)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-tfdt-\(UUID().uuidString).mp4").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let set = try MediaSet.load(path: path, name: "v")
        #expect(set.videos.isEmpty && set.audio != nil)
        #expect(set.skipped.first?.id == 1 && set.skipped.first?.reason.contains("2^60") == true, "\(set.skipped)")
    }

    /// A video timescale of 1 with times near 2^40 and an audio timescale of 2^31 − 1:
    /// cutting the audio at the video's boundaries multiplies past 64 bits.
    @Test func extremeTimescalesBetweenTracks() throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixture("fragmented.mp4"))))
        let mdhd = boxes("mdhd", in: bytes)
        #expect(mdhd.count == 2 && bytes[mdhd[0].offset + 8] == 0)
        put32(&bytes, mdhd[0].offset + 20, 1)
        put32(&bytes, mdhd[1].offset + 20, UInt32(Int32.max))
        shiftDecodeTimes(&bytes, track: 1, by: 1 << 40)
        let error = try package(bytes, "timescales")
        #expect(error == nil || { if case .brokenTrack = error! { return true }; return false }())
    }

    @Test func aHugeTargetDurationAndEmptyPlansDoNotTrap() throws {
        for target in [0, 1e-9, 1e30, .infinity, .nan] {
            let set = try MediaSet.load(path: fixture("h264_bframes_aac.mp4"), name: "v", targetDuration: target)
            _ = HLSPlaylist.multivariant(set); _ = DASHManifest.mpd(set)
            #expect(set.videos[0].segmentCount >= 1)
        }
    }

    /// Every index file that once crashed the index fuzz target (Tests/Corrupt/index/), and the
    /// fixtures' own index files, through the packager as the origin would take them.
    @Test func everyFormerIndexCrasherPackagesWithoutATrap() throws {
        let corrupt = repoRoot.appendingPathComponent("Tests/Corrupt/index")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: corrupt.path)) ?? []
        var inputs = try names.filter { !$0.hasPrefix(".") }.map { try [UInt8](Data(contentsOf: corrupt.appendingPathComponent($0))) }
        inputs += try ["h264_bframes_aac.mp4", "edit_hides_frames.mp4", "negative_cts.mp4"].compactMap { try MovieIndexFile.make(path: fixture($0), build: 1) }
        var packaged = 0
        for bytes in inputs { packaged += PackagerExercise.run(indexBytes: bytes, sourcePath: fixture("h264_bframes_aac.mp4")) }
        #expect(packaged > 0)
    }

    /// Every file that once crashed a fuzz target, and every fixture, through the packager.
    @Test func everyFormerCrasherAndFixturePackagesWithoutATrap() throws {
        let corrupt = repoRoot.appendingPathComponent("Tests/Corrupt")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: corrupt.path)) ?? []
        let files = names.filter { !$0.hasPrefix(".") }.map { corrupt.appendingPathComponent($0).path }.filter { !isDirectory($0) } + PackagingTests.files
        for path in files {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            PackagerExercise.run(path: path, bytes: bytes)
        }
    }
}
