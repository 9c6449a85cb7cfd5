import Foundation
import MP4Box
import Testing
@testable import HLSPackager

/// A track laid out as one run of stored samples (times worked out from the index) must
/// equal the same track listed sample by sample: every fixture and shared file, every track.
@Suite struct SampleMapTests {
    static var files: [String] {
        let fixtures = (try? FileManager.default.contentsOfDirectory(atPath: fixture(""))) ?? []
        let shared = (try? FileManager.default.contentsOfDirectory(atPath: sharedMedia(""))) ?? []
        return fixtures.filter { name in [".mp4", ".m4a", ".mov"].contains { name.hasSuffix($0) } }.map(fixture)
            + shared.filter { name in [".mp4", ".3gp"].contains { name.hasSuffix($0) } }.map(sharedMedia)
    }

    @Test func runsEqualListedSamples() throws {
        var runs = 0, compared = 0
        for file in Self.files {
            guard let movie = try? Movie.read(path: file) else { continue }
            for t in movie.tracks where t.mediaType == .video || t.mediaType == .audio {
                let kind: PackagedTrack.Kind = t.mediaType == .video ? .video : .audio
                func layOut(_ allowRuns: Bool) -> PackagedTrack? {
                    try? PackagedTrack(name: "t", kind: kind, track: t, movieTimescale: movie.timescale, sourcePath: file, runs: allowRuns)
                }
                let run = layOut(true), listed = layOut(false)
                #expect((run == nil) == (listed == nil), "\(file) track \(t.id)")
                guard let run, let listed else { continue }
                if case .run = run.map { runs += 1 }
                compared += 1
                #expect(run.count == listed.count && run.endTime == listed.endTime && run.delay == listed.delay
                        && run.hiddenLeadingFrames == listed.hiddenLeadingFrames, "\(file) track \(t.id)")
                guard run.count == listed.count else { continue }
                let same = (0..<run.count).allSatisfy {
                    run.sourceIndex($0) == listed.sourceIndex($0) && run.decodeTime($0) == listed.decodeTime($0)
                        && run.compositionOffset($0) == listed.compositionOffset($0) && run.duration($0) == listed.duration($0)
                }
                #expect(same, "\(file) track \(t.id): samples differ")
                // Segment boundaries found through the index's columns (runs) equal those found sample by sample.
                let plan = kind == .video ? SegmentPlan.forVideo(run, target: 2) : SegmentPlan.forAudio(run, target: 2)
                #expect(plan == (kind == .video ? SegmentPlan.forVideo(listed, target: 2) : SegmentPlan.forAudio(listed, target: 2)), "\(file) track \(t.id)")
                #expect(SegmentedTrack(track: run, plan: plan).firstSamples == SegmentedTrack(track: listed, plan: plan).firstSamples, "\(file) track \(t.id)")
                let delayedRun = run.delayed(by: 1234), delayedListed = listed.delayed(by: 1234)
                #expect(delayedRun.decodeTime(run.count - 1) == delayedListed.decodeTime(run.count - 1) && delayedRun.endTime == delayedListed.endTime)
            }
        }
        // Most real tracks are one run (edit lists with one edit, audio priming cut off).
        #expect(compared >= 30 && runs * 10 >= compared * 7, "\(runs) runs of \(compared) tracks")
    }
}
