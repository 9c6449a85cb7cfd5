/// How a video's subtitle tracks are served. HLS: a media playlist per track whose
/// segments are WebVTT documents cut at the video's segment times (a cue that spans
/// a boundary is in both; players merge identical cues), each with an
/// `X-TIMESTAMP-MAP` that ties cue time 0 to the media's own 90 kHz timestamps, which
/// differ between CMAF and MPEG-TS (`mpegts`). DASH: one whole WebVTT file per track
/// (`text/vtt`), its times on the period's timeline.
public enum SubtitleSegments {
    /// The media playlist at `<hls|hls-ts>/<track>/index.m3u8`, segments `<n>.vtt` beside it.
    public static func media(_ set: MediaSet) -> String? {
        guard let plan = set.timelinePlan else { return nil }
        let durations = plan.durations
        var out = HLSPlaylist.mediaHeader(version: 3, durations: durations)
        for (n, d) in durations.enumerated() { out += HLSPlaylist.extinf(d) + "\(n + 1).vtt\n" }
        return out + "#EXT-X-ENDLIST\n"
    }

    /// Segment `n` (0-based) of `track`: the cues shown during it.
    public static func segment(_ set: MediaSet, _ track: SubtitleTrack, _ n: Int, mpegts: Int64) -> String? {
        guard let plan = set.timelinePlan, n >= 0, n < plan.count else { return nil }
        let delay = set.presentationDelayMilliseconds
        func ms(_ t: Int64) -> Int64 { SafeTime.rescale(t, from: Int64(max(plan.timescale, 1)), to: 1000, nearest: true) &- delay }
        let from = n == 0 ? Int64.min : ms(plan.start(n))
        let to = n == plan.count - 1 ? Int64.max : ms(plan.end(n))
        return WebVTTWriter.document(track.cues.lazy.filter { $0.end > from && $0.start < to }, mpegts: mpegts)
    }

    /// The 90 kHz time of cue time 0 in the CMAF segments: the set's presentation delay.
    public static func cmafTimestamp(_ set: MediaSet) -> Int64 { set.presentationDelay90k }

    /// The whole track for DASH, on the period's timeline (which starts at the first segment).
    public static func whole(_ set: MediaSet, _ track: SubtitleTrack) -> String {
        let start = set.timelinePlan.map { SafeTime.rescale($0.start(0), from: Int64(max($0.timescale, 1)), to: 1000, nearest: true) } ?? 0
        return WebVTTWriter.document(track.cues, shift: set.presentationDelayMilliseconds &- start)
    }
}
