import Foundation

/// An entry of an origin's `/api/videos`: a video it can serve.
public struct VideoListEntry: Codable, Equatable, Sendable {
    public var id: String
    public init(id: String) { self.id = id }
}

/// An origin's `/api/videos/<id>`: what a video holds and where to play it. Read by the
/// edge's catalog and by `repair`.
public struct VideoDescription: Codable, Equatable, Sendable {
    public struct Track: Codable, Equatable, Sendable {
        public var name: String
        public var type: String
        public var codec: String
        public var segments: Int
        public var duration: Double
        public var width: Int?
        public var height: Int?
        /// Audio: its language (BCP 47, nil when the source does not say) and channel count.
        public var language: String?
        public var channels: Int?
        /// Audio: what a player's menu shows (`English 5.1`), as in the HLS master playlist's NAME.
        public var label: String?
        public init(name: String, type: String, codec: String, segments: Int, duration: Double, width: Int? = nil, height: Int? = nil,
                    language: String? = nil, channels: Int? = nil, label: String? = nil) {
            self.label = label
            self.language = language
            self.channels = channels
            self.name = name
            self.type = type
            self.codec = codec
            self.segments = segments
            self.duration = duration
            self.width = width
            self.height = height
        }
    }

    /// A track of the source that is not served, and why.
    public struct Skipped: Codable, Equatable, Sendable {
        public var track: Int
        public var type: String
        public var codec: String
        public var reason: String
        public init(track: Int, type: String, codec: String, reason: String) {
            self.track = track
            self.type = type
            self.codec = codec
            self.reason = reason
        }
    }

    /// A subtitle track: its name in the URL space, language, menu label, and where its whole
    /// WebVTT is (`/dash/<id>/<name>.vtt`).
    public struct Subtitle: Codable, Equatable, Sendable {
        public var name: String
        public var language: String?
        public var label: String
        public var forced: Bool
        public var cues: Int
        public var vtt: String
        public init(name: String, language: String?, label: String, forced: Bool, cues: Int, video: String) {
            self.name = name
            self.language = language
            self.label = label
            self.forced = forced
            self.cues = cues
            vtt = "/dash/\(video)/\(name).vtt"
        }
    }

    public struct File: Codable, Equatable, Sendable {
        public var name: String
        public var bytes: Int64
        public init(name: String, bytes: Int64) { self.name = name; self.bytes = bytes }
    }

    public var id: String
    public var title: String?
    public var tracks: [Track]
    public var skipped: [Skipped]
    public var files: [File]
    /// Whether the video has a `manifest.json` (at `/api/videos/<id>/manifest.json`).
    public var hasManifest: Bool?
    public var hls: String
    public var dash: String
    public var hlsTS: String
    /// The download versions' URLs (`/download/<id>/<file>`), nil when it has none.
    public var downloads: [String]?
    /// Subtitle tracks served (nil: none).
    public var subtitles: [Subtitle]?
    /// The cue files in the video's `subtitles/` directory, as stored (at `/subtitles/<id>/<file>`;
    /// `repair` copies them); nil: none.
    public var subtitleFiles: [File]?

    public init(id: String, title: String?, tracks: [Track], skipped: [Skipped], files: [File], hasManifest: Bool, downloads: [String] = [],
                subtitles: [Subtitle] = [], subtitleFiles: [File] = []) {
        self.subtitles = subtitles.isEmpty ? nil : subtitles
        self.subtitleFiles = subtitleFiles.isEmpty ? nil : subtitleFiles
        self.downloads = downloads.isEmpty ? nil : downloads.map { "/download/\(id)/\($0)" }
        self.id = id
        self.title = title
        self.tracks = tracks
        self.skipped = skipped
        self.files = files
        self.hasManifest = hasManifest
        hls = "/hls/\(id)/master.m3u8"
        dash = "/dash/\(id)/manifest.mpd"
        hlsTS = "/hls-ts/\(id)/master.m3u8"
    }
}

/// JSON for the HTTP APIs: keys sorted, so equal documents are equal bytes.
public enum APIJSON {
    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return [UInt8]((try? encoder.encode(value)) ?? Data("null".utf8))
    }

    public static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) -> T? { try? JSONDecoder().decode(type, from: Data(bytes)) }
}
