/// Checks on request paths shared by the origin and the edge.
public enum HTTPPath {
    /// Starts with `/`; no `%`, backslash, NUL or control byte, no empty segment (`//`)
    /// and no `.` or `..` segment: ids and file names never need them, so such a path
    /// is refused before it can name anything on disk.
    public static func isPlain(_ path: Substring) -> Bool {
        var previous: UInt8 = 0
        var segmentLength = 0, segmentDots = 0
        for (i, c) in path.utf8.enumerated() {
            if i == 0 && c != 0x2F { return false }
            if c == 0x25 || c == 0x5C || c < 0x21 || c == 0x7F || (c == 0x2F && previous == 0x2F) { return false }
            if c == 0x2F {
                if segmentLength > 0 && segmentDots == segmentLength && segmentLength <= 2 { return false }
                segmentLength = 0; segmentDots = 0
            } else {
                segmentLength += 1
                if c == 0x2E { segmentDots += 1 }
            }
            previous = c
        }
        guard !path.isEmpty else { return false }
        return !(segmentLength > 0 && segmentDots == segmentLength && segmentLength <= 2)
    }

    /// `Content-Disposition: attachment` for a download version (`/download/<video>/<file>`) and
    /// for a request whose query has `download=1` (the page's rendition links): the file keeps
    /// its name. Nil otherwise. The path is plain (checked). Origin and edge both add it per
    /// request, so the edge never stores it.
    public static func downloadDisposition(target: String, path: Substring) -> String? {
        guard path.utf8.starts(with: "/download/".utf8) || target.utf8.contains(0x3F) else { return nil }  // most requests: no query, not a download
        guard let name = path.split(separator: "/").last else { return nil }
        let asked = target.split(separator: "?", maxSplits: 1).dropFirst().first.map { $0.split(separator: "&").contains("download=1") } ?? false
        guard asked || path.hasPrefix("/download/") else { return nil }
        return "attachment; filename=\"\(name)\""
    }

    /// The value of query parameter `name` in `target` (`/thumb/v/1000.jpg?w=320` → `320`), nil when absent.
    public static func queryValue(_ target: String, _ name: String) -> Substring? {
        guard let query = target.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in query.split(separator: "&") where pair.hasPrefix(name + "=") { return pair.dropFirst(name.count + 1) }
        return nil
    }

    /// The video a path of the URL space belongs to: the second segment of
    /// `/hls|cmaf|dash|hls-ts|mp4|download|subtitles/<video>/…` and `/api/videos/<video>`; nil otherwise.
    public static func video(_ path: Substring) -> Substring? {
        let p = path.utf8.dropFirst().split(separator: 0x2F, maxSplits: 3, omittingEmptySubsequences: false).map { Substring($0) }
        guard p.count >= 2 else { return nil }
        switch p[0] {
        case "hls", "cmaf", "dash", "hls-ts", "mp4", "download", "subtitles", "thumb": return p[1]
        case "api" where p[1] == "videos" && p.count >= 3: return p[2]
        default: return nil
        }
    }
}
