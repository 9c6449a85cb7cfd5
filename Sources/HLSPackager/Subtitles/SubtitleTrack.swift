import MP4Box

/// One subtitle language of a video, ready to serve as WebVTT: from a cue
/// file beside the video or a text track of the source.
public struct SubtitleTrack: Sendable {
    /// Name in URLs (`/hls/<video>/<name>/index.m3u8`): `subs_<language>`, made unique.
    public let name: String
    /// BCP 47 tag, nil when the source does not say.
    public let language: String?
    /// What a player's menu shows.
    public let label: String
    /// Shown when the audio's language needs them (HLS `FORCED`, DASH role `forced-subtitle`).
    public let forced: Bool
    /// In order of start time.
    public let cues: [TextCue]
    /// Where the cues came from (a file name or `track N`), for errors and logs.
    public let source: String

    public init(name: String, language: String?, label: String? = nil, forced: Bool = false, cues: [TextCue], source: String) {
        self.name = name
        self.language = language
        self.label = label ?? language.map(Language.name) ?? "Subtitles"
        self.forced = forced
        self.cues = cues
        self.source = source
    }

    /// A cue file named `<language>[.forced].<vtt|srt>` (the language from the name), read.
    public static func sidecar(fileName: String, bytes: [UInt8]) throws(SubtitleError) -> (language: String?, forced: Bool, cues: [TextCue]) {
        let name = Substring(fileName)
        guard let format = SubtitleFile.Format(fileName: name) else { throw SubtitleError(source: fileName, "not a .vtt or .srt file") }
        let stem = name.prefix { $0 != "." }
        let forced = name.split(separator: ".").dropFirst().dropLast().contains { $0.lowercased() == "forced" }
        return (Language.tag(String(stem)), forced, try SubtitleFile.parse(bytes, format: format, source: fileName))
    }

    /// Names `subs_<language>` (or `subs`) for tracks in order, `_2`, `_3`… for repeats.
    public static func names(forLanguages languages: [String?], forced: [Bool]) -> [String] {
        var taken = Set<String>()
        return zip(languages, forced).map { language, forced in
            let base = "subs_" + (language ?? "und") + (forced ? "_forced" : "")
            var name = base, k = 2
            while taken.contains(name) { name = "\(base)_\(k)"; k += 1 }
            taken.insert(name)
            return name
        }
    }

    /// The sample entries whose samples this reads: 3GPP timed text (`mov_text`) and ISO 14496-30 WebVTT.
    public static let textFormats: Set<String> = ["tx3g", "wvtt"]

    /// Total text a track may hold (it is kept in memory with the video's layout).
    static let maxTextBytes: Int64 = 16 << 20

    /// The cues of a `tx3g` or `wvtt` track, at its samples' presentation times (edit list
    /// applied, as FFmpeg presents them). An empty sample is a gap between cues.
    public static func cues(of track: Track, movieTimescale: UInt32, bytes: any ByteSource, source: String) throws(SubtitleError) -> [TextCue] {
        guard let format = track.sampleEntry?.format.description, textFormats.contains(format) else {
            throw SubtitleError(source: source, "codec \(track.codecString) is not a text format read here (tx3g, wvtt)")
        }
        let samples = track.samples
        let scale = Int64(max(track.timescale, 1))
        var cues: [TextCue] = []
        var total: Int64 = 0
        var failure: SubtitleError?
        PresentationTimeline(track: track, movieTimescale: movieTimescale).forEach { p in
            guard failure == nil, !p.discard else { return }
            let size = Int64(samples.size(at: p.sampleIndex))
            total += size
            guard total <= maxTextBytes, cues.count < SubtitleFile.maxCues else {
                failure = SubtitleError(source: source, "more text than a subtitle track may hold (\(maxTextBytes) bytes, \(SubtitleFile.maxCues) cues)")
                return
            }
            let data: [UInt8]
            do { data = try bytes.read(at: samples.offset(at: p.sampleIndex), count: Int(size)) } catch {
                failure = SubtitleError(source: source, "sample \(p.sampleIndex + 1): \(error)")
                return
            }
            let start = SafeTime.rescale(p.pts, from: scale, to: 1000, nearest: true)
            let end = SafeTime.rescale(p.pts &+ Int64(samples.duration(at: p.sampleIndex)), from: scale, to: 1000, nearest: true)
            guard end > start else { return }
            let texts = format == "tx3g" ? [TextSample.timedText(data)].compactMap { $0 } : TextSample.webVTT(data)
            for (settings, text) in texts where !text.isEmpty { cues.append(TextCue(start: start, end: end, settings: settings, text: text)) }
        }
        if let failure { throw failure }
        return cues
    }
}
