import MP4Box

/// The tracks of one video, ready to package: video renditions and one audio
/// track, each cut by a segment plan. Renditions whose keyframes fall on the
/// same times share one plan; others get their own.
public struct MediaSet: Sendable {
    /// The video id in URLs.
    public let name: String
    public let videos: [SegmentedTrack]
    public let audio: SegmentedTrack?
    public let targetDuration: Double
    /// Tracks of the source that are not packaged, with the reason.
    public let skipped: [SkippedTrack]
    /// Seconds by which every track is presented later than FFmpeg presents the source
    /// (so that no time is negative: B-frame delay, frames an edit list hides).
    public let presentationDelay: Double
    /// What an operator should know about the source although it plays (a cut-off file).
    public private(set) var warnings: [String] = []

    public var tracks: [SegmentedTrack] { videos + (audio.map { [$0] } ?? []) }

    public func track(named name: String) -> SegmentedTrack? { tracks.first { $0.track.name == name } }

    /// A single MP4 as a video: its first video track (`video`) and first audio track
    /// (`audio`) that can be packaged; every other track is skipped with its reason.
    public static func load(path: String, name: String, targetDuration: Double = 6) throws(PackagerError) -> MediaSet {
        let movie: Movie
        do { movie = try Movie.read(path: path) } catch { throw .unreadable(file: path, error) }
        return try load(movie: movie, path: path, name: name, targetDuration: targetDuration)
    }

    /// The same from a movie already read from `path` (segments read their bytes from `path`).
    /// A file none of whose tracks can be packaged is refused with the first track's reason.
    public static func load(movie: Movie, path: String, name: String, targetDuration: Double = 6) throws(PackagerError) -> MediaSet {
        var video: PackagedTrack?, audio: PackagedTrack?
        var skipped: [SkippedTrack] = []
        var firstError: PackagerError?
        for track in movie.tracks {
            let kind: PackagedTrack.Kind
            switch track.mediaType {
            case .video: kind = .video
            case .audio: kind = .audio
            default:
                skipped.append(SkippedTrack(track, "\(track.mediaType.rawValue) tracks are not packaged"))
                continue
            }
            guard !track.samples.isEmpty else { skipped.append(SkippedTrack(track, "no samples")); continue }
            guard (kind == .video ? video : audio) == nil else {
                skipped.append(SkippedTrack(track, "only the first playable \(kind.rawValue) track is packaged"))
                continue
            }
            do {
                let packaged = try PackagedTrack(name: kind.rawValue, kind: kind, track: track, movieTimescale: movie.timescale, sourcePath: path)
                if kind == .video { video = packaged } else { audio = packaged }
            } catch {
                firstError = firstError ?? error
                skipped.append(SkippedTrack(track, error.reason))
            }
        }
        if video == nil && audio == nil, let firstError { throw firstError }
        var set = try MediaSet(name: name, videos: video.map { [$0] } ?? [], audio: audio, targetDuration: targetDuration, file: path, skipped: skipped)
        for track in movie.tracks where track.samplesPastEnd > 0 {
            set.warnings.append("track \(track.id): \(track.samplesPastEnd) samples lie past the end of the file (\(movie.fileSize) bytes) and are left out")
        }
        if let at = movie.droppedFragmentAt { set.warnings.append("the file ends inside the fragment at byte \(at), which is left out") }
        return set
    }

    public init(name: String, videos: [PackagedTrack], audio: PackagedTrack?, targetDuration: Double, file: String,
                skipped: [SkippedTrack] = []) throws(PackagerError) {
        guard !videos.isEmpty || audio != nil else { throw .noPlayableTrack(file: file) }
        self.name = name
        self.skipped = skipped
        self.targetDuration = targetDuration
        // Every track moves later by the same time (the most any one needs to have no negative
        // time), so audio and video keep the offset they have in the source.
        var all: [PackagedTrack] = videos
        if let audio { all.append(audio) }
        func seconds(_ t: PackagedTrack) -> Double { Double(t.delay) / Double(t.timescale) }
        guard let lead = all.max(by: { seconds($0) < seconds($1) }) else { throw .noPlayableTrack(file: file) }
        func aligned(_ track: PackagedTrack) -> PackagedTrack {
            let wanted = SafeTime.rescale(lead.delay, from: Int64(lead.timescale), to: Int64(track.timescale), nearest: true)
            return track.delayed(by: wanted - track.delay)
        }
        let videos = videos.map(aligned)
        let audio = audio.map(aligned)
        presentationDelay = seconds(lead)
        var shared: SegmentPlan?
        var segmented: [SegmentedTrack] = []
        for video in videos {
            let plan: SegmentPlan
            if let shared, shared.fits(video) { plan = shared.rescaled(to: video.timescale) } else { plan = .forVideo(video, target: targetDuration) }
            if shared == nil { shared = plan }
            segmented.append(SegmentedTrack(track: video, plan: SegmentPlan(timescale: plan.timescale, starts: plan.starts, end: video.endTime)))
        }
        self.videos = segmented
        if let audio {
            var plan = shared.map { $0.rescaled(to: audio.timescale) } ?? .forAudio(audio, target: targetDuration)
            plan = SegmentPlan(timescale: plan.timescale, starts: plan.starts, end: max(audio.endTime, (plan.starts.last ?? 0) + 1))
            self.audio = SegmentedTrack(track: audio, plan: plan)
        } else {
            self.audio = nil
        }
    }
}
