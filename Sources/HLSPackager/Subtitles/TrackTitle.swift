import Foundation

/// A track's title from its `hdlr` name: writers put the track's own name there (ffmpeg from a
/// stream's `handler_name` or `title`: "Director's commentary") or their own
/// ("SoundHandler", "Core Media Audio", "GPAC ISO Audio Handler"), which is no title.
public enum TrackTitle {
    static let writerWords = ["handler", "core media", "gpac", "bento4", "l-smash", "mainconcept", "media file", "apple", "mp4box", "isomedia"]

    /// Whether `name` names the track (short, printable, not a writer's own label).
    public static func isTitle(_ name: String) -> Bool {
        let lower = name.lowercased()
        return !name.isEmpty && name.count <= 64 && !name.contains("\"") && name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F })
            && !writerWords.contains { lower.contains($0) }
    }

    /// The title of a track, nil when its `hdlr` name is none.
    public static func of(_ handlerName: String) -> String? {
        let name = handlerName.trimmingCharacters(in: .whitespaces)
        return isTitle(name) ? name : nil
    }
}
