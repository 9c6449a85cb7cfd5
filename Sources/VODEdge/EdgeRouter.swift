import Synchronization
import Foundation
import VODKit

/// The edge's request handling: answers from the disk cache when it can, else
/// fetches from the origins (one fetch per object however many ask at once) on a
/// worker pool, stores what may be stored, and serves stale copies when every
/// origin fails.
public final class EdgeRouter: HTTPHandler, Sendable {
    public let store: CacheStore
    public let origins: OriginSet
    let config: EdgeConfig
    let metrics: Metrics
    let log: @Sendable (String) -> Void
    let pool: WorkerPool
    let catalog: CatalogAggregator
    let transcoders: TranscoderProxy
    let signing: URLSigning

    /// What a fetch from an origin carries besides the path: the request's URL token (the
    /// origin checks it too) and the client's address (for tokens bound to one).
    struct Upstream: Sendable {
        let token: Substring?
        let client: String
        func target(_ key: String) -> String { token.map { "/t/\($0)" + key } ?? key }
    }
    /// Fetches under way by object key, and how many were started (each one's id).
    private let inflight = Mutex<(byKey: [String: Flight], started: UInt64)>(([:], 0))

    /// One fetch under way: who waits for it, and the streaming response once the origin's
    /// head is in (later requests for the key get it at once).
    private struct Flight {
        let id: UInt64
        var waiters: [@Sendable (Fetched) -> Void]
        var streaming: Fetched?
    }

    /// What a fetch produced, for every request that waited for it.
    enum Fetched: Sendable {
        case object(CacheStore.Object, state: CacheState)
        /// Not stored, read whole: a 404 (at most `OriginSet.maxNotFoundBody`) or a response without a body.
        case passed(status: Int, headers: [[String]], body: [UInt8])
        /// Not stored (`no-store`, not a 200, no length, a head too large to store, a cache that
        /// cannot take it): streamed from the origin to one request through a fixed buffer.
        case piped(status: Int, headers: [[String]], pipe: BodyPipe)
        /// This request joined a fetch whose response went to another request alone (piped): it fetches on its own.
        case alone
        /// Being written to the cache as it arrives: sent to players as the bytes land.
        /// `collapsed`: this request joined another's fetch (a hit on a busy object, RFC 9211 `collapsed`).
        case streaming(status: Int, headers: [[String]], file: GrowingFile, length: Int64, collapsed: Bool)
        case failed(status: Int, reason: String)
    }

    enum CacheState: String, Sendable { case hit = "HIT", miss = "MISS", stale = "STALE", revalidated = "REVALIDATED" }

    /// Origin headers that the edge sets itself (or that describe one connection, or one
    /// request, as `Content-Disposition` for `?download=1`), never stored.
    static let hopHeaders: Set<String> = ["date", "server", "content-length", "connection", "keep-alive", "transfer-encoding", "accept-ranges",
                                          "content-range", "access-control-allow-origin", "access-control-expose-headers", "age", "via",
                                          "x-cache", "cache-status", "content-disposition"]

    public init(config: EdgeConfig, store: CacheStore, origins: OriginSet, metrics: Metrics, signingKeys: SigningKeys? = nil,
                log: @escaping @Sendable (String) -> Void) {
        self.config = config
        signing = URLSigning(keys: signingKeys, trustForwardedFor: config.trustForwardedFor)
        self.store = store
        self.origins = origins
        self.metrics = metrics
        self.log = log
        pool = WorkerPool(threads: config.workers)
        catalog = CatalogAggregator(origins: origins)
        transcoders = TranscoderProxy(transcoders: (try? config.transcoderUpstreams()) ?? [], addresses: origins.pool.addresses, log: log)
        metrics.describe("vod_edge_requests_total", type: "counter", "Requests by cache result (hit, miss, stale, revalidated, passed, error).")
        metrics.describe("vod_edge_bytes_total", type: "counter", "Body bytes by source (cache, origin).")
        metrics.describe("vod_edge_coalesced_total", type: "counter", "Requests that waited for another request's origin fetch.")
        metrics.gauge("vod_edge_cache_bytes", "Bytes of cached objects on disk.") { Double(store.usage.bytes) }
        metrics.gauge("vod_edge_cache_objects", "Cached objects on disk.") { Double(store.usage.objects) }
        metrics.gauge("vod_edge_memory_bytes", "Bytes of cached bodies also held in memory.") { Double(store.memoryUsage.bytes) }
        metrics.gauge("vod_edge_memory_objects", "Cached bodies also held in memory.") { Double(store.memoryUsage.objects) }
        metrics.gauge("vod_edge_cache_evictions_total", "Objects evicted to stay under budget.") { Double(store.evictions) }
        metrics.gauge("vod_edge_cache_write_errors_total", "Objects that could not be written (disk full, read-only).") { Double(store.writeErrors) }
        metrics.gauge("vod_edge_cache_writable", "1 while the cache directory takes writes.") { store.writable ? 1 : 0 }
        for (index, upstream) in origins.upstreams.enumerated() {
            metrics.gauge("vod_edge_origin_up_\(index)", "1 while origin \(upstream) is not marked down.") { origins.health[index].up ? 1 : 0 }
            metrics.gauge("vod_edge_origin_errors_\(index)", "Failed fetches from origin \(upstream).") { Double(origins.health[index].errors) }
        }
    }

    public func bodyHandling(for head: HTTPRequestHead) -> HTTPBodyHandling {
        TranscoderProxy.handles(head.path) ? transcoders.bodyHandling(for: head) : .buffer
    }

    public func reply(to request: HTTPRequest) -> HTTPReply {
        // A signed URL's token is checked here, so a refused request never reaches an origin,
        // and taken out of the path: the cache key never holds it.
        let head: HTTPRequestHead, token: Substring?, verified: Bool
        switch signing.admit(request.head, peer: request.peer, now: Int64(Date().timeIntervalSince1970)) {
        case .admit(let admitted, let t, let valid): (head, token, verified) = (admitted, t, valid)
        case .refuse(let refusal):
            metrics.add("vod_edge_requests_total", [("cache", "refused")])
            return .response(.text(refusal.status, refusal.reason))
        }
        let path = head.path
        if TranscoderProxy.handles(path) { return transcoders.reply(to: request) }
        switch (head.method, path) {
        case ("OPTIONS", _): return .response(HTTPConditional.options())
        case ("PURGE", _): return .deferred { [self] in purge(head, key: self.key(head)) }  // unlinks files: on a worker
        case ("DELETE", _) where path.hasPrefix("/cache/"): return .deferred { [self] in purge(head, key: String(path.dropFirst(6))) }
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
            return .deferred { [self] in HTTPConditional.apply(staticFile(String(path.dropFirst(8))), to: head) }  // resolves paths: on a worker
        case ("GET", _), ("HEAD", _): break
        // EME posts its ClearKey licence request; the licence does not depend on it (one key a
        // video), so it is fetched like a GET (never stored: the origin says no-store).
        case ("POST", _) where path.hasPrefix("/clearkey/"): break
        default:
            var r = HTTPResponse.text(405, "method not allowed")
            r.headers.append("Allow", "GET, HEAD, OPTIONS, PURGE")
            return .response(r)
        }
        guard HTTPPath.isPlain(path) else { return .response(.text(400, "malformed path")) }
        let plain = key(head)
        let now = Date().timeIntervalSince1970
        // The hit path: an index lookup (two for a player that takes gzip and asks for a
        // playlist: its coded variant, `CodingVariant`) and the send, nothing else on the event loop.
        let atURL = store.lookup(plain)
        let coded = AcceptEncoding.allowsGzip(head.headers["Accept-Encoding"]) && (atURL.map { CodingVariant.varies($0.headers) } ?? true)
        let key = coded ? CodingVariant.key(plain) : plain
        let indexed = coded ? store.lookup(key) : atURL
        if let object = indexed, object.isFresh(now: now) && object.verified { return .response(serve(.object(object, state: .hit), head, verified: verified)) }
        // Not a hit: what a fetch passes on to the origin.
        let upstream = Upstream(token: token, client: signing.clientAddress(request.head, peer: request.peer))
        if indexed == nil && !store.isIndexing {
            return .later { [self] respond in fetch(key, head, upstream, stale: nil) { respond(self.serve($0, head, verified: verified)) } }
        }
        return .later { [self] respond in
            pool.submit { [self] in
                // While the index is being rebuilt, an object that does not vary may be on disk under its URL alone.
                guard let object = indexed ?? store.lookupOnDisk(key)
                        ?? (key == plain ? nil : store.lookupOnDisk(plain).flatMap { CodingVariant.varies($0.headers) ? nil : $0 }) else {
                    return fetch(key, head, upstream, stale: nil) { respond(self.serve($0, head, verified: verified)) }
                }
                // Written by an earlier run: check it once; expired: ask the origin whether it changed.
                if object.isFresh(now: now), object.verified || store.verify(object) { return respond(serve(.object(object, state: .hit), head, verified: verified)) }
                fetch(key, head, upstream, stale: store.lookup(key)) { respond(self.serve($0, head, verified: verified)) }
            }
        }
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

    /// A thumbnail's width (`?w=`) names a different picture, so it stays in the key.
    func key(_ head: HTTPRequestHead) -> String {
        if config.keyIncludesQuery { return head.target }
        if head.path.hasPrefix("/thumb/"), let width = HTTPPath.queryValue(head.target, "w") { return head.path + "?w=" + width }
        return String(head.path)
    }

    /// Joins the fetch of `key` under way (getting its bytes as they arrive, if they
    /// are already flowing), or starts one on the pool.
    func fetch(_ key: String, _ head: HTTPRequestHead, _ upstream: Upstream, stale: CacheStore.Object?, then done: @escaping @Sendable (Fetched) -> Void) {
        let (flight, streaming) = inflight.withLock { inflight -> (UInt64?, Fetched?) in
            guard let running = inflight.byKey[key] else {
                inflight.started += 1
                inflight.byKey[key] = Flight(id: inflight.started, waiters: [done], streaming: nil)
                return (inflight.started, nil)
            }
            if let streaming = running.streaming { return (nil, streaming) }
            inflight.byKey[key]?.waiters.append { [self] fetched in
                if case .alone = fetched { fetchAlone(key, upstream, stale: stale, then: done) } else { done(fetched) }
            }
            return (nil, nil)
        }
        guard let flight else {
            metrics.add("vod_edge_coalesced_total")
            if case .streaming(let status, let headers, let file, let length, _)? = streaming {
                done(.streaming(status: status, headers: headers, file: file, length: length, collapsed: true))
            }
            return
        }
        pool.submit { [self] in
            // The key is what is asked of the origins: the path, with the query when it is part of the key.
            let result = fetchFromOrigins(key, target: upstream.target(CodingVariant.plain(key)), forwardedFor: upstream.client, stale: stale) { publish(key, flight: flight, $0) }
            let waiters = inflight.withLock { inflight -> [@Sendable (Fetched) -> Void] in
                guard inflight.byKey[key]?.id == flight else { return [] }  // handed off (piped): a later fetch may hold the key
                return inflight.byKey.removeValue(forKey: key)?.waiters ?? []
            }
            waiters.forEach { $0(result) }
        }
    }

    /// A fetch not shared with other requests (its response is piped to this one only).
    func fetchAlone(_ key: String, _ upstream: Upstream, stale: CacheStore.Object?, then done: @escaping @Sendable (Fetched) -> Void) {
        pool.submit { [self] in
            var answered = false
            let result = fetchFromOrigins(key, target: upstream.target(CodingVariant.plain(key)), forwardedFor: upstream.client, stale: stale) { early in
                if !answered { answered = true; done(early) }
            }
            if !answered { done(result) }
        }
    }

    /// Answers everyone waiting for `key` as soon as the origin's head is in. A streaming
    /// response goes to them all and to later joiners; a piped one to the request that
    /// started the fetch, and the others fetch on their own.
    private func publish(_ key: String, flight: UInt64, _ early: Fetched) {
        let waiters = inflight.withLock { inflight -> [@Sendable (Fetched) -> Void] in
            guard let running = inflight.byKey[key], running.id == flight else { return [] }
            if case .piped = early {
                inflight.byKey[key] = nil
            } else {
                inflight.byKey[key]?.waiters = []
                inflight.byKey[key]?.streaming = early
            }
            return running.waiters
        }
        switch early {
        case .streaming(let status, let headers, let file, let length, _):
            // The first waiter is the request that started the fetch; the others joined it.
            for (i, waiter) in waiters.enumerated() { waiter(.streaming(status: status, headers: headers, file: file, length: length, collapsed: i > 0)) }
        case .piped:
            waiters.first?(early)
            waiters.dropFirst().forEach { $0(.alone) }
        default: break
        }
    }

    /// Asks the origins for `target`; `early` gets the response as soon as its head is in
    /// when the body is streamed (to the cache and its players, or through a pipe); the
    /// result is the final outcome (for requests still waiting, if any). For a coded
    /// variant's key the origin is asked for gzip, and a response that does not vary is
    /// stored under the URL's own key.
    func fetchFromOrigins(_ key: String, target: String, forwardedFor client: String = "", stale: CacheStore.Object?, early: (Fetched) -> Void) -> Fetched {
        let plain = CodingVariant.plain(key)
        let video = HTTPPath.video(Substring(plain).prefix { $0 != "?" }).map(String.init) ?? plain
        var headers: [(String, String)] = []
        if !client.isEmpty { headers.append(("X-Forwarded-For", client)) }
        if key != plain { headers.append(("Accept-Encoding", "gzip")) }
        if let stale, let etag = stale.headers.first(where: { $0.first?.lowercased() == "etag" })?.last { headers.append(("If-None-Match", etag)) }
        let outcome = origins.fetch(target, video: video, headers: headers, log: log) { connection, head, notFoundBody -> Fetched in
            if head.status == 304, let stale { return .object(store.refresh(stale), state: .revalidated) }
            let kept = head.headers.fields.filter { !Self.hopHeaders.contains($0.name.lowercased()) }.map { [$0.name, $0.value] }
            let storedAs = CodingVariant.varies(kept) ? key : plain  // a response that does not vary: under its URL
            let policy = CachePolicy(cacheControl: head.headers["Cache-Control"], status: head.status, notFoundSeconds: config.notFoundSeconds)
            if let notFoundBody {
                metrics.add("vod_edge_bytes_total", [("source", "origin")], Double(notFoundBody.count))
                if policy.storable, let object = store.store(key: storedAs, status: head.status, headers: kept, body: notFoundBody, freshFor: policy.freshFor) {
                    return .object(object, state: .miss)
                }
                return .passed(status: head.status, headers: kept, body: notFoundBody)
            }
            guard HTTPClientConnection.hasBody(head) else { return .passed(status: head.status, headers: kept, body: []) }
            if head.status == 200, policy.storable, !head.chunked, let length = head.contentLength,
               let writer = length > store.maxObjectBytes ? store.beginPassThrough(key: storedAs, status: 200, headers: kept, length: length)
                                                           : store.begin(key: storedAs, status: 200, headers: kept, length: length, freshFor: policy.freshFor) {
                // Players get the bytes as they land; the object is indexed once whole and checked.
                early(.streaming(status: 200, headers: kept, file: writer.file, length: length, collapsed: false))
                do { try connection.readBody(length: length) { writer.write($0) } } catch {
                    writer.abort()
                    throw OriginSet.Stop("the origin broke off: \(error)", originsFault: true)
                }
                metrics.add("vod_edge_bytes_total", [("source", "origin")], Double(length))
                guard let object = writer.commit() else { return .streaming(status: 200, headers: kept, file: writer.file, length: length, collapsed: true) }
                return .object(object, state: .miss)
            }
            return try pipe(connection, head, headers: kept, early: early)
        }
        switch outcome {
        case .success(let fetched): return fetched
        case .failure(.stopped(let reason)): return .failed(status: 502, reason: reason)
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

    /// Streams a body that is not cached through a fixed buffer to the request that asked.
    private func pipe(_ connection: HTTPClientConnection, _ head: HTTPClientConnection.Head, headers: [[String]], early: (Fetched) -> Void) throws -> Fetched {
        let pipe = BodyPipe(length: head.chunked ? nil : head.contentLength)
        let piped = Fetched.piped(status: head.status, headers: headers, pipe: pipe)
        early(piped)
        var sent: Int64 = 0
        do {
            try connection.readBody(head) { bytes in
                try pipe.write(bytes)
                sent += Int64(bytes.count)
            }
            pipe.finish()
        } catch let error as BodyPipe.PipeError {
            connection.abandon()
            pipe.fail()
            throw OriginSet.Stop("the player stopped reading (\(error))", originsFault: false)
        } catch {
            pipe.fail()
            throw OriginSet.Stop("the origin broke off: \(error)", originsFault: true)
        }
        metrics.add("vod_edge_bytes_total", [("source", "origin")], Double(sent))
        return piped
    }

    /// The player's response, with `Age`, `Via`, `X-Cache` and `Cache-Status`. An object of a
    /// signed-only video (`X-VOD-Access: signed` from its origin) goes to signed requests only.
    func serve(_ fetched: Fetched, _ head: HTTPRequestHead, verified: Bool = false) -> HTTPResponse {
        if !verified, Self.isSignedOnly(fetched) {
            if case .piped(_, _, let pipe) = fetched { pipe.cancel() }
            metrics.add("vod_edge_requests_total", [("cache", "refused")])
            return .text(403, "this video needs a signed URL")
        }
        var response: HTTPResponse
        let state: String
        switch fetched {
        case .object(let object, let s):
            let body: HTTPResponse.Part
            if let inMemory = object.body {
                body = .bytes(inMemory)
            } else {
                body = store.openFile(for: object).map { .openFile($0, offset: Int64(CacheStore.headerSize), length: object.length) }
                    ?? .file(path: object.path, offset: Int64(CacheStore.headerSize), length: object.length)
                if s == .hit { store.readIntoMemory(object, on: pool) }  // hit again: the next ones from memory
            }
            response = HTTPResponse(status: object.status, headers: HTTPHeaders(object.headers.map { ($0[0], $0[1]) }), body: [body])
            response.headers.append("Age", String(Int(object.age(now: Date().timeIntervalSince1970))))
            state = s.rawValue
            metrics.add("vod_edge_bytes_total", [("source", "cache")], s == .miss ? 0 : Double(object.length))
        case .passed(let status, let headers, let body):
            response = HTTPResponse(status: status, headers: HTTPHeaders(headers.map { ($0[0], $0[1]) }), body: [.bytes(body)])
            state = "MISS"
        case .piped(let status, let headers, let pipe):
            response = HTTPResponse(status: status, headers: HTTPHeaders(headers.map { ($0[0], $0[1]) }), body: [.pipe(pipe)])
            state = "MISS"
        case .streaming(let status, let headers, let file, let length, let collapsed):
            response = HTTPResponse(status: status, headers: HTTPHeaders(headers.map { ($0[0], $0[1]) }),
                                    body: [.growing(file, offset: Int64(CacheStore.headerSize), length: length)])
            response.headers.append("Age", "0")
            state = collapsed ? "HIT" : "MISS"
        case .failed(let status, let reason):
            response = .text(status, "no origin could serve this: \(reason)")
            state = "ERROR"
        case .alone:  // answered by `fetch`, never served
            response = .text(502, "no response")
            state = "ERROR"
        }
        response.headers.append("Via", "1.1 vod-edge")
        response.headers.append("X-Cache", state == "REVALIDATED" ? "HIT" : state)
        response.headers.append("Cache-Status", Self.cacheStatus(state, fetched))
        metrics.add("vod_edge_requests_total", [("cache", state.lowercased())])
        // Per request, not stored: the cached object is the same with or without it.
        if response.status < 300, let disposition = HTTPPath.downloadDisposition(target: head.target, path: head.path) {
            response.headers.append("Content-Disposition", disposition)
        }
        return HTTPConditional.apply(response, to: head)
    }

    static func isSignedOnly(_ fetched: Fetched) -> Bool {
        let headers: [[String]]
        switch fetched {
        case .object(let object, _): headers = object.headers
        case .passed(_, let h, _), .piped(_, let h, _), .streaming(_, let h, _, _, _): headers = h
        case .alone, .failed: return false
        }
        return headers.contains { $0.count == 2 && $0[0].lowercased() == "x-vod-access" && $0[1] == "signed" }
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
        guard store.lookup(key) != nil || store.lookup(CodingVariant.key(key)) != nil else { return .text(404, "not cached") }
        store.remove(key)
        store.remove(CodingVariant.key(key))
        log("purged \(key)")
        return .text(200, "purged")
    }
}
