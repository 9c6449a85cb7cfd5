import Foundation
import VODKit

/// `vod-edge` settings: `config/edge.json`, then command-line flags over it.
public struct EdgeConfig: Codable, Equatable, Sendable {
    /// `HOST:PORT` to listen on.
    public var listen = "127.0.0.1:8080"
    /// Origins (`http://HOST:PORT`), ranked per video by rendezvous hashing.
    public var origins = ["http://127.0.0.1:8081", "http://127.0.0.1:8082", "http://127.0.0.1:8083"]
    public var cacheDir = "var/edge-cache"
    /// Disk budget for cached objects (bodies and their 4 KiB headers), MiB.
    public var maxCacheMB = 1024
    public var maxObjects = 100_000
    /// Bodies larger than this are streamed through uncached, MiB (0: an eighth of maxCacheMB).
    public var maxObjectMB = 0
    /// Memory for hot bodies in front of the disk cache, MiB (0: off): an object hit twice on
    /// disk among recent hits is read in and its later hits are sent from memory.
    public var memoryCacheMB = 256
    /// Larger bodies are always sent from disk, MiB.
    public var memoryObjectMB = 8
    /// Free space the cache leaves on its filesystem, MiB: a second budget beside maxCacheMB
    /// (objects are evicted, or not cached, rather than filling the disk).
    public var minFreeMB = 256
    /// After a write to the cache fails (disk full, read-only), seconds it takes no new objects.
    public var cacheRetrySeconds = 30.0
    /// Bearer token for PURGE and `DELETE /cache/…` (empty: purging is off).
    public var token = ""
    /// Seconds to wait for an origin's response before trying the next.
    public var originTimeoutSeconds = 5
    public var connectTimeoutMilliseconds = 1000
    /// The most time one fetch may spend waiting on its origin in all, seconds (an origin that
    /// trickles bytes just often enough to beat originTimeoutSeconds is cut off here).
    public var originFetchSeconds = 120.0
    /// How long an origin's resolved addresses are used before its name is resolved again.
    public var originResolveSeconds = 60.0
    /// An origin failing 3 times in a row is skipped for this long.
    public var originDownSeconds = 10.0
    /// How long past its freshness an object may still be served when every origin fails.
    public var staleIfErrorSeconds = 86_400.0
    /// How long a 404 is remembered.
    public var notFoundSeconds = 10.0
    /// Keep the query string in the cache key (default: dropped).
    public var keyIncludesQuery = false
    public var loops = 0
    /// Threads that fetch from origins and check cached files.
    public var workers = 16
    public var accessLog = true
    /// Transcoders (`http://HOST:PORT`, sharing one spool) that `/api/uploads…` and `/api/jobs…`
    /// are passed to, the first that answers taking each request.
    public var transcoders = ["http://127.0.0.1:8090"]
    /// The transcoder's `/api/jobs` as the page at `/` fetches it (default: through this edge).
    public var jobsURL = "/api/jobs"
    /// Files served under `/static/` (the page's player library, installed by the setup).
    public var staticDir = "var/static"
    /// The signed-URL keys file (as the origin's; empty: tokens are passed on unchecked).
    public var signingKeysFile = ""
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy or CDN).
    public var trustForwardedFor = false

    public init() {}

    public static let usage = """
        usage: vod-edge [--config FILE] [--listen HOST:PORT] [--origins URL,URL,...] [--cache-dir DIR] [--token TOKEN]
                        [--max-cache-mb N] [--max-objects N] [--memory-cache-mb N] [--loops N] [--workers N] [--no-access-log] [--signing-keys FILE]
        Caches what players fetch from the origins on disk (LRU under a byte budget), one origin fetch per object
        however many ask at once, failing over between the origins that hold each video.
        Config keys (JSON): listen, origins, cacheDir, maxCacheMB, maxObjects, maxObjectMB, memoryCacheMB, memoryObjectMB, minFreeMB, cacheRetrySeconds, token,
        originTimeoutSeconds, connectTimeoutMilliseconds, originFetchSeconds, originResolveSeconds, originDownSeconds,
        staleIfErrorSeconds, notFoundSeconds, keyIncludesQuery, transcoders, loops, workers, accessLog, jobsURL, staticDir,
        signingKeysFile, trustForwardedFor. Keys left out keep their defaults; an unknown key is an error.

        """

    public static func from(arguments: [String], defaultFile: String = "config/edge.json") throws -> EdgeConfig {
        let config = try CommandLineConfig.load(arguments, defaults: EdgeConfig(), defaultFile: defaultFile, usage: usage, flags: [
            "--listen": { $0.listen = $1 },
            "--origins": { $0.origins = $1.split(separator: ",").map(String.init) },
            "--cache-dir": { $0.cacheDir = $1 },
            "--token": { $0.token = $1 },
            "--signing-keys": { $0.signingKeysFile = $1 },
            "--max-cache-mb": CommandLineConfig.count(\.maxCacheMB, "--max-cache-mb"),
            "--max-objects": CommandLineConfig.count(\.maxObjects, "--max-objects"),
            "--memory-cache-mb": CommandLineConfig.count(\.memoryCacheMB, "--memory-cache-mb", allowZero: true),
            "--loops": CommandLineConfig.count(\.loops, "--loops", allowZero: true),
            "--workers": CommandLineConfig.count(\.workers, "--workers"),
        ], switches: ["--no-access-log": { $0.accessLog = false }])
        _ = try CommandLineConfig.hostAndPort(config.listen)
        _ = try config.upstreams()
        _ = try config.transcoderUpstreams()
        return config
    }

    /// The largest body cached, in bytes.
    public var maxObjectBytes: Int64 { maxObjectMB > 0 ? Int64(maxObjectMB) << 20 : max(1, (Int64(maxCacheMB) << 20) / 8) }

    /// The disk cache these settings describe.
    public func makeStore(log: @escaping @Sendable (String) -> Void) -> CacheStore {
        CacheStore(dir: cacheDir, maxBytes: Int64(maxCacheMB) << 20, maxObjects: maxObjects, maxObjectBytes: maxObjectBytes,
                   minFreeBytes: Int64(max(0, minFreeMB)) << 20, retrySeconds: cacheRetrySeconds,
                   memoryBytes: Int64(max(0, memoryCacheMB)) << 20, memoryObjectBytes: Int64(max(0, memoryObjectMB)) << 20, log: log)
    }

    /// The connections to the origins these settings describe.
    public func makeOriginPool(log: @escaping @Sendable (String) -> Void) -> HTTPClientPool {
        HTTPClientPool(timeoutSeconds: originTimeoutSeconds, connectTimeoutMilliseconds: Int32(clamping: connectTimeoutMilliseconds),
                       resolveTTLSeconds: originResolveSeconds, waitBudgetSeconds: originFetchSeconds, log: log)
    }

    public func transcoderUpstreams() throws -> [HTTPClientPool.Upstream] {
        try transcoders.map { url in
            guard let u = HTTPClientPool.Upstream(url: url) else { throw CommandLineConfig.UsageError("transcoder \(url) is not http://HOST:PORT") }
            return u
        }
    }

    public func upstreams() throws -> [HTTPClientPool.Upstream] {
        guard !origins.isEmpty else { throw CommandLineConfig.UsageError("no origins configured") }
        return try origins.map { url in
            guard let u = HTTPClientPool.Upstream(url: url) else { throw CommandLineConfig.UsageError("origin \(url) is not http://HOST:PORT") }
            return u
        }
    }
}
