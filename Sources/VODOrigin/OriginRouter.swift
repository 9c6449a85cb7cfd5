import Foundation
import HLSPackager
import MP4Box
import VODKit

/// Maps the URL space onto the catalog and the packager:
/// `/hls/<video>/master.m3u8`, `/hls/<video>/<track>/index.m3u8|iframes.m3u8`,
/// `/cmaf/<video>/<track>/init.mp4|<n>.m4s`, `/dash/<video>/manifest.mpd`,
/// `/hls-ts/<video>/master.m3u8`, `/hls-ts/<video>/<rendition>/index.m3u8|<n>.ts`,
/// `/mp4/<video>/<file>.mp4`, `/api/videos[/<video>]`, `/healthz`.
public struct OriginRouter: HTTPHandler {
    public let catalog: MediaCatalog
    let files: CatalogCache
    public let cache: MediaSetCache
    public let log: @Sendable (String) -> Void
    public let metrics: Metrics
    let ingest: Ingest

    /// `token` guards the ingest endpoint; empty switches ingest off.
    public init(catalog: MediaCatalog, cache: MediaSetCache, token: String = "", metrics: Metrics = Metrics(), log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.catalog = catalog
        files = CatalogCache(catalog: catalog)
        self.cache = cache
        self.log = log
        self.metrics = metrics
        ingest = Ingest(root: catalog.root, token: token, files: files, metrics: metrics, log: log)
        metrics.describe("vod_http_requests_total", type: "counter", "Requests by route and status.")
        metrics.describe("vod_http_response_bytes_total", type: "counter", "Response body bytes by route.")
        metrics.describe("vod_http_request_duration_seconds", type: "histogram", "Time to build a response, by route.")
        metrics.gauge("vod_index_cache_hits_total", "Requests served from laid-out videos in memory.") { Double(cache.stats.hits) }
        metrics.gauge("vod_index_cache_misses_total", "Videos parsed and laid out.") { Double(cache.stats.misses) }
        metrics.gauge("vod_index_cache_entries", "Laid-out videos in memory.") { Double(cache.stats.entries) }
    }

    static let routes: Set<Substring> = ["hls", "cmaf", "dash", "hls-ts", "mp4", "api", "healthz", "metrics", "ingest"]

    static let immutable = "public, max-age=31536000, immutable"
    static let playlistCache = "public, max-age=300"

    public func reply(to request: HTTPRequest) -> HTTPReply {
        if Self.isIngest(request.head.path) { return ingest.reply(to: request) }
        return needsWorker(request.head) ? .deferred { handle(request) } : .response(handle(request))
    }

    public func bodyHandling(for head: HTTPRequestHead) -> HTTPBodyHandling {
        Self.isIngest(head.path) ? ingest.bodyHandling(for: head) : .buffer
    }

    static func isIngest(_ path: Substring) -> Bool { path == "/ingest" || path.hasPrefix("/ingest/") }

    /// Whether answering may block: the video is not laid out in memory yet (a cold
    /// parse reads the moov from disk), or the answer is a TS segment (built by reading
    /// sample data). Those go to the worker pool; hot playlists and CMAF segments do not.
    func needsWorker(_ head: HTTPRequestHead) -> Bool {
        let p = head.path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        guard p.count >= 2, ["hls", "cmaf", "dash", "hls-ts", "api"].contains(p[0]) else { return false }
        let id = p[0] == "api" ? (p.count == 3 ? p[2] : "") : p[1]
        guard MediaCatalog.isValidName(id), let sources = try? files.files(of: id) else { return false }
        if p[0] == "hls-ts" && p.last?.hasSuffix(".ts") == true { return true }
        return !cache.contains(files: sources)
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        let started = DispatchTime.now().uptimeNanoseconds
        let response = respond(request)
        let first = request.head.path.dropFirst().split(separator: "/", maxSplits: 1).first ?? ""
        let route = String(Self.routes.contains(first) ? first : "other")
        metrics.add("vod_http_requests_total", [("route", route), ("status", String(response.status))])
        metrics.add("vod_http_response_bytes_total", [("route", route)], Double(response.contentLength))
        metrics.observe("vod_http_request_duration_seconds", [("route", route)], Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        return response
    }

    func respond(_ request: HTTPRequest) -> HTTPResponse {
        let method = request.head.method
        if method == "OPTIONS" { return HTTPConditional.options() }
        guard method == "GET" || method == "HEAD" else {
            var r = HTTPResponse.text(405, "method not allowed")
            r.headers.append("Allow", "GET, HEAD, OPTIONS")
            return r
        }
        let path = request.head.path
        // Nothing encoded, no dot segments, no backslashes or empty segments: ids never need them.
        guard Self.isPlainPath(path) else { return .text(400, "malformed path") }
        let parts = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        guard !parts.contains(where: { $0 == "." || $0 == ".." }) else { return .text(400, "malformed path") }
        return HTTPConditional.apply(route(Array(parts)), to: request.head)
    }

    /// Starts with `/`; no `%`, backslash, NUL or control byte, and no empty segment (`//`).
    static func isPlainPath(_ path: Substring) -> Bool {
        var previous: UInt8 = 0
        for (i, c) in path.utf8.enumerated() {
            if i == 0 && c != 0x2F { return false }
            if c == 0x25 || c == 0x5C || c < 0x21 || c == 0x7F || (c == 0x2F && previous == 0x2F) { return false }
            previous = c
        }
        return !path.isEmpty
    }

    func route(_ p: [Substring]) -> HTTPResponse {
        switch (p.first, p.count) {
        case ("healthz", 1): return .text(200, "ok")
        case ("metrics", 1):
            var r = HTTPResponse(status: 200, body: [.bytes(Array(metrics.render().utf8))])
            r.headers.append("Content-Type", "text/plain; version=0.0.4")
            r.headers.append("Cache-Control", "no-cache")
            return r
        case ("api", 2) where p[1] == "videos": return json(catalog.videoIDs().map { ["id": $0] })
        case ("api", 3) where p[1] == "videos": return withVideo(p[2]) { describe($0, $1) }
        case ("hls", 3), ("hls", 4), ("dash", 3), ("hls-ts", 3):
            return withVideo(p[1]) { e, _ in playlist(e, p) }
        case ("cmaf", 4):
            return withVideo(p[1]) { e, _ in
                guard let track = e.set.track(named: String(p[2])) else { return .text(404, "no track \(p[2])") }
                if p[3] == "init.mp4" { return body(track.initSegment(), "video/mp4", etag: "\(e.key)|\(p[2])|init") }
                guard let n = segmentNumber(p[3], suffix: ".m4s") else { return .text(404, "not found") }
                do throws(PackagerError) { return body(try track.mediaSegment(n - 1), "video/iso.segment", etag: "\(e.key)|\(p[2])|\(n)") } catch {
                    return failure(error, video: p[1])
                }
            }
        case ("hls-ts", 4):
            return withVideo(p[1]) { e, _ in
                if p[3] == "index.m3u8" { return playlist(e, p) }
                guard let r = e.ts?.first(where: { $0.name == p[2] }) else { return .text(404, "no rendition \(p[2])") }
                guard let n = segmentNumber(p[3], suffix: ".ts") else { return .text(404, "not found") }
                do throws(PackagerError) { return body(try r.segment(n - 1), "video/mp2t", etag: "\(e.key)|ts|\(p[2])|\(n)") } catch {
                    return failure(error, video: p[1])
                }
            }
        case ("mp4", 3):
            do {
                guard let file = try self.files.files(of: p[1]).first(where: { $0.name == p[2] }) else { return .text(404, "no file \(p[2])") }
                var r = HTTPResponse(status: 200, body: [.file(path: file.path, offset: 0, length: file.size)])
                r.headers.append("Content-Type", "video/mp4")
                r.headers.append("ETag", etag("\(file.path)|\(file.size)|\(file.modified)"))
                r.headers.append("Last-Modified", HTTPDate.format(file.modified))
                r.headers.append("Cache-Control", Self.immutable)
                return r
            } catch { return lookupFailure(error) }
        default:
            return .text(404, "not found")
        }
    }

    /// A playlist made when the video was laid out (`MediaSetCache.playlists`).
    func playlist(_ e: MediaSetCache.Entry, _ p: [Substring]) -> HTTPResponse {
        let key = ([p[0]] + p.dropFirst(2)).joined(separator: "/")
        guard let made = e.playlists[key] else { return .text(404, "not found") }
        var r = HTTPResponse(status: 200, body: [.bytes(made.bytes)])
        r.headers.append("Content-Type", key.hasSuffix(".mpd") ? "application/dash+xml" : "application/vnd.apple.mpegurl")
        r.headers.append("Cache-Control", Self.playlistCache)
        r.headers.append("ETag", made.etag)
        return r
    }

    func withVideo(_ id: Substring, _ body: (MediaSetCache.Entry, [SourceFile]) -> HTTPResponse) -> HTTPResponse {
        let files: [SourceFile]
        do { files = try self.files.files(of: id) } catch { return lookupFailure(error) }
        do { return body(try cache.mediaSet(id: String(id), files: files), files) } catch { return failure(error, video: id) }
    }

    func segmentNumber(_ name: Substring, suffix: String) -> Int? {
        guard name.hasSuffix(suffix), let n = Int(name.dropLast(suffix.count)), n >= 1, String(n) + suffix == name else { return nil }
        return n
    }

    func lookupFailure(_ error: MediaCatalog.LookupError) -> HTTPResponse {
        switch error {
        case .invalidID: return .text(400, "invalid video id")
        case .notFound, .outsideRoot: return .text(404, "no such video")
        case .badManifest(let why): log("bad manifest: \(why)"); return .text(500, "the video's manifest is broken")
        }
    }

    func failure(_ error: PackagerError, video: Substring) -> HTTPResponse {
        switch error {
        case .noSuchSegment: return .text(404, "no such segment")
        case .noPlayableTrack: return .text(404, "video \(video) has no playable track")
        case .unsupportedCodec(_, let codec): log("video \(video): \(error)"); return .text(415, "video \(video): codec \(codec) cannot be packaged")
        case .unreadable, .brokenTrack: log("video \(video): \(error)"); return .text(500, "video \(video) cannot be read")
        }
    }

    func body(_ b: ResponseBody, _ type: String, etag key: String) -> HTTPResponse {
        var r = HTTPResponse(status: 200, body: b.parts.map { part in
            switch part {
            case .bytes(let bytes): return .bytes(bytes)
            case let .file(path, range): return .file(path: path, offset: range.offset, length: range.length)
            }
        })
        r.headers.append("Content-Type", type)
        r.headers.append("Cache-Control", Self.immutable)
        r.headers.append("ETag", etag(key))
        return r
    }

    /// A strong validator: SHA-256 of what identifies the bytes (source versions and URL).
    func etag(_ key: String) -> String { "\"" + SHA256.hex(Array(SHA256.hash(Array(key.utf8)).prefix(12))) + "\"" }

    func json(_ value: Any) -> HTTPResponse {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data("{}".utf8)
        var r = HTTPResponse(status: 200, body: [.bytes([UInt8](data))])
        r.headers.append("Content-Type", "application/json")
        r.headers.append("Cache-Control", "no-cache")
        return r
    }

    func describe(_ e: MediaSetCache.Entry, _ files: [SourceFile]) -> HTTPResponse {
        let tracks: [[String: Any]] = e.set.tracks.map { t in
            var d: [String: Any] = ["name": t.track.name, "type": t.track.kind.rawValue, "codec": t.track.codec, "segments": t.segmentCount,
                                    "duration": Double(t.plan.end - t.plan.start(0)) / Double(t.plan.timescale)]
            if let v = t.track.track.sampleEntry?.visual { d["width"] = Int(v.width); d["height"] = Int(v.height) }
            return d
        }
        return json(["id": e.set.name, "tracks": tracks, "files": files.map { ["name": $0.name, "bytes": $0.size] },
                     "hls": "/hls/\(e.set.name)/master.m3u8", "dash": "/dash/\(e.set.name)/manifest.mpd",
                     "hlsTS": "/hls-ts/\(e.set.name)/master.m3u8"])
    }
}
