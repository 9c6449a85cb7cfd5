/// Cue files: WebVTT (the W3C format, `.vtt`) and SubRip (`.srt`), read into
/// cues. What a player needs is kept (times, cue settings, text); WebVTT
/// `NOTE`, `STYLE` and `REGION` blocks are dropped. Strict where a mistake
/// would misplace text (a timing line that does not parse, an end before its
/// start) and lenient where players are (CRLF, a byte-order mark, SRT's comma
/// or dot, a missing SRT counter).
public enum SubtitleFile {
    public enum Format: String, Sendable, CaseIterable {
        case vtt, srt
        /// By file extension, case-insensitive.
        public init?(fileName: Substring) {
            guard let dot = fileName.lastIndex(of: ".") else { return nil }
            self.init(rawValue: fileName[fileName.index(after: dot)...].lowercased())
        }
    }

    /// Bigger cue files are refused (a feature film's subtitles are well under 1 MiB).
    public static let maxBytes = 8 << 20
    /// More cues are refused (one every 50 ms for three hours).
    public static let maxCues = 200_000

    public static func parse(_ bytes: [UInt8], format: Format, source: String) throws(SubtitleError) -> [TextCue] {
        guard bytes.count <= maxBytes else { throw SubtitleError(source: source, "\(bytes.count) bytes, more than the \(maxBytes) a cue file may have") }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard let text = String(validating: body, as: UTF8.self) else { throw SubtitleError(source: source, "not UTF-8 text") }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        let cues = format == .vtt ? try webVTT(lines, source: source) : try subRip(lines, source: source)
        guard cues.count <= maxCues else { throw SubtitleError(source: source, "\(cues.count) cues, more than \(maxCues)") }
        return cues.sorted { ($0.start, $0.end) < ($1.start, $1.end) }
    }

    /// Blocks of consecutive non-blank lines, each with the 1-based number of its first line.
    static func blocks(_ lines: [Substring]) -> [(line: Int, lines: [Substring])] {
        var result: [(Int, [Substring])] = []
        var current: [Substring] = [], first = 0
        for (k, line) in lines.enumerated() {
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                if !current.isEmpty { result.append((first, current)); current = [] }
            } else {
                if current.isEmpty { first = k + 1 }
                current.append(line)
            }
        }
        if !current.isEmpty { result.append((first, current)) }
        return result
    }

    static func webVTT(_ lines: [Substring], source: String) throws(SubtitleError) -> [TextCue] {
        guard let header = lines.first, header.hasPrefix("WEBVTT"),
              header.count == 6 || header.dropFirst(6).first == " " || header.dropFirst(6).first == "\t" else {
            throw SubtitleError(source: source, line: 1, "a WebVTT file starts with WEBVTT")
        }
        var cues: [TextCue] = []
        for (k, block) in blocks(lines).enumerated() where k > 0 {  // the first block is the header
            let head = block.lines[0]
            if head.hasPrefix("NOTE") || head.hasPrefix("STYLE") || head.hasPrefix("REGION") { continue }
            // An optional identifier line, then the timing line.
            let timing = head.contains("-->") ? 0 : 1
            guard timing < block.lines.count, block.lines[timing].contains("-->") else {
                throw SubtitleError(source: source, line: block.line, "a cue block without a timing line (start --> end)")
            }
            let cue = try cueTiming(block.lines[timing], comma: false, line: block.line + timing, source: source)
            let text = block.lines[(timing + 1)...].map { String($0) }.joined(separator: "\n")
            cues.append(TextCue(start: cue.start, end: cue.end, settings: cue.settings, text: TextCue.withoutEmptyLines(text)))
        }
        return cues
    }

    static func subRip(_ lines: [Substring], source: String) throws(SubtitleError) -> [TextCue] {
        var cues: [TextCue] = []
        for block in blocks(lines) {
            // The counter line is optional in practice; the timing line is the first with an arrow.
            guard let timing = block.lines.prefix(2).firstIndex(where: { $0.contains("-->") }) else {
                throw SubtitleError(source: source, line: block.line, "a subtitle without a timing line (00:00:01,000 --> 00:00:02,000)")
            }
            let cue = try cueTiming(block.lines[timing], comma: true, line: block.line + timing, source: source)
            let text = block.lines[(timing + 1)...].map { subRipText($0) }.joined(separator: "\n")
            // SRT positions (X1:… after the times) have no WebVTT equivalent and are dropped.
            cues.append(TextCue(start: cue.start, end: cue.end, text: TextCue.withoutEmptyLines(text)))
        }
        return cues
    }

    /// SRT text as WebVTT text: `<i>`, `<b>`, `<u>` kept, other tags (`<font …>`) and
    /// `{\an8}` overrides dropped, a bare `&` or `<` escaped.
    static func subRipText(_ line: Substring) -> String {
        var out = ""
        var rest = line[...]
        while let c = rest.first {
            if c == "<", let close = rest.firstIndex(of: ">") {
                let tag = rest[rest.index(after: rest.startIndex)..<close].lowercased()
                if ["i", "b", "u", "/i", "/b", "/u"].contains(tag) { out += "<\(tag)>" }
                rest = rest[rest.index(after: close)...]
            } else if c == "{", rest.dropFirst().first == "\\", let close = rest.firstIndex(of: "}") {
                rest = rest[rest.index(after: close)...]
            } else {
                out += c == "<" ? "&lt;" : c == ">" ? "&gt;" : c == "&" ? (isEntity(rest) ? "&" : "&amp;") : String(c)
                rest = rest.dropFirst()
            }
        }
        return out
    }

    static func isEntity(_ s: Substring) -> Bool {
        guard let semicolon = s.prefix(10).firstIndex(of: ";") else { return false }
        let name = s[s.index(after: s.startIndex)..<semicolon]
        return !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "#" }
    }

    /// `start --> end [settings]`; SRT separates milliseconds with a comma (or a dot).
    static func cueTiming(_ line: Substring, comma: Bool, line number: Int, source: String) throws(SubtitleError) -> (start: Int64, end: Int64, settings: String) {
        let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count >= 3, parts[1] == "-->", let start = timestamp(parts[0], comma: comma), let end = timestamp(parts[2], comma: comma) else {
            throw SubtitleError(source: source, line: number, "cannot read the timing line \"\(line.prefix(80))\"")
        }
        guard end >= start else { throw SubtitleError(source: source, line: number, "the cue ends before it starts") }
        return (start, end, comma ? "" : parts.dropFirst(3).joined(separator: " "))
    }

    /// `[hh:]mm:ss.ttt` in milliseconds (hours up to 99,999, minutes and seconds below 60).
    static func timestamp(_ s: Substring, comma: Bool) -> Int64? {
        let fields = s.split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count == 2 || fields.count == 3, let last = fields.last else { return nil }
        let secondParts = last.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "." || (comma && $0 == ",") })
        guard secondParts.count == 2, secondParts[1].count == 3 else { return nil }
        func number(_ t: Substring, digits: ClosedRange<Int>) -> Int64? {
            guard digits.contains(t.count), t.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return Int64(t)
        }
        guard let seconds = number(secondParts[0], digits: 2...2), seconds < 60, let millis = number(secondParts[1], digits: 3...3),
              let minutes = number(fields[fields.count - 2], digits: 2...2), minutes < 60 else { return nil }
        let hours = fields.count == 3 ? number(fields[0], digits: 1...5) : 0
        guard let hours else { return nil }
        return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis
    }
}

extension SubtitleFile {
    /// `cues` as a WebVTT file, moved by `shift` milliseconds.
    public static func webVTT(_ cues: [TextCue], shift: Int64 = 0) -> String { WebVTTWriter.document(cues, shift: shift) }
}
