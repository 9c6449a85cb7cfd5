import VODKit

/// A request path of the origin's URL space, parsed once per request.
enum OriginTarget: Equatable, Sendable {
    case health
    case metrics
    case videoList
    case videoInfo(video: Substring)
    /// `/api/videos/<id>/manifest.json`: the transcoder's manifest as stored (for `repair`).
    case videoManifest(video: Substring)
    /// `path` names the playlist (or subtitle text) under the video (`MediaSetCache.Entry.playlist`).
    case playlist(video: Substring, path: String)
    case cmafInit(video: Substring, track: Substring)
    case cmafSegment(video: Substring, track: Substring, number: Int)
    case tsSegment(video: Substring, rendition: Substring, number: Int)
    case mp4(video: Substring, file: Substring)
    /// `/download/<video>/<file>`: a download version the manifest lists.
    case download(video: Substring, file: Substring)
    /// `/subtitles/<video>/<file>`: a cue file of the video as stored.
    case cueFile(video: Substring, file: Substring)
    /// `/hls|dash|hls-ts/<video>/tracks|lang|clip/<choice>/…` and `/cmaf/<video>/clip/<range>/…`:
    /// a playlist or segment of a selection of the video's tracks or of a clip (`VideoView`,
    /// read when answering, so a malformed one gets its own message).
    indirect case view(kind: Substring, value: Substring, OriginTarget)
    /// The video (a clip of it: `/mp4/<video>/clip/<from>-<to>.mp4`) as one fragmented MP4 file.
    case progressive(video: Substring)
    /// `/thumb/<video>/<ms>.jpg[?w=N]`: the frame shown at that time, as JPEG (`width`: the raw `w`).
    case thumbnail(video: Substring, milliseconds: Int64, width: Substring?)
    /// `/thumb/<video>/sprites.vtt`: the scrub-preview track over the sprite sheets.
    case sprites(video: Substring)
    /// `/thumb/<video>/sprite-<k>.jpg`: sheet k (from 1) of scrub-preview tiles.
    case spriteSheet(video: Substring, sheet: Int)
    /// `/key/<video>/<kid hex>.key`: a protected video's key, 16 raw bytes (signed URLs only).
    case key(video: Substring, file: Substring)
    /// `/clearkey/<video>`: the W3C ClearKey licence (JSON Web Key set) of a protected video (signed URLs only).
    case clearKey(video: Substring)
    /// Not `HTTPPath.isPlain`.
    case malformed
    case notFound

    init(path: Substring) {
        guard HTTPPath.isPlain(path) else { self = .malformed; return }
        // The segments after the leading "/" (a plain path has one), in one array.
        var p: [Substring] = []
        p.reserveCapacity(8)
        let bytes = path.utf8
        var start = bytes.index(after: bytes.startIndex), i = start
        while i < bytes.endIndex {
            if bytes[i] == UInt8(ascii: "/") { p.append(path[start..<i]); start = bytes.index(after: i) }
            i = bytes.index(after: i)
        }
        p.append(path[start...])
        if p.count >= 5, VideoView.kinds.contains(p[2]), ["hls", "dash", "hls-ts"].contains(p[0]) || (p[0] == "cmaf" && p[2] == "clip") {
            let inner = OriginTarget(path: Substring("/" + ([p[0], p[1]] + p[4...]).joined(separator: "/")))
            switch inner {
            case .playlist, .tsSegment, .cmafInit, .cmafSegment: self = .view(kind: p[2], value: p[3], inner)
            default: self = .notFound
            }
            return
        }
        // As a String: the first segments of the URL space are small strings, compared as words.
        switch (String(p[0]), p.count) {
        case ("healthz", 1): self = .health
        case ("metrics", 1): self = .metrics
        case ("api", 2) where p[1] == "videos": self = .videoList
        case ("api", 3) where p[1] == "videos": self = .videoInfo(video: p[2])
        case ("api", 4) where p[1] == "videos" && p[3] == "manifest.json": self = .videoManifest(video: p[2])
        case ("hls", 3), ("dash", 3), ("hls-ts", 3), ("hls", 4):
            // "<format>/<the rest after the video>", cut from the path without joining pieces.
            self = .playlist(video: p[1], path: String(p[0]) + "/" + path[p[2].startIndex...])
        case ("cmaf", 4):
            if p[3] == "init.mp4" { self = .cmafInit(video: p[1], track: p[2]) }
            else if let n = Self.segmentNumber(p[3], suffix: ".m4s") { self = .cmafSegment(video: p[1], track: p[2], number: n) }
            else { self = .notFound }
        case ("hls-ts", 4):
            if p[3] == "index.m3u8" || p[3].hasSuffix(".vtt") { self = .playlist(video: p[1], path: "hls-ts/" + path[p[2].startIndex...]) }
            else if let n = Self.segmentNumber(p[3], suffix: ".ts") { self = .tsSegment(video: p[1], rendition: p[2], number: n) }
            else { self = .notFound }
        case ("mp4", 3): self = .mp4(video: p[1], file: p[2])
        case ("mp4", 4) where p[2] == "clip" && p[3].hasSuffix(".mp4"): self = .view(kind: "clip", value: p[3].dropLast(4), .progressive(video: p[1]))
        case ("download", 3): self = .download(video: p[1], file: p[2])
        case ("key", 3): self = .key(video: p[1], file: p[2])
        case ("clearkey", 2): self = .clearKey(video: p[1])
        case ("subtitles", 3): self = .cueFile(video: p[1], file: p[2])
        case ("thumb", 3):
            if p[2] == "sprites.vtt" { self = .sprites(video: p[1]) }
            else if p[2].hasPrefix("sprite-"), let k = Self.segmentNumber(p[2].dropFirst(7), suffix: ".jpg") { self = .spriteSheet(video: p[1], sheet: k) }
            else if let ms = Self.milliseconds(p[2]) { self = .thumbnail(video: p[1], milliseconds: ms, width: nil) }
            else { self = .notFound }
        default: self = .notFound
        }
    }

    /// The target with what the query adds: a thumbnail's width (`?w=`).
    func withQuery(_ target: String) -> OriginTarget {
        guard case .thumbnail(let video, let ms, _) = self else { return self }
        return .thumbnail(video: video, milliseconds: ms, width: HTTPPath.queryValue(target, "w"))
    }

    /// The video the target belongs to, if any.
    var video: Substring? {
        switch self {
        case .videoInfo(let v), .videoManifest(let v), .playlist(let v, _), .cmafInit(let v, _), .cmafSegment(let v, _, _), .tsSegment(let v, _, _), .mp4(let v, _), .download(let v, _), .cueFile(let v, _): return v
        case .view(_, _, let inner): return inner.video
        case .thumbnail(let v, _, _), .sprites(let v), .spriteSheet(let v, _), .progressive(let v), .key(let v, _), .clearKey(let v): return v
        case .health, .metrics, .videoList, .malformed, .notFound: return nil
        }
    }

    /// Every label `route` gives.
    static let routeNames = ["hls", "cmaf", "dash", "hls-ts", "mp4", "download", "subtitles", "thumb", "api", "healthz", "metrics", "ingest", "key", "clearkey", "other"]

    /// The label for metrics (first path segment of the URL space, else "other"): a literal, nothing allocated.
    static func route(_ path: Substring) -> String {
        let rest = path.utf8.dropFirst()
        switch String(Substring(rest[..<(rest.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex)])) {
        case "hls": return "hls"
        case "cmaf": return "cmaf"
        case "dash": return "dash"
        case "hls-ts": return "hls-ts"
        case "mp4": return "mp4"
        case "download": return "download"
        case "subtitles": return "subtitles"
        case "thumb": return "thumb"
        case "api": return "api"
        case "healthz": return "healthz"
        case "metrics": return "metrics"
        case "ingest": return "ingest"
        case "key": return "key"
        case "clearkey": return "clearkey"
        default: return "other"
        }
    }

    /// `<ms>.jpg`: plain decimal milliseconds (no sign or leading zeros, at most 10 digits).
    static func milliseconds(_ name: Substring) -> Int64? {
        guard name.hasSuffix(".jpg") else { return nil }
        let digits = name.dropLast(4)
        guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits == "0" || digits.first != "0" else { return nil }
        return Int64(digits)
    }

    /// `<n><suffix>` with n ≥ 1 written without leading zeros.
    static func segmentNumber(_ name: Substring, suffix: String) -> Int? {
        guard name.hasSuffix(suffix), let n = Int(name.dropLast(suffix.count)), n >= 1, String(n) + suffix == name else { return nil }
        return n
    }
}
