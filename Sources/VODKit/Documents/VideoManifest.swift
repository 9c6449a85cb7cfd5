import Foundation

/// `manifest.json` of a transcoded video: written by the transcoder, sent to origins last
/// (an origin refuses it until every file it lists is there), read by the origin for the
/// files and title, and copied as it is by `repair`. Fields past `renditions` are optional,
/// so a reduced or older manifest still reads; unknown fields are ignored.
public struct VideoManifest: Codable, Equatable, Sendable {
    public struct Rendition: Codable, Equatable, Sendable {
        public enum Kind: String, Codable, Sendable { case video, audio }
        public var file: String
        public var type: Kind
        public var codecs: String?
        public var bandwidth: Int?
        public var duration: Double?
        public var width: Int?
        public var height: Int?
        public var frameRate: Double?
        /// Audio: the language tag of its source stream (`eng`) and its channel count.
        public var language: String?
        public var channels: Int?

        public init(file: String, type: Kind, codecs: String? = nil, bandwidth: Int? = nil, duration: Double? = nil,
                    width: Int? = nil, height: Int? = nil, frameRate: Double? = nil, language: String? = nil, channels: Int? = nil) {
            self.language = language
            self.channels = channels
            self.file = file
            self.type = type
            self.codecs = codecs
            self.bandwidth = bandwidth
            self.duration = duration
            self.width = width
            self.height = height
            self.frameRate = frameRate
        }
    }

    /// A download version: one file with video and audio in a common container, served at
    /// `/download/<video>/<file>` as an attachment.
    public struct Download: Codable, Equatable, Sendable {
        public var file: String
        public var format: DownloadFormat
        /// The codecs inside, as `ffprobe` names them (`vp9,opus`).
        public var codecs: String
        public var width: Int?
        public var height: Int?
        public var bytes: Int64
        public var duration: Double
        public init(file: String, format: DownloadFormat, codecs: String, width: Int?, height: Int?, bytes: Int64, duration: Double) {
            self.file = file
            self.format = format
            self.codecs = codecs
            self.width = width
            self.height = height
            self.bytes = bytes
            self.duration = duration
        }
    }

    public struct Timings: Codable, Equatable, Sendable {
        public var transcodeSeconds: Double
        public var speed: Double
        public init(transcodeSeconds: Double, speed: Double) { self.transcodeSeconds = transcodeSeconds; self.speed = speed }
    }

    /// The video id (the directory it is stored in says the same; older manifests lack it).
    public var video: String?
    public var renditions: [Rendition]
    /// The name the source was dropped or uploaded under.
    public var title: String?
    public var duration: Double?
    public var sourceSha256: String?
    public var createdAt: String?
    public var timings: Timings?
    /// Renditions still being made (file names): the video was published early with those
    /// listed, and a later manifest adds these. Nil once the video is whole. Origins give the
    /// playlists of a video with pending renditions a short max-age.
    public var pending: [String]?
    /// Download versions (nil: none).
    public var downloads: [Download]?
    /// Cue files the transcoder made or was given with the source (`subtitles/<language>.vtt`),
    /// replicated with the video; origins also serve cue files added there later (nil: none).
    public var subtitles: [String]?

    /// `"signed"`: every media URL of the video needs a signed token (`"public"` or nil: none).
    /// Any other value counts as signed, so a typo never opens a video.
    public var access: String?
    /// `"aes-128"`, `"cenc"` or `"cbcs"`: the video's segments are served only encrypted so
    /// (nil: the origin's `encryption` setting).
    public var encryption: String?

    /// The directory of a video's cue files, beside its manifest.
    public static let subtitleDirectory = "subtitles"

    /// Every file the video consists of: renditions, then downloads, then cue files.
    public var files: [String] { renditions.map(\.file) + (downloads ?? []).map(\.file) + (subtitles ?? []) }

    /// Whether more renditions are coming (`pending` is not empty).
    public var isPartial: Bool { !(pending ?? []).isEmpty }

    public init(video: String?, renditions: [Rendition], title: String? = nil, duration: Double? = nil, sourceSha256: String? = nil,
                createdAt: String? = nil, timings: Timings? = nil, pending: [String]? = nil, downloads: [Download]? = nil,
                subtitles: [String]? = nil) {
        self.subtitles = subtitles
        self.pending = pending
        self.downloads = downloads
        self.video = video
        self.renditions = renditions
        self.title = title
        self.duration = duration
        self.sourceSha256 = sourceSha256
        self.createdAt = createdAt
        self.timings = timings
    }

    public static func decode(_ data: Data) throws -> VideoManifest { try JSONDecoder().decode(VideoManifest.self, from: data) }

    /// Pretty, keys sorted: the same manifest is always the same bytes (and checksum).
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(self)) ?? Data()
    }
}
