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
    public let cache: MediaSetCache
    public let log: @Sendable (String) -> Void

    public init(catalog: MediaCatalog, cache: MediaSetCache, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.catalog = catalog
        self.cache = cache
        self.log = log
    }

    static let immutable = "public, max-age=31536000, immutable"
    static let playlistCache = "public, max-age=300"

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        let method = request.head.method
        if method == "OPTIONS" { return HTTPConditional.options() }
        guard method == "GET" || method == "HEAD" else {
            var r = HTTPResponse.text(405, "method not allowed")
            r.headers.append("Allow", "GET, HEAD, OPTIONS")
            return r
        }
        let path = request.head.path
        // Nothing encoded, no dot segments, no backslashes or empty segments: ids never need them.
        guard path.hasPrefix("/"), !path.contains("%"), !path.contains("\\"), !path.contains("//"),
              !path.utf8.contains(0) else { return .text(400, "malformed path") }
        let parts = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        guard !parts.contains(where: { $0 == "." || $0 == ".." }) else { return .text(400, "malformed path") }
        return HTTPConditional.apply(route(Array(parts)), to: request.head)
    }

    func route(_ p: [Substring]) -> HTTPResponse {
        switch (p.first, p.count) {
        case ("healthz", 1): return .text(200, "ok")
        case ("api", 2) where p[1] == "videos": return json(catalog.videoIDs().map { ["id": $0] })
        case ("api", 3) where p[1] == "videos": return withVideo(p[2]) { describe($0, $1) }
        case ("hls", 3) where p[2] == "master.m3u8":
            return withVideo(p[1]) { e, _ in text(HLSPlaylist.multivariant(e.set), "application/vnd.apple.mpegurl") }
        case ("hls", 4):
            return withVideo(p[1]) { e, _ in
                guard let track = e.set.track(named: String(p[2])) else { return .text(404, "no track \(p[2])") }
                switch p[3] {
                case "index.m3u8": return text(HLSPlaylist.media(track, video: e.set.name), "application/vnd.apple.mpegurl")
                case "iframes.m3u8" where track.track.kind == .video:
                    return text(HLSPlaylist.iFrames(track, video: e.set.name), "application/vnd.apple.mpegurl")
                default: return .text(404, "not found")
                }
            }
        case ("cmaf", 4):
            return withVideo(p[1]) { e, _ in
                guard let track = e.set.track(named: String(p[2])) else { return .text(404, "no track \(p[2])") }
                if p[3] == "init.mp4" { return body(track.initSegment(), "video/mp4", etag: "\(e.key)|\(p[2])|init") }
                guard let n = segmentNumber(p[3], suffix: ".m4s") else { return .text(404, "not found") }
                do throws(PackagerError) { return body(try track.mediaSegment(n - 1), "video/iso.segment", etag: "\(e.key)|\(p[2])|\(n)") } catch {
                    return failure(error, video: p[1])
                }
            }
        case ("dash", 3) where p[2] == "manifest.mpd":
            return withVideo(p[1]) { e, _ in text(DASHManifest.mpd(e.set), "application/dash+xml") }
        case ("hls-ts", 3) where p[2] == "master.m3u8":
            return withVideo(p[1]) { e, _ in
                guard let ts = e.ts else { return .text(404, "no MPEG-TS rendition for this video's codecs") }
                return text(TSPlaylist.multivariant(ts), "application/vnd.apple.mpegurl")
            }
        case ("hls-ts", 4):
            return withVideo(p[1]) { e, _ in
                guard let r = e.ts?.first(where: { $0.name == p[2] }) else { return .text(404, "no rendition \(p[2])") }
                if p[3] == "index.m3u8" { return text(TSPlaylist.media(r), "application/vnd.apple.mpegurl") }
                guard let n = segmentNumber(p[3], suffix: ".ts") else { return .text(404, "not found") }
                do throws(PackagerError) { return body(try r.segment(n - 1), "video/mp2t", etag: "\(e.key)|ts|\(p[2])|\(n)") } catch {
                    return failure(error, video: p[1])
                }
            }
        case ("mp4", 3):
            do {
                let files = try catalog.files(of: p[1])
                guard let file = files.first(where: { $0.name == p[2] }) else { return .text(404, "no file \(p[2])") }
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

    func withVideo(_ id: Substring, _ body: (MediaSetCache.Entry, [SourceFile]) -> HTTPResponse) -> HTTPResponse {
        let files: [SourceFile]
        do { files = try catalog.files(of: id) } catch { return lookupFailure(error) }
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

    func text(_ text: String, _ type: String) -> HTTPResponse {
        var r = HTTPResponse(status: 200, body: [.bytes(Array(text.utf8))])
        r.headers.append("Content-Type", type)
        r.headers.append("Cache-Control", Self.playlistCache)
        r.headers.append("ETag", etag(text))
        return r
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
