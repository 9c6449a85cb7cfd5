import Foundation
import HLSPackager
import VODKit

/// What a video's manifest says about who may have it and how: from the manifest the catalog
/// found the video by, for the responses that do not lay it out (`/mp4/`, `/subtitles/`, `/download/`).
struct VideoAccess: Sendable {
    /// Media URLs need a signed token.
    let signedOnly: Bool
    /// Segments are served only encrypted; whole files not at all.
    let encrypted: Bool

    init(signedOnly: Bool, encrypted: Bool) { self.signedOnly = signedOnly; self.encrypted = encrypted }

    init(_ entry: MediaSetCache.Entry) { self.init(signedOnly: entry.signedOnly, encrypted: entry.set.protection != nil) }

    /// From the manifest the video's files were found by (`VideoFiles.manifest`; nil: a bare file).
    /// A manifest that cannot be decoded never gets here: the catalog refuses the video.
    init(manifest: VideoManifest?, policy: ProtectionPolicy) {
        self.init(signedOnly: Self.signedOnly(manifest), encrypted: manifest?.encryption != nil || policy.defaultScheme != nil)
    }

    /// A manifest that says `"access"` other than `"public"`.
    static func signedOnly(_ manifest: VideoManifest?) -> Bool { (manifest?.access ?? "public") != "public" }

    /// The refusal for `target` of this video (nil: allowed). `verified`: the request carried a valid token.
    func refusal(_ target: OriginTarget, video: Substring, verified: Bool, scheme: EncryptionScheme?) -> HTTPResponse? {
        if Self.describes(target) { return nil }
        if signedOnly && !verified { return .text(403, "video \(video) needs a signed URL") }
        switch target {
        case .key, .clearKey:
            guard verified else { return .text(403, "keys are given only to signed URLs") }
            guard encrypted else { return .text(404, "video \(video) is not encrypted") }
        case .mp4, .download, .progressive, .view(_, _, .progressive):
            if encrypted { return .text(403, "video \(video) is served only encrypted, as HLS or DASH") }
        case .playlist(_, let path) where path.hasPrefix("dash/") && scheme == .aes128:
            return .text(403, "video \(video) is encrypted with aes-128, which DASH cannot carry; use HLS")
        default: break
        }
        return nil
    }

    /// What describes a video (the catalog, repair's manifest copies) is not its media: open to all.
    static func describes(_ target: OriginTarget) -> Bool {
        switch target {
        case .videoInfo, .videoManifest: return true
        default: return false
        }
    }

    /// Marks a response of a signed-only video for caches (the edge serves it only to signed requests).
    func marked(_ response: HTTPResponse, _ target: OriginTarget) -> HTTPResponse {
        guard signedOnly, !Self.describes(target) else { return response }
        var r = response
        r.headers.append(URLSigning.accessHeader, "signed")
        return r
    }
}
