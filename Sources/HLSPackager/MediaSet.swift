import MP4Box

/// The tracks of one video, ready to package: video renditions, audio tracks
/// (languages and channel layouts; the first is the default) and subtitle
/// tracks, each cut by a segment plan. Renditions whose keyframes fall on the
/// same times share one plan; others get their own; audio and subtitles are cut
/// at the first video's times.
public struct MediaSet: Sendable {
    /// The video id in URLs.
    public let name: String
    public internal(set) var videos: [SegmentedTrack]
    /// Every audio track, the default first (named `audio`; then `audio2`, `audio3`…).
    public internal(set) var audios: [SegmentedTrack]
    /// Subtitles in the order their menu lists them.
    public var subtitles: [SubtitleTrack] = []
    /// Set for a protected video: its segments are served only encrypted with this.
    public var protection: Protection?
    public let targetDuration: Double
    /// Tracks of the source that are not packaged, with the reason.
    public let skipped: [SkippedTrack]
    /// Seconds by which every track is presented later than FFmpeg presents the source
    /// (so that no time is negative: B-frame delay, frames an edit list hides).
    public let presentationDelay: Double
    /// The same on the 90 kHz clock and in milliseconds (for subtitle times).
    public let presentationDelay90k: Int64
    public let presentationDelayMilliseconds: Int64
    /// What an operator should know about the source although it plays (a cut-off file).
    public private(set) var warnings: [String] = []

    /// The default audio track.
    public var audio: SegmentedTrack? { audios.first }

    public var tracks: [SegmentedTrack] { videos + audios }

    public func track(named name: String) -> SegmentedTrack? { tracks.first { $0.track.name == name } }

    public func subtitle(named name: String) -> SubtitleTrack? { subtitles.first { $0.name == name } }

    /// The segment times subtitles follow: the first video's, or the audio's.
    public var timelinePlan: SegmentPlan? { (videos.first ?? audio)?.plan }

    /// The name of the k-th audio track (0-based): `audio`, `audio2`, …
    public static func audioName(_ k: Int) -> String { k == 0 ? "audio" : "audio\(k + 1)" }

    /// A single MP4 as a video: its first video track (`video`) and first audio track
    /// (`audio`) that can be packaged; every other track is skipped with its reason.
    public static func load(path: String, name: String, targetDuration: Double = 6) throws(PackagerError) -> MediaSet {
        let movie: Movie
        do { movie = try Movie.read(path: path) } catch { throw .unreadable(file: path, error) }
        return try load(movie: movie, path: path, name: name, targetDuration: targetDuration)
    }

    /// The same from a movie already read from `path` (segments read their bytes from `path`,
    /// or for a track in `trackData` from that file: its data laid end to end, `TrackDataFile`,
    /// the movie's track placed there already). A file none of whose tracks can be packaged is
    /// refused with the first track's reason.
    public static func load(movie: Movie, path: String, name: String, targetDuration: Double = 6,
                            trackData: [UInt32: String] = [:]) throws(PackagerError) -> MediaSet {
        var video: PackagedTrack?
        var audios: [PackagedTrack] = []
        var texts: [(track: Track, cues: [TextCue])] = []
        var skipped: [SkippedTrack] = []
        var firstError: PackagerError?
        // The tracks to lay out: every audio track and the first video track, laid out side by
        // side (the rest of the video tracks only if the first fails, below).
        var firstVideo: Int?
        let candidates = movie.tracks.indices.filter { i in
            let track = movie.tracks[i]
            guard !track.samples.isEmpty else { return false }
            if track.mediaType == .audio { return true }
            guard track.mediaType == .video, firstVideo == nil else { return false }
            firstVideo = i
            return true
        }
        let layOut: @Sendable (Track) -> Result<PackagedTrack, PackagerError> = { [timescale = movie.timescale] track in
            Result { () throws(PackagerError) in
                try PackagedTrack(name: "", kind: track.mediaType == .video ? .video : .audio, track: track, movieTimescale: timescale,
                                 sourcePath: trackData[track.id] ?? path, moviePath: path)
            }
        }
        let laidOut = Dictionary(uniqueKeysWithValues: zip(candidates, candidates.map { movie.tracks[$0] }.concurrentMap(layOut)))
        for (i, track) in movie.tracks.enumerated() {
            let kind: PackagedTrack.Kind
            switch track.mediaType {
            case .video: kind = .video
            case .audio: kind = .audio
            case .subtitle where SubtitleTrack.textFormats.contains(track.sampleEntry?.format.description ?? ""):
                do {
                    let source = try FileByteSource(path: path)
                    texts.append((track, try SubtitleTrack.cues(of: track, movieTimescale: movie.timescale, bytes: source, source: "track \(track.id)")))
                } catch let error as SubtitleError {
                    skipped.append(SkippedTrack(track, error.reason))
                } catch {
                    skipped.append(SkippedTrack(track, "\(error)"))
                }
                continue
            default:
                skipped.append(SkippedTrack(track, "\(track.mediaType.rawValue) tracks are not packaged"))
                continue
            }
            guard !track.samples.isEmpty else { skipped.append(SkippedTrack(track, "no samples")); continue }
            guard kind == .audio || video == nil else {
                skipped.append(SkippedTrack(track, "only the first playable video track is packaged"))
                continue
            }
            switch laidOut[i] ?? layOut(track) {
            case .success(var packaged):
                packaged.name = kind == .video ? "video" : audioName(audios.count)
                if kind == .video { video = packaged } else { audios.append(packaged) }
            case .failure(let error):
                firstError = firstError ?? error
                skipped.append(SkippedTrack(track, error.reason))
            }
        }
        if video == nil && audios.isEmpty, let firstError { throw firstError }
        var set = try MediaSet(name: name, videos: video.map { [$0] } ?? [], audios: audios, targetDuration: targetDuration, file: path, skipped: skipped)
        let names = SubtitleTrack.names(forLanguages: texts.map { Language.tag($0.track.language) }, forced: texts.map { _ in false })
        set.subtitles = zip(texts, names).map { text, name in
            SubtitleTrack(name: name, language: Language.tag(text.track.language), cues: text.cues, source: "track \(text.track.id)")
        }
        for track in movie.tracks where track.samplesPastEnd > 0 {
            set.warnings.append("track \(track.id): \(track.samplesPastEnd) samples lie past the end of the file (\(movie.fileSize) bytes) and are left out")
        }
        if let at = movie.droppedFragmentAt { set.warnings.append("the file ends inside the fragment at byte \(at), which is left out") }
        return set
    }

    public init(name: String, videos: [PackagedTrack], audio: PackagedTrack?, targetDuration: Double, file: String,
                skipped: [SkippedTrack] = []) throws(PackagerError) {
        try self.init(name: name, videos: videos, audios: audio.map { [$0] } ?? [], targetDuration: targetDuration, file: file, skipped: skipped)
    }

    public init(name: String, videos: [PackagedTrack], audios: [PackagedTrack], targetDuration: Double, file: String,
                skipped: [SkippedTrack] = []) throws(PackagerError) {
        guard !videos.isEmpty || !audios.isEmpty else { throw .noPlayableTrack(file: file) }
        self.name = name
        self.skipped = skipped
        self.targetDuration = targetDuration
        // Every track moves later by the same time (the most any one needs to have no negative
        // time), so audio and video keep the offset they have in the source.
        let all: [PackagedTrack] = videos + audios
        func seconds(_ t: PackagedTrack) -> Double { Double(t.delay) / Double(t.timescale) }
        guard let lead = all.max(by: { seconds($0) < seconds($1) }) else { throw .noPlayableTrack(file: file) }
        func aligned(_ track: PackagedTrack) -> PackagedTrack {
            let wanted = SafeTime.rescale(lead.delay, from: Int64(lead.timescale), to: Int64(track.timescale), nearest: true)
            return track.delayed(by: wanted - track.delay)
        }
        let videos = videos.map(aligned)
        let audios = audios.map(aligned)
        presentationDelay = seconds(lead)
        presentationDelay90k = SafeTime.rescale(lead.delay, from: Int64(max(lead.timescale, 1)), to: 90000, nearest: true)
        presentationDelayMilliseconds = SafeTime.rescale(lead.delay, from: Int64(max(lead.timescale, 1)), to: 1000, nearest: true)
        var shared: SegmentPlan?
        var segmented: [SegmentedTrack] = []
        for video in videos {
            let plan: SegmentPlan
            if let shared, shared.fits(video) { plan = shared.rescaled(to: video.timescale) } else { plan = .forVideo(video, target: targetDuration) }
            if shared == nil { shared = plan }
            segmented.append(SegmentedTrack(track: video, plan: SegmentPlan(timescale: plan.timescale, starts: plan.starts, end: video.endTime)))
        }
        self.videos = segmented
        // Audio tracks are cut at the video's times; without video, at the first audio's own.
        var audioPlan = shared
        self.audios = audios.map { audio in
            var plan = audioPlan.map { $0.rescaled(to: audio.timescale) } ?? .forAudio(audio, target: targetDuration)
            if audioPlan == nil { audioPlan = plan }
            plan = SegmentPlan(timescale: plan.timescale, starts: plan.starts, end: max(audio.endTime, (plan.starts.last ?? 0) + 1))
            return SegmentedTrack(track: audio, plan: plan)
        }
    }
}
