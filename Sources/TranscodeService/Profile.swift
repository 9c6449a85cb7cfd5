import Foundation
import VODKit

/// What a job makes, by name (`profiles` in the config; a job's profile comes from the
/// spool sub-folder it was dropped in, `incoming/<profile>/`, or the upload's `profile`
/// metadata, else `defaultProfile`). The job id covers the profile: the same file with
/// another profile is another job and another video, with the same profile a no-op.
public struct Profile: Codable, Equatable, Sendable {
    /// The streaming ladder; nil: the top-level `ladder`.
    public var ladder: [RungConfig]?
    /// Download versions made beside the ladder (nil: none).
    public var downloads: [DownloadConfig]?

    public init(ladder: [RungConfig]? = nil, downloads: [DownloadConfig]? = nil) {
        self.ladder = ladder
        self.downloads = downloads
    }

    /// The built-in profile every spool has: the top-level `ladder`; its job ids are the plain content hash.
    public static let defaultName = "default"

    /// Shipped beside `default`: `modern`, H.264 for every player, HEVC for Apple devices, AV1
    /// for browsers and TVs; `downloads`, the default ladder plus a 720-line file in each of
    /// MP4, WebM, MKV, OGG and AVI.
    public static let shipped: [String: Profile] = [
        "downloads": Profile(downloads: DownloadConfig.everyFormat),
        "modern": Profile(ladder: RungConfig.defaults + [
            RungConfig(height: 1080, videoKbps: 3000, codec: .hevc), RungConfig(height: 720, videoKbps: 1700, codec: .hevc),
            RungConfig(height: 1080, videoKbps: 2500, codec: .av1), RungConfig(height: 720, videoKbps: 1400, codec: .av1),
            RungConfig(height: 360, videoKbps: 400, codec: .av1),
        ]),
    ]

    /// A profile name usable as a spool sub-folder and in metadata.
    public static func isValidName(_ name: String) -> Bool { SafeName.isValid(name, maxBytes: 64) }

    /// The job id of content hashed to `sha256` (hex) made with `profile`: the first 20 hex
    /// digits of the hash for the default profile (as before profiles), of
    /// SHA-256(hash ":" profile) for any other.
    public static func jobID(sha256 hex: String, profile: String) -> String {
        guard profile != defaultName else { return String(hex.prefix(20)) }
        return String(SHA256.hex(SHA256.hash(Array("\(hex):\(profile)".utf8))).prefix(20))
    }
}
