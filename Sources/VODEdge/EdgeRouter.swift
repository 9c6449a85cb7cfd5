import Foundation
import VODKit

/// The edge's request handling: answers from the disk cache when it can, else
/// fetches from the origins (one fetch per object however many ask at once) on a
/// worker pool, stores what may be stored, and serves stale copies when every
/// origin fails.
public final class EdgeRouter: HTTPHandler, @unchecked Sendable {
    public let store: CacheStore
    public let origins: OriginSet
    let config: EdgeConfig
    let metrics: Metrics
    let log: @Sendable (String) -> Void
    let pool: WorkerPool
    let catalog: CatalogAggregator
    private let lock = NSLock()
    /// Fetches under way: object key → who waits for it, and the streaming response once
    /// the origin's head is in (later requests for the key get it at once).
    private var inflight: [String: (waiters: [@Sendable (Fetched) -> Void], streaming: Fetched?)] = [:]

    /// What a fetch produced, for every request that waited for it.
    enum Fetched: Sendable {
        case object(CacheStore.Object, state: CacheState)
        /// Not stored (`no-store`, or the cache cannot be written): the body itself.
        case passed(status: Int, headers: [[String]], body: [UInt8])
        /// Being written to the cache as it arrives: sent to players as the bytes land.
        /// `collapsed`: this request joined another's fetch (a hit on a busy object, RFC 9211 `collapsed`).
        case streaming(status: Int, headers: [[String]], file: GrowingFile, length: Int64, collapsed: Bool)
        case failed(status: Int, reason: String)
    }

    enum CacheState: String, Sendable { case hit = "HIT", miss = "MISS", stale = "STALE", revalidated = "REVALIDATED" }

    /// Origin headers that the edge sets itself (or that describe one connection), never stored.
    static let hopHeaders: Set<String> = ["date", "server", "content-length", "connection", "keep-alive", "transfer-encoding", "accept-ranges",
                                          "content-range", "access-control-allow-origin", "access-control-expose-headers", "age", "via",
                                          "x-cache", "cache-status"]

    public init(config: EdgeConfig, store: CacheStore, origins: OriginSet, metrics: Metrics, log: @escaping @Sendable (String) -> Void) {
        self.config = config
        self.store = store
        self.origins = origins
        self.metrics = metrics
        self.log = log
        pool = WorkerPool(threads: config.workers)
        catalog = CatalogAggregator(origins: origins)
        metrics.describe("vod_edge_requests_total", type: "counter", "Requests by cache result (hit, miss, stale, revalidated, passed, error).")
        metrics.describe("vod_edge_bytes_total", type: "counter", "Body bytes by source (cache, origin).")
        metrics.describe("vod_edge_coalesced_total", type: "counter", "Requests that waited for another request's origin fetch.")
        metrics.gauge("vod_edge_cache_bytes", "Bytes of cached objects on disk.") { Double(store.usage.bytes) }
        metrics.gauge("vod_edge_cache_objects", "Cached objects on disk.") { Double(store.usage.objects) }
        metrics.gauge("vod_edge_cache_evictions_total", "Objects evicted to stay under budget.") { Double(store.evictions) }
        metrics.gauge("vod_edge_cache_write_errors_total", "Objects that could not be written (disk full, read-only).") { Double(store.writeErrors) }
        metrics.gauge("vod_edge_cache_writable", "1 while the cache directory takes writes.") { store.writable ? 1 : 0 }
        for (index, upstream) in origins.upstreams.enumerated() {
            metrics.gauge("vod_edge_origin_up_\(index)", "1 while origin \(upstream) is not marked down.") { origins.health[index].up ? 1 : 0 }
            metrics.gauge("vod_edge_origin_errors_\(index)", "Failed fetches from origin \(upstream).") { Double(origins.health[index].errors) }
        }
    }

    public func reply(to request: HTTPRequest) -> HTTPReply {
        let head = request.head
        let path = head.path
        switch (head.method, path) {
        case ("OPTIONS", _): return .response(HTTPConditional.options())
        case ("PURGE", _): return .response(purge(head, key: key(head)))
        case ("DELETE", _) where path.hasPrefix("/cache/"): return .response(purge(head, key: String(path.dropFirst(6))))
        case (_, "/healthz"): return .response(.text(200, "ok"))
        case (_, "/metrics"):
            var r = HTTPResponse(status: 200, body: [.bytes(Array(metrics.render().utf8))])
            r.headers.append("Content-Type", "text/plain; version=0.0.4")
            return .response(r)
        case ("GET", "/"), ("HEAD", "/"):
            var r = HTTPResponse(status: 200, body: [.bytes(Array(Page.html(jobsURL: config.jobsURL).utf8))])
            r.headers.append("Content-Type", "text/html; charset=utf-8")
            r.headers.append("Cache-Control", "no-cache")
            return .response(r)
        case ("GET", "/api/catalog"), ("HEAD", "/api/catalog"):
            return .deferred { [catalog] in
                var r = HTTPResponse(status: 200, body: [.bytes(catalog.json())])
                r.headers.append("Content-Type", "application/json")
                r.headers.append("Cache-Control", "no-cache")
                return HTTPConditional.apply(r, to: head)
            }
        case ("GET", _) where path.hasPrefix("/static/"), ("HEAD", _) where path.hasPrefix("/static/"):
            return .response(HTTPConditional.apply(staticFile(String(path.dropFirst(8))), to: head))
        case ("GET", _), ("HEAD", _): break
        default:
            var r = HTTPResponse.text(405, "method not allowed")
            r.headers.append("Allow", "GET, HEAD, OPTIONS, PURGE")
            return .response(r)
        }
        guard HTTPPath.isPlain(path) else { return .response(.text(400, "malformed path")) }
        let key = key(head)
        let now = Date().timeIntervalSince1970
        if let object = store.lookup(key) {
            if object.isFresh(now: now) && object.verified { return .response(serve(.object(object, state: .hit), head)) }
            return .later { [self] respond in
                pool.submit { [self] in
                    // Written by an earlier run: check it once; expired: ask the origin whether it changed.
                    if object.isFresh(now: now), store.verify(object) { return respond(serve(.object(object, state: .hit), head)) }
                    fetch(key, head, stale: store.lookup(key)) { respond(self.serve($0, head)) }
                }
            }
        }
        return .later { [self] respond in fetch(key, head, stale: nil) { respond(self.serve($0, head)) } }
    }

    /// A file of the static directory (the player library); nothing outside it.
    func staticFile(_ name: String) -> HTTPResponse {
        guard HTTPPath.isPlain(Substring("/" + name)), let root = realpath(config.staticDir, nil) else { return .text(404, "not found") }
        defer { free(root) }
        guard let resolved = realpath("\(config.staticDir)/\(name)", nil) else { return .text(404, "not found") }
        defer { free(resolved) }
        let path = String(cString: resolved)
        var st = stat()
        guard path.hasPrefix(String(cString: root) + "/"), stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return .text(404, "not found") }
        let types = ["js": "application/javascript", "css": "text/css", "html": "text/html; charset=utf-8", "woff": "font/woff", "woff2": "font/woff2",
                     "svg": "image/svg+xml", "json": "application/json", "png": "image/png"]
        var r = HTTPResponse(status: 200, body: [.file(path: path, offset: 0, length: Int64(st.st_size))])
        r.headers.append("Content-Type", types[(path as NSString).pathExtension] ?? "application/octet-stream")
        r.headers.append("Cache-Control", "public, max-age=3600")
        return r
    }

    func key(_ head: HTTPRequestHead) -> String { config.keyIncludesQuery ? head.target : String(head.path) }

    /// Joins the fetch of `key` under way (getting its bytes as they arrive, if they
    /// are already flowing), or starts one on the pool.
    func fetch(_ key: String, _ head: HTTPRequestHead, stale: CacheStore.Object?, then done: @escaping @Sendable (Fetched) -> Void) {
        let (leader, streaming) = lock.withLock { () -> (Bool, Fetched?) in
            guard let running = inflight[key] else {
                inflight[key] = ([done], nil)
                return (true, nil)
            }
            if let streaming = running.streaming { return (false, streaming) }
            inflight[key]!.waiters.append(done)
            return (false, nil)
        }
        guard leader else {
            metrics.add("vod_edge_coalesced_total")
            if case .streaming(let status, let headers, let file, let length, _)? = streaming {
                done(.streaming(status: status, headers: headers, file: file, length: length, collapsed: true))
            }
            return
        }
        pool.submit { [self] in
            // The key is what is asked of the origins: the path, with the query when it is part of the key.
            let result = fetchFromOrigins(key, target: key, stale: stale)
            let waiters = lock.withLock { inflight.removeValue(forKey: key)?.waiters ?? [] }
            waiters.forEach { $0(result) }
        }
    }

    /// Answers everyone waiting for `key` with the streaming response; later joiners get it too.
    private func publish(_ key: String, _ streaming: Fetched) {
        let waiters = lock.withLock { () -> [@Sendable (Fetched) -> Void] in
            let waiting = inflight[key]?.waiters ?? []
            inflight[key] = ([], streaming)
            return waiting
        }
        guard case .streaming(let status, let headers, let file, let length, _) = streaming else { return }
        // The first waiter is the request that started the fetch; the others joined it.
        for (i, waiter) in waiters.enumerated() { waiter(.streaming(status: status, headers: headers, file: file, length: length, collapsed: i > 0)) }
    }

    func fetchFromOrigins(_ key: String, target: String, stale: CacheStore.Object?) -> Fetched {
        let video = HTTPPath.video(Substring(target).prefix { $0 != "?" }).map(String.init) ?? target
        var headers: [(String, String)] = []
        if let stale, let etag = stale.headers.first(where: { $0.first?.lowercased() == "etag" })?.last { headers.append(("If-None-Match", etag)) }
        let outcome = origins.fetch(target, video: video, headers: headers, log: log) { connection, head, notFoundBody -> Fetched in
            if head.status == 304, let stale { return .object(store.refresh(stale), state: .revalidated) }
            let kept = head.headers.fields.filter { !Self.hopHeaders.contains($0.name.lowercased()) }.map { [$0.name, $0.value] }
            let policy = CachePolicy(cacheControl: head.headers["Cache-Control"], status: head.status, notFoundSeconds: config.notFoundSeconds)
            if notFoundBody == nil, head.status == 200, policy.storable, let length = head.contentLength,
               let writer = length > store.maxObjectBytes ? store.beginPassThrough(key: key, status: 200, headers: kept, length: length)
                                                           : store.begin(key: key, status: 200, headers: kept, length: length, freshFor: policy.freshFor) {
                // Players get the bytes as they land; the object is indexed once whole and checked.
                publish(key, .streaming(status: 200, headers: kept, file: writer.file, length: length, collapsed: false))
                do { try connection.readBody(length: length) { try writer.write($0) } } catch {
                    writer.abort()
                    throw error
                }
                metrics.add("vod_edge_bytes_total", [("source", "origin")], Double(length))
                guard let object = writer.commit() else { return .streaming(status: 200, headers: kept, file: writer.file, length: length, collapsed: true) }
                return .object(object, state: .miss)
            }
            let body = try notFoundBody ?? connection.readWholeBody(head)
            metrics.add("vod_edge_bytes_total", [("source", "origin")], Double(body.count))
            if policy.storable, let object = store.store(key: key, status: head.status, headers: kept, body: body, freshFor: policy.freshFor) {
                return .object(object, state: .miss)
            }
            return .passed(status: head.status, headers: kept, body: body)
        }
        switch outcome {
        case .success(let fetched): return fetched
        case .failure(.allFailed(let reasons, let timedOut)):
            let now = Date().timeIntervalSince1970
            if let stale, stale.age(now: now) < stale.freshFor + config.staleIfErrorSeconds, stale.verified || store.verify(stale) {
                log("every origin failed for \(target), serving a stale copy: \(reasons.joined(separator: "; "))")
                return .object(stale, state: .stale)
            }
            log("every origin failed for \(target): \(reasons.joined(separator: "; "))")
            return .failed(status: timedOut ? 504 : 502, reason: reasons.joined(separator: "; "))
        }
    }

    /// The player's response, with `Age`, `Via`, `X-Cache` and `Cache-Status`.
    func serve(_ fetched: Fetched, _ head: HTTPRequestHead) -> HTTPResponse {
        var response: HTTPResponse
        let state: String
        switch fetched {
        case .object(let object, let s):
            response = HTTPResponse(status: object.status, headers: HTTPHeaders(object.headers.map { ($0[0], $0[1]) }),
                                    body: [.file(path: object.path, offset: Int64(CacheStore.headerSize), length: object.length)])
            response.headers.append("Age", String(Int(object.age(now: Date().timeIntervalSince1970))))
            state = s.rawValue
            metrics.add("vod_edge_bytes_total", [("source", "cache")], s == .miss ? 0 : Double(object.length))
        case .passed(let status, let headers, let body):
            response = HTTPResponse(status: status, headers: HTTPHeaders(headers.map { ($0[0], $0[1]) }), body: [.bytes(body)])
            state = "MISS"
        case .streaming(let status, let headers, let file, let length, let collapsed):
            response = HTTPResponse(status: status, headers: HTTPHeaders(headers.map { ($0[0], $0[1]) }),
                                    body: [.growing(file, offset: Int64(CacheStore.headerSize), length: length)])
            response.headers.append("Age", "0")
            state = collapsed ? "HIT" : "MISS"
        case .failed(let status, let reason):
            response = .text(status, "no origin could serve this: \(reason)")
            state = "ERROR"
        }
        response.headers.append("Via", "1.1 vod-edge")
        response.headers.append("X-Cache", state == "REVALIDATED" ? "HIT" : state)
        response.headers.append("Cache-Status", Self.cacheStatus(state, fetched))
        metrics.add("vod_edge_requests_total", [("cache", state.lowercased())])
        return HTTPConditional.apply(response, to: head)
    }

    /// RFC 9211: `vod-edge; hit`, `vod-edge; fwd=miss; stored`, …
    static func cacheStatus(_ state: String, _ fetched: Fetched) -> String {
        switch (state, fetched) {
        case ("HIT", .streaming): return "vod-edge; hit; collapsed"
        case ("HIT", _): return "vod-edge; hit"
        case ("REVALIDATED", _): return "vod-edge; fwd=stale; fwd-status=304"
        case ("STALE", _): return "vod-edge; hit; detail=stale-if-error"
        case ("MISS", .object), ("MISS", .streaming): return "vod-edge; fwd=miss; stored"
        case ("MISS", _): return "vod-edge; fwd=miss"
        default: return "vod-edge; fwd=miss; detail=origin-error"
        }
    }

    /// `PURGE /<path>` or `DELETE /cache/<path>`: one object; `…/videos/<video>` (no other
    /// path has that shape): every object of the video.
    func purge(_ head: HTTPRequestHead, key: String) -> HTTPResponse {
        guard !config.token.isEmpty else { return .text(403, "purging is disabled (no token configured)") }
        guard BearerToken.presented(in: head.headers, equals: config.token) else { return .text(401, "a valid bearer token is required") }
        let parts = key.split(separator: "/")
        if parts.count == 2 && parts[0] == "videos" {
            let video = parts[1]
            let n = store.removeAll { HTTPPath.video(Substring($0).prefix { $0 != "?" }) == video }
            log("purged \(n) objects of video \(video)")
            return .text(200, "purged \(n) objects")
        }
        guard store.lookup(key) != nil else { return .text(404, "not cached") }
        store.remove(key)
        log("purged \(key)")
        return .text(200, "purged")
    }
}
