import HLSPackager

/// A presentation a URL derives from a whole video: a selection of its tracks
/// (`tracks/v1-a2`, `lang/fr`) or a clip (`clip/<from_ms>-<to_ms>`), written between the
/// video id and the rest of the path (`/hls/<video>/clip/0-5000/master.m3u8`).
enum VideoView: Hashable, Sendable {
    case tracks(TrackSelection)
    case clip(Clip)

    /// The path words that can open a view.
    static let kinds: Set<Substring> = ["tracks", "lang", "clip"]

    /// nil when `value` is malformed for `kind` (a 400).
    init?(kind: Substring, value: Substring) {
        if kind == "clip" {
            guard let clip = Clip(value) else { return nil }
            self = .clip(clip)
        } else {
            guard let selection = TrackSelection(kind: kind, value: value) else { return nil }
            self = .tracks(selection)
        }
    }

    /// The canonical path piece, for cache keys.
    var path: String {
        switch self {
        case .tracks(let s): return s.path
        case .clip(let c): return c.path
        }
    }

    static func malformed(kind: Substring, value: Substring) -> String {
        kind == "clip"
            ? "malformed clip \(value): clip/<from_ms>-<to_ms> with from < to, in milliseconds"
            : "malformed track selection \(kind)/\(value) (tracks/v1-a2-s1: 1-based positions among videos, audios, subtitles; or lang/<language>)"
    }
}
