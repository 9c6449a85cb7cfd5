import Foundation

/// `claimed/<job>/chunks/plan.json`: how a job's video is cut into chunk tasks that any
/// worker may take. Written once by the worker that analyses the job; every task is done
/// from it, so the ladder and the cuts are the same whoever does which chunk.
public struct ChunkPlan: Codable, Equatable, Sendable {
    public var rungs: [Rung]
    /// The video's chunks, on the output's keyframe grid, in order; the last one runs to the end.
    public var windows: [ChunkWindow]
    /// Whether there is an audio task (the whole audio track, encoded once).
    public var audio: Bool

    /// The task names: `audio` (if any), then `video-0`, `video-1`, … (done in this order of preference).
    public var tasks: [String] { (audio ? ["audio"] : []) + windows.indices.map { "video-\($0)" } }

    /// Chunks of `chunkSeconds` (rounded to whole GOPs) over `duration`; nil when that makes
    /// one chunk (a short source, or chunking off): the job is then encoded whole, as before.
    /// A last chunk shorter than half a chunk is folded into the one before it.
    public static func make(duration: Double, chunkSeconds: Double, gopSeconds: Double, rungs: [Rung], audio: Bool) -> ChunkPlan? {
        guard chunkSeconds > 0, gopSeconds > 0, !rungs.isEmpty, duration.isFinite else { return nil }
        let length = max(1, (chunkSeconds / gopSeconds).rounded()) * gopSeconds
        var starts: [Double] = [0]
        while let last = starts.last, duration - (last + length) >= length / 2 { starts.append(last + length) }
        guard starts.count > 1 else { return nil }
        let windows = starts.indices.map { k in ChunkWindow(start: starts[k], end: k + 1 < starts.count ? starts[k + 1] : nil) }
        return ChunkPlan(rungs: rungs, windows: windows, audio: audio)
    }
}

/// `chunks/<task>/result.json`: who did a task, how long it took, and where a video chunk's
/// first frame is on the whole timeline (the join places the chunk there).
public struct ChunkResult: Codable, Equatable, Sendable {
    public var task: String
    public var worker: String
    public var seconds: Double
    public var firstFrameSeconds: Double?
}
