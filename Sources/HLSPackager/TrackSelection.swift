/// A choice of a video's tracks made in the URL, as nginx-vod-module offers it, for every
/// protocol: `tracks/v1-a2-s1` names tracks by kind and 1-based position among the video's
/// videos (`v`), audios (`a`) and subtitles (`s`), the first audio named being the default
/// (a kind not named is left out); `lang/fr` keeps every video, the audio and subtitles in
/// that language (the audio as it is when none is in it).
public enum TrackSelection: Sendable, Hashable {
    case tracks(videos: [Int], audios: [Int], subtitles: [Int])
    case language(String)

    /// The canonical URL form (`tracks/v1-a2`, `lang/fr`), which names the selection in cache keys.
    public var path: String {
        switch self {
        case .tracks(let v, let a, let s): return "tracks/" + (v.map { "v\($0)" } + a.map { "a\($0)" } + s.map { "s\($0)" }).joined(separator: "-")
        case .language(let tag): return "lang/" + tag
        }
    }

    /// The most tracks a selection may name (a URL names a handful; this bounds the work).
    static let maxTracks = 32

    /// `kind` is `tracks` or `lang`; nil for anything malformed (`v0`, `x1`, `a`, an empty part,
    /// a language that is not letters, digits and `-`).
    public init?(kind: Substring, value: Substring) {
        switch kind {
        case "tracks":
            var videos: [Int] = [], audios: [Int] = [], subtitles: [Int] = []
            let parts = value.split(separator: "-", omittingEmptySubsequences: false)
            guard !parts.isEmpty, parts.count <= Self.maxTracks else { return nil }
            for part in parts {
                guard let letter = part.first, part.count >= 2, part.count <= 4,
                      part.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }), part.dropFirst().first != "0",
                      let n = Int(part.dropFirst()) else { return nil }
                switch letter {
                case "v": if !videos.contains(n) { videos.append(n) }
                case "a": if !audios.contains(n) { audios.append(n) }
                case "s": if !subtitles.contains(n) { subtitles.append(n) }
                default: return nil
                }
            }
            self = .tracks(videos: videos, audios: audios, subtitles: subtitles)
        case "lang":
            guard !value.isEmpty, value.count <= 35, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }),
                  let tag = Language.tag(String(value)) else { return nil }
            self = .language(tag)
        default:
            return nil
        }
    }
}

extension MediaSet {
    /// The tracks `selection` names, with the same timing as the whole set (so every
    /// segment is the whole set's); nil when it names a track the video lacks, or leaves
    /// neither video nor audio.
    public func selecting(_ selection: TrackSelection) -> MediaSet? {
        var chosen = self
        switch selection {
        case .tracks(let v, let a, let s):
            func pick<T>(_ all: [T], _ positions: [Int]) -> [T]? {
                var out: [T] = []
                for n in positions {
                    guard n >= 1, n <= all.count else { return nil }
                    out.append(all[n - 1])
                }
                return out
            }
            guard let videos = pick(self.videos, v), let audios = pick(self.audios, a), let subtitles = pick(self.subtitles, s) else { return nil }
            chosen.videos = videos
            chosen.audios = audios
            chosen.subtitles = subtitles
        case .language(let tag):
            func speaks(_ language: String?) -> Bool {
                guard let language = language?.lowercased() else { return false }
                let wanted = tag.lowercased()
                // `pt` matches `pt-BR`; `pt-BR` matches only itself.
                return language == wanted || language.hasPrefix(wanted + "-")
            }
            let audios = self.audios.filter { speaks(Language.tag($0.track.track.language)) }
            let subtitles = self.subtitles.filter { speaks($0.language) }
            guard !audios.isEmpty || !subtitles.isEmpty else { return nil }
            if !audios.isEmpty { chosen.audios = audios }
            chosen.subtitles = subtitles
        }
        guard !chosen.videos.isEmpty || !chosen.audios.isEmpty else { return nil }
        return chosen
    }
}
