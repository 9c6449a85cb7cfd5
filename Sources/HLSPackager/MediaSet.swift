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

    public var tracks: [SegmentedTrack] { videos + (audio.map { [$0] } ?? []) }

    public func track(named name: String) -> SegmentedTrack? { tracks.first { $0.track.name == name } }

    /// A single MP4 as a video: its first video track (`video`) and first audio track (`audio`).
    public static func load(path: String, name: String, targetDuration: Double = 6) throws(PackagerError) -> MediaSet {
        let movie: Movie
        do { movie = try Movie.read(path: path) } catch { throw .unreadable(file: path, error) }
        return try load(movie: movie, path: path, name: name, targetDuration: targetDuration)
    }

    /// The same from a movie already read from `path` (segments read their bytes from `path`).
    public static func load(movie: Movie, path: String, name: String, targetDuration: Double = 6) throws(PackagerError) -> MediaSet {
        var videos: [PackagedTrack] = []
        var audio: PackagedTrack?
        if let v = movie.tracks.first(where: { $0.mediaType == .video && !$0.samples.isEmpty }) {
            videos.append(try PackagedTrack(name: "video", kind: .video, track: v, movieTimescale: movie.timescale, sourcePath: path))
        }
        if let a = movie.tracks.first(where: { $0.mediaType == .audio && !$0.samples.isEmpty }) {
            audio = try PackagedTrack(name: "audio", kind: .audio, track: a, movieTimescale: movie.timescale, sourcePath: path)
        }
        return try MediaSet(name: name, videos: videos, audio: audio, targetDuration: targetDuration, file: path)
    }

    public init(name: String, videos: [PackagedTrack], audio: PackagedTrack?, targetDuration: Double, file: String) throws(PackagerError) {
        guard !videos.isEmpty || audio != nil else { throw .noPlayableTrack(file: file) }
        self.name = name
        self.targetDuration = targetDuration
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
