/// A clip of a video named in the URL (`clip/<from_ms>-<to_ms>`): it starts at the video's
/// keyframe at or before `from`, its presentation starts at 0, and it ends at `to`, or a frame
/// or two later when B-frames shown before `to` need a frame shown after it (that frame is in
/// the clip, so nothing is shown that the clip does not say). Audio is cut at the same times
/// (its first frame at or after the start), subtitles too; the A/V offset is the source's.
public struct Clip: Hashable, Sendable {
    public let from: Int64
    public let to: Int64

    /// `<from>-<to>` in milliseconds; nil when malformed, empty or inverted.
    public init?(_ text: Substring) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let from = Self.milliseconds(parts[0]), let to = Self.milliseconds(parts[1]), from < to else { return nil }
        self.from = from
        self.to = to
    }

    /// Decimal digits without a sign or leading zeros, at most 10 (about 115 days).
    static func milliseconds(_ s: Substring) -> Int64? {
        guard !s.isEmpty, s.count <= 10, s.allSatisfy({ $0.isASCII && $0.isNumber }), s == "0" || s.first != "0" else { return nil }
        return Int64(s)
    }

    public var path: String { "clip/\(from)-\(to)" }
}

extension MediaSet {
    /// The part of the video `clip` names, as a video of its own named `name`; nil when the
    /// clip starts at or after the video's end.
    public func clipped(_ clip: Clip, name: String) throws(PackagerError) -> MediaSet? {
        // The clip's start and end in the source's presentation, in seconds: from the first
        // video (keyframe and closed end), else the first audio.
        guard let lead = videos.first?.track ?? audios.first?.track else { return nil }
        let from = lead.delay &+ SafeTime.rescale(clip.from, from: 1000, to: Int64(lead.timescale), nearest: false)
        let to = lead.delay &+ SafeTime.rescale(clip.to, from: 1000, to: Int64(lead.timescale), nearest: false)
        guard let cut = lead.clipRange(from: from, to: to) else { return nil }
        // The other tracks cut at the lead's times, in their own timescales.
        func ticks(_ t: Int64, of track: PackagedTrack) -> Int64 {
            track.delay &+ SafeTime.rescale(t &- lead.delay, from: Int64(lead.timescale), to: Int64(track.timescale), nearest: true)
        }
        func cutTrack(_ track: PackagedTrack) -> PackagedTrack? {
            if track.name == lead.name { return track.clipped(cut.first...cut.last, start: cut.start, end: cut.end) }
            let start = ticks(cut.start, of: track), end = ticks(cut.end, of: track)
            // Frames that start in [start, end): audio frames, or a second video's (same grid).
            let kept = (0..<track.count).filter { let t = track.presentationTime($0); return t >= start && t < end }
            guard let first = kept.first, let last = kept.last else { return nil }
            return track.clipped(first...last, start: start, end: end)
        }
        let clippedVideos = videos.map(\.track).compactMap(cutTrack)
        let clippedAudios = audios.map(\.track).compactMap(cutTrack)
        var set = try MediaSet(name: name, videos: clippedVideos, audios: clippedAudios, targetDuration: targetDuration,
                               file: lead.moviePath, skipped: skipped)
        set.protection = protection
        // Subtitles: the cues the clip shows, on its clock.
        let startMs = SafeTime.rescale(cut.start &- lead.delay, from: Int64(lead.timescale), to: 1000, nearest: true)
        let endMs = SafeTime.rescale(cut.end &- lead.delay, from: Int64(lead.timescale), to: 1000, nearest: true)
        set.subtitles = subtitles.map { track in
            let cues = track.cues.filter { $0.end > startMs && $0.start < endMs }.map { cue in
                TextCue(start: max(0, cue.start - startMs), end: min(cue.end, endMs) - startMs, settings: cue.settings, text: cue.text)
            }
            return SubtitleTrack(name: track.name, language: track.language, label: track.label, forced: track.forced, cues: cues, source: track.source)
        }
        return set
    }
}

extension PackagedTrack {
    /// The samples (decode order, `first...last`) of a clip from presentation time `from` to `to`
    /// (this track's timescale, delay included), and the times it is shown from and to: from the
    /// sync sample at or before `from` (the first when none is), through every frame shown before
    /// `to`, and on to the first decode-order point where everything decoded so far is shown
    /// before anything after it. Nil when the clip starts at or after the track's end.
    func clipRange(from: Int64, to: Int64) -> (first: Int, last: Int, start: Int64, end: Int64)? {
        guard count > 0, from < endTime else { return nil }
        var first = 0
        for i in 0..<count where isSync(i) && presentationTime(i) <= from { first = i }
        let start = presentationTime(first)
        // The last frame in decode order shown before `to`.
        var last = first
        for i in first..<count where presentationTime(i) < to { last = i }
        // Close the range: a frame decoded after `last` but shown before one within it comes too
        // (with everything decoded between), so the clip shows no gap.
        var shownUntil = (first...last).map(presentationTime).max() ?? start
        var j = last + 1
        while j < count && j <= last + 16 {
            if presentationTime(j) < shownUntil {
                for k in last + 1...j { shownUntil = max(shownUntil, presentationTime(k)) }
                last = j
            }
            j += 1
        }
        // Shown until the next frame's time, or the track's end.
        let later = (last + 1..<min(count, last + 17)).map(presentationTime)
        let end = later.min() ?? endTime
        return (first, last, start, max(end, shownUntil + 1))
    }

    /// Samples `range` as a track presented from `start` to `end` (moved so `start` is 0, then
    /// later again as far as its decode times need).
    func clipped(_ range: ClosedRange<Int>, start: Int64, end: Int64) -> PackagedTrack {
        var copy = self
        let moved = range.map { decodeTime($0) &- start }
        let shift = max(0, -(moved.min() ?? 0))
        copy.map = .listed(indexes: range.map { Int32(truncatingIfNeeded: sourceIndex($0)) }, decodeTimes: moved.map { $0 &+ shift },
                           compositionOffsets: range.map(compositionOffset))
        copy.count = range.count
        copy.endTime = end &- start &+ shift
        copy.delay = shift
        copy.hiddenLeadingFrames = 0
        return copy
    }
}
