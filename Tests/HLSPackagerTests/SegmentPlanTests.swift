import Foundation
import Testing
@testable import HLSPackager

@Suite struct SegmentPlanTests {
    func plan(_ keyframes: [Double], end: Double, target: Double = 6) -> [Double] {
        SegmentPlan.plan(candidates: keyframes.map { Int64($0 * 1000) }, timescale: 1000, end: Int64(end * 1000), target: target)
            .starts.map { Double($0) / 1000 }
    }

    @Test func keyframesEveryTwoSecondsGiveSixSecondSegments() {
        #expect(plan(stride(from: 0, to: 60, by: 2).map { $0 }, end: 60) == stride(from: 0, to: 60, by: 6).map { $0 })
    }

    @Test func boundariesAreTheKeyframesNearestTheGrid() {
        // Keyframes every 5 s, target 6: 0, 5 (nearer 6 than 10), then 10 (nearest 12 after 5 + 3)…
        #expect(plan(stride(from: 0, to: 30, by: 5).map { $0 }, end: 30) == [0, 5, 10, 15, 20, 25])
        // Irregular keyframes: never a segment under half the target.
        let starts = plan([0, 0.5, 1, 5.9, 6.4, 7, 12.2, 13, 17.9, 19], end: 20)
        #expect(starts == [0, 5.9, 12.2, 17.9])
        #expect(zip(starts.dropFirst(), starts).allSatisfy { $0 - $1 >= 3 })
    }

    @Test func noSliverAtTheEnd() {
        // A keyframe 0.5 s before the end would leave a 0.5 s segment: it joins the one before.
        #expect(plan([0, 6, 12, 17.5], end: 18) == [0, 6, 12])
        // Audio 21 ms longer than the video: the last segment just grows.
        #expect(plan([0, 6, 12], end: 18.021) == [0, 6, 12])
    }

    @Test func deterministicAndSharedByAlignedRenditions() throws {
        let a = try MediaSet.load(path: fixture("h264_bframes_aac.mp4"), name: "a", targetDuration: 1)
        let b = try MediaSet.load(path: fixture("h264_bframes_aac.mp4"), name: "a", targetDuration: 1)
        #expect(a.videos[0].plan == b.videos[0].plan)
        #expect(a.videos[0].plan.fits(a.videos[0].track))
        // Audio is cut at the video's boundaries.
        let video = a.videos[0].plan, audio = try #require(a.audio).plan
        #expect(video.count == audio.count)
        for n in 0..<video.count { #expect(abs(video.duration(n) - audio.duration(n)) < 0.025 || n == video.count - 1) }
    }

    @Test func rescaling() {
        let p = SegmentPlan(timescale: 30000, starts: [0, 180180], end: 360360)
        #expect(p.rescaled(to: 90000).starts == [0, 540540])
        #expect(p.rescaled(to: 1000).starts == [0, 6006])
    }
}
