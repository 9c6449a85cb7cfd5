import Foundation
import Testing
@testable import VODOrigin

/// The start-up rehearsal answers every request for its built-in video with a 200, reads the
/// video back from an index file when the origin keeps them, and leaves no directory behind.
@Suite(.serialized) struct StartupRehearsalTests {
    static func leftovers() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())) ?? []).filter { $0.hasPrefix("vod-origin-rehearsal.") }
    }

    @Test(arguments: [false, true]) func answersEveryRequestAndCleansUp(indexFiles: Bool) {
        let before = Self.leftovers()
        let report = StartupRehearsal.run(targetDuration: 6, indexFiles: indexFiles)
        #expect(report.problems == [])
        #expect(report.requests == StartupRehearsal.targets.count * (indexFiles ? 2 : 1))
        #expect(report.description.hasPrefix("rehearsed \(report.requests) requests"))
        #expect(Set(Self.leftovers()).isSubset(of: Set(before)))
    }

    @Test func reportsWhatWentWrong() {
        let report = StartupRehearsal.Report(requests: 11, milliseconds: 4.3, problems: ["/hls/r/master.m3u8 answered 500"])
        #expect(report.description == "rehearsal in 4.3 ms went wrong (serving as usual): /hls/r/master.m3u8 answered 500")
    }
}
