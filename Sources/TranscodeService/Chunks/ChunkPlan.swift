import Foundation

/// `claimed/<job>/chunks/plan.json`: how a job's video is cut into chunk tasks that any
/// worker may take. Written once by the worker that analyses the job; every task is done
/// from it, so the ladder and the cuts are the same whoever does which chunk.
///
/// With an early pass (`earlyRungs` > 0) each chunk is two tasks: `early-K` encodes the
/// lowest rungs, `video-K` the others. Early tasks come first, so the video can be
/// published with its lowest rungs (and the audio) while the rest are still being made;
/// the price is a second decode of each chunk.
public struct ChunkPlan: Codable, Equatable, Sendable {
    public var rungs: [Rung]
    /// The video's chunks, on the output's keyframe grid, in order; the last one runs to the end.
    public var windows: [ChunkWindow]
    /// Whether there is an audio task (every audio stream, whole, encoded once).
    public var audio: Bool
    /// The audio task's files (`AudioRendition.plan`; nil: `audio.mp4` alone, as plans before several languages).
    public var audioFiles: [String]?
    /// How many of the lowest rungs the early pass encodes (nil or 0: no early pass).
    public var earlyRungs: Int?
    /// The download versions, made by one `downloads` task from the whole source (nil or empty: none).
    public var downloads: [DownloadVersion]?

    /// What one task makes: its part of the timeline (nil: the audio task) and its rungs.
    public struct Work: Equatable, Sendable {
        public var window: ChunkWindow?
        public var rungs: [Rung]
        /// The `downloads` task's versions (empty for every other task).
        public var downloads: [DownloadVersion] = []
        /// The audio task's files.
        public var audioFiles: [String] = ["audio.mp4"]
        public var includeAudio: Bool { window == nil && downloads.isEmpty }
        /// The files the task leaves in its outputs.
        public var files: [String] {
            if !downloads.isEmpty { return downloads.map(\.file) }
            return window == nil ? audioFiles : rungs.map(\.file)
        }
    }

    /// The rungs published first (the lowest `earlyRungs` by height), in ladder order; empty without an early pass.
    public var early: [Rung] {
        let count = earlyRungs ?? 0
        guard count > 0, count < rungs.count else { return [] }
        // The lowest rungs of the first codec by rank (H.264: every player decodes it), then the next codec's.
        let lowest = Set(rungs.sorted { ($0.videoCodec.rank, $0.height) < ($1.videoCodec.rank, $1.height) }.prefix(count).map(\.file))
        return rungs.filter { lowest.contains($0.file) }
    }

    /// The rungs of the `video-K` tasks.
    public var later: [Rung] { let early = Set(early.map(\.file)); return rungs.filter { !early.contains($0.file) } }

    /// The tasks whose outputs make the early publication: the audio and every `early-K`.
    public var earlyTasks: [String] { early.isEmpty ? [] : (audio ? ["audio"] : []) + windows.indices.map { "early-\($0)" } }

    /// Every task: `audio` (if any), `early-0`, … (if any), `downloads` (if any: the longest
    /// task, started before the chunks so that it does not finish last alone), then `video-0`, …,
    /// in this order of preference.
    public var tasks: [String] {
        (audio ? ["audio"] : []) + (early.isEmpty ? [] : windows.indices.map { "early-\($0)" }) + ((downloads ?? []).isEmpty ? [] : ["downloads"])
            + windows.indices.map { "video-\($0)" }
    }

    /// What `task` makes; nil for a name the plan has no task for.
    public func work(_ task: String) -> Work? {
        if task == "audio" { return audio ? Work(window: nil, rungs: [], audioFiles: audioFiles ?? ["audio.mp4"]) : nil }
        if task == "downloads" { return (downloads ?? []).isEmpty ? nil : Work(window: nil, rungs: [], downloads: downloads ?? []) }
        for (prefix, rungs) in [("early-", early), ("video-", later)] where task.hasPrefix(prefix) && !rungs.isEmpty {
            guard let k = Int(task.dropFirst(prefix.count)), windows.indices.contains(k) else { return nil }
            return Work(window: windows[k], rungs: rungs)
        }
        return nil
    }

    /// The task that makes `rung`'s part of chunk `k`.
    public func task(making rung: Rung, chunk k: Int) -> String {
        early.contains(rung) ? "early-\(k)" : "video-\(k)"
    }

    /// Chunks of `chunkSeconds` (rounded to whole GOPs) over `duration`; nil when that makes
    /// one chunk (a short source, or chunking off): the job is then encoded whole, as before.
    /// A last chunk shorter than half a chunk is folded into the one before it.
    public static func make(duration: Double, chunkSeconds: Double, gopSeconds: Double, rungs: [Rung], audio: Bool, audioFiles: [String]? = nil,
                            earlyRungs: Int = 0, downloads: [DownloadVersion] = []) -> ChunkPlan? {
        guard chunkSeconds > 0, gopSeconds > 0, !rungs.isEmpty, duration.isFinite else { return nil }
        let length = max(1, (chunkSeconds / gopSeconds).rounded()) * gopSeconds
        var starts: [Double] = [0]
        while let last = starts.last, duration - (last + length) >= length / 2 { starts.append(last + length) }
        guard starts.count > 1 else { return nil }
        let windows = starts.indices.map { k in ChunkWindow(start: starts[k], end: k + 1 < starts.count ? starts[k + 1] : nil) }
        return ChunkPlan(rungs: rungs, windows: windows, audio: audio, audioFiles: audio ? audioFiles : nil,
                         earlyRungs: earlyRungs > 0 && earlyRungs < rungs.count ? earlyRungs : nil, downloads: downloads.isEmpty ? nil : downloads)
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
