import Foundation
import Testing
@testable import MP4Box
import TestSupport

/// Every file in Tests/Corrupt once crashed the fuzz target (fuzz/run.sh).
/// Each must now go through the same code paths without a crash.
@Suite struct CorruptRegressionTests {
    static var files: [String] {
        let dir = Media.repoRoot.appendingPathComponent("Tests/Corrupt")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        // Files only: index files that crashed their target are in index/ (HostileInputTests).
        return names.filter { !$0.hasPrefix(".") }.sorted().map { dir.appendingPathComponent($0).path }.filter { !isDirectory($0) }
    }

    @Test(arguments: files)
    func formerCrasherNoLongerCrashes(path: String) throws {
        ParserExercise.run(try bytes(of: path))
    }

    @Test func trackIDAtTheTopOfTheRange() throws {
        let movie = try #require(ParserExercise.run(try bytes(of: Media.repoRoot.appendingPathComponent("Tests/Corrupt/track-id-ffffffff.mp4").path)))
        #expect(movie.tracks.contains { $0.id == .max })
        let initSegment = try Movie.read(from: MemoryByteSource(InitSegmentWriter.write(tracks: movie.tracks.map { .init(track: $0) })))
        #expect(initSegment.header.nextTrackID == .max)
    }

    @Test func longAudioSpecificConfigIsWrittenWithLongLengths() throws {
        let box = ESDescriptorBox(objectTypeIndication: 0x40, decoderSpecificInfo: Array(repeating: 0x11, count: 300))
        #expect(try ESDescriptorBox.decode(box.encoded()) == box)
    }
}
