import Foundation
import HLSPackager
import MP4Box
import VODKit

/// Maps the URL space onto the catalog and the packager:
/// `/hls/<video>/master.m3u8`, `/hls/<video>/<track>/index.m3u8|iframes.m3u8`,
/// `/cmaf/<video>/<track>/init.mp4|<n>.m4s`, `/dash/<video>/manifest.mpd`,
/// `/hls-ts/<video>/master.m3u8`, `/hls-ts/<video>/<rendition>/index.m3u8|<n>.ts`,
/// `/mp4/<video>/<file>.mp4`, `/download/<video>/<file>`, `/subtitles/<video>/<file>`,
/// `/api/videos[/<video>]`, `/healthz`; subtitles at `/hls[-ts]/<video>/<subs>/index.m3u8|<n>.vtt`
/// and `/dash/<video>/<subs>.vtt`.
public struct OriginRouter: HTTPHandler {
    public let catalog: MediaCatalog
    let files: CatalogCache
    public let cache: MediaSetCache
    public let segments: SegmentMemoryCache
    public let log: @Sendable (String) -> Void
    public let metrics: Metrics
    let requests: RequestMetrics
    let ingest: Ingest
    /// Answers made on the loops, by request target (`AnswerCache`).
    let answers = AnswerCache()
    /// Signed-URL checks (keys nil: tokens are taken out, never checked).
    let signing: URLSigning

    /// A CMAF segment made of more file ranges than this (an interleaved source) is read as
    /// one span on a worker and sent as slices of it the first time it is asked for, then
    /// gathered into memory and kept in `segments` when asked again.
    static let maxFileRanges = 8

    /// `token` guards the ingest endpoint; empty switches ingest off.
    public init(catalog: MediaCatalog, cache: MediaSetCache, segments: SegmentMemoryCache = SegmentMemoryCache(budgetBytes: 128 << 20),
                token: String = "", signing: URLSigning = URLSigning(keys: nil, trustForwardedFor: true), metrics: Metrics = Metrics(),
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.signing = signing
        self.catalog = catalog
        files = CatalogCache(catalog: catalog)
        self.cache = cache
        self.segments = segments
        self.log = log
        self.metrics = metrics
        requests = RequestMetrics(metrics)
        ingest = Ingest(root: catalog.root, token: token, files: files, metrics: metrics, log: log)
        metrics.describe("vod_http_requests_total", type: "counter", "Requests by route and status.")
        metrics.describe("vod_http_response_bytes_total", type: "counter", "Response body bytes by route.")
        metrics.describe("vod_http_request_duration_seconds", type: "histogram", "Time to build a response, by route.")
        metrics.gauge("vod_index_cache_hits_total", "Requests served from laid-out videos in memory.") { Double(cache.stats.hits) }
        metrics.gauge("vod_index_cache_misses_total", "Videos parsed and laid out.") { Double(cache.stats.misses) }
        metrics.gauge("vod_index_cache_entries", "Laid-out videos in memory.") { Double(cache.stats.entries) }
        metrics.gauge("vod_index_cache_bytes", "Estimated memory of the laid-out videos.") { Double(cache.stats.bytes) }
        metrics.gauge("vod_segment_cache_bytes", "Bytes of built segments kept in memory.") { Double(segments.usage.bytes) }
        metrics.describe("vod_signed_url_refusals_total", type: "counter", "Requests refused for a missing, malformed, expired or wrong URL token.")
        metrics.describe("vod_thumbnails_made_total", type: "counter", "Thumbnails and sprite sheets decoded and encoded (not served from memory).")
    }

    static let immutable = "public, max-age=31536000, immutable"
    static let playlistCache = "public, max-age=300"
    /// The master playlists and MPD of a video published early (more renditions coming):
    /// caches (the edge) revalidate them every 2 s, so new sessions get the new rungs at once.
    static let partialCache = "public, max-age=2"

    /// Whether the playlist at `path` lists the video's renditions (it changes as they are added).
    static func listsRenditions(_ path: String) -> Bool { path == "hls/master.m3u8" || path == "hls-ts/master.m3u8" || path == "dash/manifest.mpd" }

    public func bodyHandling(for head: HTTPRequestHead) -> HTTPBodyHandling {
        Self.isIngest(head.path) ? ingest.bodyHandling(for: head) : .buffer
    }

    static func isIngest(_ path: Substring) -> Bool { path.utf8.starts(with: "/ingest".utf8) && (path.utf8.count == 7 || path.utf8.starts(with: "/ingest/".utf8)) }

    /// Answers from memory when it can; anything that may block (the first load of a
    /// video reads its moov, a TS segment or a gathered CMAF segment not yet built
    /// reads sample data) goes to the worker pool.
    public func reply(to request: HTTPRequest) -> HTTPReply {
        if Self.isIngest(request.head.path) { return ingest.reply(to: request) }
        // One clock for the request's duration and the answers' expiry (each reading counts here).
        let started = CatalogCache.now()
        // A token (in the path or the query) is checked and taken out before routing.
        let head: HTTPRequestHead, verified: Bool
        switch signing.admit(request.head, peer: request.peer, now: signing.keys == nil ? 0 : Int64(Date().timeIntervalSince1970)) {
        case .admit(let admitted, _, let valid): (head, verified) = (admitted, valid)
        case .refuse(let refusal):
            requests.countStatus(route: OriginTarget.route(request.head.path), refusal.status)
            metrics.add("vod_signed_url_refusals_total")
            return .response(.text(refusal.status, refusal.reason))
        }
        let route = OriginTarget.route(head.path)
        // The same request answered from memory a moment ago (its token, if any, checked above).
        let remembering = AnswerCache.serves(route) && (head.method == "GET" || head.method == "HEAD")
        // Read once: the remembered answer and a playlist made afresh both follow it.
        let gzip = AcceptEncoding.allowsGzip(head.headers["Accept-Encoding"])
        let variant = AnswerCache.Variant(gzip: gzip, verified: verified)
        let generation = files.generation
        if remembering, let known = answers.answer(head.target, variant, generation: generation, now: started) {
            return .response(finished(known, head, route: route, started: started))
        }
        // A local function, not a closure value: the requests answered here allocate no context for it.
        @Sendable func finish(_ response: HTTPResponse) -> HTTPResponse { finished(response, head, route: route, started: started) }
        /// `finish`, remembering the answer until `expires` when it is one `answers` keeps.
        func remembered(_ response: HTTPResponse, _ target: OriginTarget, until expires: Double) -> HTTPResponse {
            if remembering && AnswerCache.keeps(target, response) {
                answers.remember(head.target, variant, response, expires: expires, generation: generation)
            }
            return finish(response)
        }
        if head.method == "OPTIONS" { return .response(finish(HTTPConditional.options())) }
        // EME sends its ClearKey licence request as a POST.
        guard head.method == "GET" || head.method == "HEAD" || (head.method == "POST" && head.path.hasPrefix("/clearkey/")) else {
            var r = HTTPResponse.text(405, "method not allowed")
            r.headers.append("Allow", "GET, HEAD, OPTIONS")
            return .response(finish(r))
        }
        let target = OriginTarget(path: head.path).withQuery(head.target)
        // The list reads the media directory: on a worker.
        if case .videoList = target { return .deferred { [self] in finish(general(target)) } }
        // A download reads the manifest and stats its file: on a worker.
        if case .download(let id, let name) = target {
            return .deferred { [self] in
                do throws(MediaCatalog.LookupError) {
                    let (file, manifest) = try files.catalog.download(name, of: id)
                    let access = VideoAccess(manifest: manifest, policy: cache.protection)
                    if let refusal = access.refusal(target, video: id, verified: verified, scheme: nil) { return finish(refusal) }
                    return finish(access.marked(download(file), target))
                } catch {
                    return finish(failure(error, video: id))
                }
            }
        }
        guard let id = target.video else { return .response(finish(general(target))) }
        // A video whose files are remembered and whose layout is cached is answered here;
        // anything that reads the disk (catalog lookup, first load, a segment to build) on a worker.
        if let (known, expires) = files.rememberedUntil(id) {
            switch known {
            case .failure(let error): return .response(remembered(failure(error, video: id), target, until: expires))
            case .success(let video):
                if let entry = cache.cached(video) {
                    let access = VideoAccess(entry)
                    if let refusal = access.refusal(target, video: id, verified: verified, scheme: entry.set.protection?.scheme) {
                        return .response(remembered(refusal, target, until: expires))
                    }
                    if case .mp4(_, let name) = target { return .response(finish(access.marked(mp4(video, name), target))) }
                    if case .cueFile(_, let name) = target { return .response(finish(access.marked(cueFile(video, name), target))) }
                    if let response = answer(target, entry, gzip: gzip, mayBlock: false) {
                        return .response(remembered(access.marked(response, target), target, until: expires))
                    }
                }
            }
        }
        return .deferred { [self] in
            let video: VideoFiles
            do throws(MediaCatalog.LookupError) { video = try files.files(of: id) } catch { return finish(failure(error, video: id)) }
            // Whole files are sent whatever their codecs (no layout needed): their manifest decides access.
            if case .mp4(_, let name) = target { return finish(whole(video, target, verified) { mp4(video, name) }) }
            if case .cueFile(_, let name) = target { return finish(whole(video, target, verified) { cueFile(video, name) }) }
            do throws(PackagerError) {
                let entry = try cache.mediaSet(id: String(id), video: video)
                let access = VideoAccess(entry)
                if let refusal = access.refusal(target, video: id, verified: verified, scheme: entry.set.protection?.scheme) { return finish(refusal) }
                return finish(access.marked(answer(target, entry, gzip: gzip, mayBlock: true) ?? .text(500, "no answer"), target))
            } catch {
                return finish(failure(error, video: id))
            }
        }
    }

    /// The response as sent for `head`: conditional and range requests applied, CORS, a
    /// download's file name; counted in the metrics under `route`.
    func finished(_ response: HTTPResponse, _ head: HTTPRequestHead, route: String, started: Double) -> HTTPResponse {
        var result = HTTPConditional.apply(response, to: head)
        if result.status < 300, let disposition = HTTPPath.downloadDisposition(target: head.target, path: head.path) {
            result.headers.append("Content-Disposition", disposition)
        }
        requests.record(route: route, status: result.status, bytes: result.contentLength,
                        seconds: max(0, CatalogCache.now() - started))
        return result
    }

    /// A whole file of a video, if its manifest allows this request to have it (on a worker).
    func whole(_ video: VideoFiles, _ target: OriginTarget, _ verified: Bool, _ make: () -> HTTPResponse) -> HTTPResponse {
        let access = VideoAccess(manifest: video.manifest, policy: cache.protection)
        if let refusal = access.refusal(target, video: target.video ?? "", verified: verified, scheme: nil) { return refusal }
        return access.marked(make(), target)
    }

    func general(_ target: OriginTarget) -> HTTPResponse {
        switch target {
        case .health: return .text(200, "ok")
        case .metrics:
            var r = HTTPResponse(status: 200, body: [.bytes(Array(metrics.render().utf8))])
            r.headers.append("Content-Type", "text/plain; version=0.0.4")
            r.headers.append("Cache-Control", "no-cache")
            return r
        case .videoList: return json(catalog.videoIDs().map(VideoListEntry.init))
        case .malformed: return .text(400, "malformed path")
        default: return .text(404, "not found")
        }
    }

    /// The response for a target of a laid-out video (playlists gzip-coded when `gzip`: the client
    /// takes it); nil when making it would block and `mayBlock` is false.
    func answer(_ target: OriginTarget, _ e: MediaSetCache.Entry, gzip: Bool, mayBlock: Bool) -> HTTPResponse? {
        do throws(PackagerError) {
            switch target {
            case .videoInfo: return describe(e)
            case .videoManifest:
                guard let bytes = e.manifestBytes else { return .text(404, "video \(e.set.name) has no manifest") }
                var r = HTTPResponse(status: 200, body: [.bytes(bytes)])
                r.headers.append("Content-Type", "application/json")
                r.headers.append("Cache-Control", "no-cache")
                return r
            case .playlist(_, let path):
                guard mayBlock || e.hasPlaylist(path) else { return nil }
                return playlist(e, path, gzip: gzip)
            case .cmafInit(_, let name):
                guard let track = e.set.track(named: String(name)) else { return .text(404, "no track \(name)") }
                if let p = e.set.protection { return body(try track.initSegment(protection: p), "video/mp4", etag: "\(e.key)|\(name)|init|\(protectionTag(p))") }
                return body(track.initSegment(), "video/mp4", etag: "\(e.key)|\(name)|init")
            case .cmafSegment(_, let name, let n):
                guard let track = e.set.track(named: String(name)) else { return .text(404, "no track \(name)") }
                // Encrypted while cut, on a worker; kept in memory like a gathered segment.
                if let p = e.set.protection {
                    return try gathered("\(e.key)|\(name)|\(n)|\(protectionTag(p))", "video/iso.segment", mayBlock: mayBlock) { () throws(PackagerError) in
                        try track.mediaSegment(n - 1, protection: p, set: e.set.name)
                    }
                }
                // One file range (the transcoder's layout): the response made for it before.
                if let made = e.response(track: name, segment: n) { return made }
                let etag = "\(e.key)|\(name)|\(n)"
                // Gathered before: sent from memory without describing the segment again.
                if let kept = segments.get(etag) { return sent(kept, "video/iso.segment", etag: etag) }
                let segment = try track.mediaSegment(n - 1)
                let ranges = segment.parts.count { if case .file = $0 { true } else { false } }
                if ranges <= Self.maxFileRanges {
                    let made = body(segment, "video/iso.segment", etag: etag, sources: e.sources)
                    e.remember(made, track: name, segment: n)
                    return made
                }
                // An interleaved source: sent from its file mapped (mapped on a worker the first
                // time), on the event loop unless asked before: then gathered into memory on a
                // worker (a copy of all its bytes; the ask is counted once, here). Else read from
                // the disk, so on a worker: asked before, gathered and kept; else its span read
                // once and sent in pieces.
                if !mayBlock, let pieces = e.sources.pieces(segment) {
                    return segments.askedBefore(etag) ? nil : sliced(pieces, "video/iso.segment", etag: etag)
                }
                guard mayBlock else { return nil }
                if let pieces = e.sources.pieces(segment) { return mapped(pieces, "video/iso.segment", etag: etag) }
                e.sources.map(for: segment)
                if let pieces = e.sources.pieces(segment) { return mapped(pieces, "video/iso.segment", etag: etag) }
                if segments.askedBefore(etag) { return try gathered(etag, "video/iso.segment", mayBlock: true) { () throws(PackagerError) in segment } }
                return try spanned(segment, "video/iso.segment", etag: etag)
            case .view(let kind, let value, let inner):
                guard let view = VideoView(kind: kind, value: value) else { return .text(400, VideoView.malformed(kind: kind, value: value)) }
                guard mayBlock || e.hasView(view) else { return nil }
                guard let derived = try e.derived(view) else {
                    return .text(404, kind == "clip" ? "clip \(value) starts after video \(e.set.name) ends" : "video \(e.set.name) has no tracks \(kind)/\(value)")
                }
                return answer(inner, derived, gzip: gzip, mayBlock: mayBlock)
            case .thumbnail(_, let ms, let width): return thumbnail(e, at: ms, width: width, mayBlock: mayBlock)
            case .progressive:
                guard mayBlock else { return nil }  // walks every segment's samples
                return body(try ProgressiveFile.body(e.set), "video/mp4", etag: "\(e.key)|progressive", sources: e.sources)
            case .sprites: return sprites(e)
            case .key(_, let file): return key(e, file: file)
            case .clearKey: return clearKey(e)
            case .spriteSheet(_, let k): return spriteSheet(e, k, mayBlock: mayBlock)
            case .tsSegment(_, let name, let n):
                guard mayBlock || e.hasTS else { return nil }
                guard let r = try e.ts().first(where: { $0.name == name }) else { return .text(404, "no rendition \(name)") }
                if let p = e.set.protection {
                    return try gathered("\(e.key)|ts|\(name)|\(n)|\(protectionTag(p))", "video/mp2t", mayBlock: mayBlock) { () throws(PackagerError) in
                        let segment = try r.segment(n - 1)
                        let clear: [UInt8]
                        do throws(MP4Error) { clear = try segment.materialize() } catch { throw .unreadable(file: e.set.name, error) }
                        return ResponseBody(try SegmentedTrack.sealed(clear, p, iv: p.segmentIV(set: e.set.name, track: "ts-" + r.name, segment: n - 1), file: e.set.name))
                    }
                }
                return try gathered("\(e.key)|ts|\(name)|\(n)", "video/mp2t", mayBlock: mayBlock) { () throws(PackagerError) in try r.segment(n - 1) }
            default: return general(target)
            }
        } catch {
            return failure(error, video: target.video ?? "")
        }
    }

    /// A segment kept whole in memory (`segments`), built on a worker the first time.
    func gathered(_ key: String, _ type: String, mayBlock: Bool, _ make: () throws(PackagerError) -> ResponseBody) throws(PackagerError) -> HTTPResponse? {
        if let kept = segments.get(key) { return sent(kept, type, etag: key) }
        guard mayBlock else { return nil }
        let pieces = try self.pieces(of: try make())
        if let kept = segments.put(key, pieces: pieces) { return sent(kept, type, etag: key) }
        return sliced(pieces, type, etag: key)
    }

    /// A segment of many ranges sent from its files mapped: asked before, copied once into
    /// memory and kept (then sent with `sendfile`, which does not copy again); else its pieces
    /// sent with one `sendmsg`.
    func mapped(_ pieces: [MemoryBytes], _ type: String, etag key: String) -> HTTPResponse {
        if segments.askedBefore(key), let kept = segments.put(key, pieces: pieces) { return sent(kept, type, etag: key) }
        return sliced(pieces, type, etag: key)
    }

    /// A segment made of many ranges of one file (an interleaved source) with its span read
    /// at once and its ranges sent as pieces of that buffer: one read and one `writev`
    /// instead of a `sendfile` a frame.
    func spanned(_ segment: ResponseBody, _ type: String, etag key: String) throws(PackagerError) -> HTTPResponse {
        sliced(try pieces(of: segment), type, etag: key)
    }

    /// The bytes of `segment` in order, as slices of what was read (`ResponseBody.pieces`).
    func pieces(of segment: ResponseBody) throws(PackagerError) -> [MemoryBytes] {
        do throws(MP4Error) { return try segment.pieces().map { .array($0) } } catch {
            let file = segment.parts.lazy.compactMap { if case .file(let path, _) = $0 { path } else { nil } }.first
            throw .unreadable(file: file ?? "", error)
        }
    }

    func sliced(_ pieces: [MemoryBytes], _ type: String, etag key: String) -> HTTPResponse {
        segmentResponse(pieces.map { .memory($0) }, type, etag: key)
    }

    /// A response sent from a segment kept in memory (`sendfile` from its memory file).
    func sent(_ kept: SegmentMemoryCache.Kept, _ type: String, etag key: String) -> HTTPResponse {
        segmentResponse([.openFile(kept.file, offset: 0, length: kept.length)], type, etag: key)
    }

    /// A segment's 200: immutable, validated by what identifies its bytes.
    func segmentResponse(_ body: [HTTPResponse.Part], _ type: String, etag key: String) -> HTTPResponse {
        var r = HTTPResponse(status: 200, body: body)
        r.headers.append("Content-Type", type)
        r.headers.append("Cache-Control", Self.immutable)
        r.headers.append("ETag", etag(key))
        return r
    }

    func mp4(_ video: VideoFiles, _ name: Substring) -> HTTPResponse {
        guard let file = video.files.first(where: { $0.name == name && $0.role != .subtitle }) else { return .text(404, "no file \(name)") }
        return wholeFile(file, type: Self.progressiveType(file.name))
    }

    /// A cue file as stored (it may be replaced through ingest: revalidated, not immutable).
    func cueFile(_ video: VideoFiles, _ name: Substring) -> HTTPResponse {
        guard let file = video.files.first(where: { $0.name == name && $0.role == .subtitle }) else { return .text(404, "no cue file \(name)") }
        return wholeFile(file, type: name.hasSuffix(".srt") ? "application/x-subrip; charset=utf-8" : "text/vtt; charset=utf-8", cache: Self.playlistCache)
    }

    /// A download version (`finish` makes it an attachment under its own name).
    func download(_ file: SourceFile) -> HTTPResponse {
        wholeFile(file, type: DownloadFormat(fileName: file.name)?.contentType ?? "application/octet-stream")
    }

    /// A file sent as it is (ranges answered by `finish`), immutable unless said, versioned by its path, size and mtime.
    func wholeFile(_ file: SourceFile, type: String, cache: String = Self.immutable) -> HTTPResponse {
        var r = HTTPResponse(status: 200, body: [.file(path: file.path, offset: 0, length: file.size)])
        r.headers.append("Content-Type", type)
        r.headers.append("ETag", etag("\(file.path)|\(file.size)|\(file.modified)"))
        r.headers.append("Last-Modified", HTTPDate.format(file.modified))
        r.headers.append("Cache-Control", cache)
        return r
    }

    /// The media type of a file sent whole, by its extension.
    static func progressiveType(_ name: String) -> String {
        switch name.split(separator: ".").last?.lowercased() {
        case "mov": return "video/quicktime"
        case "m4a": return "audio/mp4"
        case "3gp": return "video/3gpp"
        case "3g2": return "video/3gpp2"
        default: return "video/mp4"
        }
    }

    /// A playlist, gzip-coded when `gzip` (the client accepts it) and it has a coded form.
    /// Every playlist response says it varies with `Accept-Encoding`, so caches keep the two apart.
    func playlist(_ e: MediaSetCache.Entry, _ path: String, gzip: Bool) -> HTTPResponse {
        guard let made = e.playlist(path) else { return .text(404, "not found") }
        let coded = gzip ? made.gzipped : nil
        var r = HTTPResponse(status: 200, body: [coded.map { .bytes($0) } ?? made.file.map { .openFile($0, offset: 0, length: Int64(made.bytes.count)) } ?? .bytes(made.bytes)])
        r.headers.append("Content-Type", path.hasSuffix(".mpd") ? "application/dash+xml" : path.hasSuffix(".vtt") ? "text/vtt; charset=utf-8" : "application/vnd.apple.mpegurl")
        r.headers.append("Cache-Control", e.manifest?.isPartial == true && Self.listsRenditions(path) ? Self.partialCache : Self.playlistCache)
        r.headers.append("ETag", coded == nil ? made.etag : made.gzipETag)
        if coded != nil { r.headers.append("Content-Encoding", "gzip") }
        r.headers.append("Vary", "Accept-Encoding")
        return r
    }

    /// The answer for any error met while serving `video` (each error type says its status);
    /// server faults (a broken manifest, an unreadable file) are logged, client mistakes not.
    func failure(_ error: some HTTPResponseError, video: Substring) -> HTTPResponse {
        if error.isServerFault || error.status == 415 { log("video \(video): \(error)") }
        return HTTPResponse(error: error)
    }

    /// `b` sent as it is: its bytes with `writev`, its file ranges with `sendfile` (from the
    /// descriptors `sources` holds, when given).
    func body(_ b: ResponseBody, _ type: String, etag key: String, sources: HeldSourceFiles? = nil) -> HTTPResponse {
        segmentResponse(b.parts.map { part in
            switch part {
            case .bytes(let bytes): return .bytes(bytes)
            case let .file(path, range): return sources?.part(path, range) ?? .file(path: path, offset: range.offset, length: range.length)
            }
        }, type, etag: key)
    }

    /// What names a protection in cache keys and ETags: scheme and key id.
    func protectionTag(_ p: Protection) -> String { p.scheme.rawValue + "-" + p.key.idHex }

    /// A strong validator: SHA-256 of what identifies the bytes (source versions and URL).
    func etag(_ key: String) -> String { "\"" + SHA256.hex(Array(SHA256.hash(Array(key.utf8)).prefix(12))) + "\"" }

    func json<T: Encodable>(_ value: T) -> HTTPResponse {
        var r = HTTPResponse(status: 200, body: [.bytes(APIJSON.encode(value))])
        r.headers.append("Content-Type", "application/json")
        r.headers.append("Cache-Control", "no-cache")
        return r
    }

    func describe(_ e: MediaSetCache.Entry) -> HTTPResponse {
        let tracks = e.set.tracks.map { t in
            let visual = t.track.track.sampleEntry?.visual
            let audio = t.track.kind == .audio
            return VideoDescription.Track(name: t.track.name, type: t.track.kind.rawValue, codec: t.track.codec, segments: t.segmentCount,
                                          duration: Double(t.plan.end - t.plan.start(0)) / Double(t.plan.timescale),
                                          width: visual.map { Int($0.width) }, height: visual.map { Int($0.height) },
                                          language: audio ? Language.tag(t.track.track.language) : nil,
                                          channels: audio ? t.track.track.sampleEntry?.channelCount.map { Int($0) } : nil,
                                          label: audio ? HLSPlaylist.audioName(t, in: e.set) : nil)
        }
        let subtitles = e.set.subtitles.map { t in
            VideoDescription.Subtitle(name: t.name, language: t.language, label: HLSPlaylist.subtitleName(t, among: e.set.subtitles),
                                      forced: t.forced, cues: t.cues.count, video: e.set.name)
        }
        let media = e.files.filter { $0.role != .subtitle }, cueFiles = e.files.filter { $0.role == .subtitle }
        let skipped = e.set.skipped.map { VideoDescription.Skipped(track: Int($0.id), type: $0.type, codec: $0.codec, reason: $0.reason) }
        return json(VideoDescription(id: e.set.name, title: e.title, tracks: tracks, skipped: skipped,
                                     files: media.map { .init(name: $0.name, bytes: $0.size) }, hasManifest: e.manifestBytes != nil,
                                     downloads: (e.manifest?.downloads ?? []).map(\.file), subtitles: subtitles,
                                     subtitleFiles: cueFiles.map { .init(name: $0.name, bytes: $0.size) }))
    }
}
