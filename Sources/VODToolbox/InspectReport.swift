import HLSPackager
import MP4Box

/// What `vod inspect --json` prints: the movie as read, then what the packager
/// makes of it. The movie's fields stay at the top level, as before.
struct InspectReport: Encodable {
    var movie: MovieReport
    var packaging: PackagingReport

    enum CodingKeys: String, CodingKey { case packaging }

    func encode(to encoder: Encoder) throws {
        try movie.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(packaging, forKey: .packaging)
    }
}

/// The tracks the origin would serve and those it skips with the reason, or why it
/// would refuse the whole file.
struct PackagingReport: Encodable {
    struct Packaged: Encodable { var id: UInt32; var type: String; var codec: String }
    /// A text track served as WebVTT: its name in URLs, language and source track.
    struct Subtitle: Encodable { var name: String; var language: String?; var source: String; var cues: Int }
    var packaged: [Packaged] = []
    var subtitles: [Subtitle] = []
    var skipped: [SkippedTrack] = []
    var refused: String?

    init(movie: Movie, path: String) {
        do {
            let set = try MediaSet.load(movie: movie, path: path, name: "inspect")
            packaged = set.tracks.map { Packaged(id: $0.track.track.id, type: $0.track.kind.rawValue, codec: $0.track.codec) }
            subtitles = set.subtitles.map { Subtitle(name: $0.name, language: $0.language, source: $0.source, cues: $0.cues.count) }
            skipped = set.skipped
        } catch {
            refused = error.reason
        }
    }
}
