import Foundation

/// One subtitle cue: shown from `start` to `end` (milliseconds of the source's
/// presentation time, as FFmpeg presents it), with its WebVTT cue settings
/// (`line:10% align:start`, may be empty) and its text as WebVTT cue text.
public struct TextCue: Equatable, Sendable {
    public var start: Int64
    public var end: Int64
    public var settings: String
    public var text: String

    public init(start: Int64, end: Int64, settings: String = "", text: String) {
        self.start = start
        self.end = end
        self.settings = settings
        self.text = text
    }

    /// Plain text (an MP4 `tx3g` sample) as WebVTT cue text: `&`, `<` and `>` escaped,
    /// line breaks kept but never an empty line (which would end the cue).
    static func escaping(_ plain: String) -> String {
        var out = ""
        out.reserveCapacity(plain.utf8.count)
        for c in plain {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(c)
            }
        }
        return withoutEmptyLines(out)
    }

    /// Lines joined by `\n`, without empty or blank ones, and no `-->` (which would
    /// make a line a timing line).
    static func withoutEmptyLines(_ text: String) -> String {
        text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
            .filter { !$0.allSatisfy { $0 == " " || $0 == "\t" } }
            .map { String($0).replacingOccurrences(of: "-->", with: "--&gt;") }
            .joined(separator: "\n")
    }
}
