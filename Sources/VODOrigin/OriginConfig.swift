import Foundation
import VODKit

/// `vod-origin` settings: `config/origin.json`, then command-line flags over it.
public struct OriginConfig: Codable, Equatable, Sendable {
    /// `HOST:PORT` to listen on.
    public var listen = "127.0.0.1:8081"
    /// The media root: `<video>/manifest.json` directories and bare `<name>.mp4` files.
    public var media = "var/origin-1/media"
    /// Bearer token for the ingest endpoint (empty: ingest disabled).
    public var token = ""
    /// Target segment duration in seconds.
    public var segmentDuration = 6.0
    /// Laid-out videos kept in memory, at most this many…
    public var cacheEntries = 256
    /// …and about this many MiB (estimated from their sample counts).
    public var indexCacheMB = 512
    /// Memory for built segments (TS, and CMAF segments of interleaved files), in MiB.
    public var segmentCacheMB = 128
    /// Event loops (0: one per core).
    public var loops = 0
    /// Threads for blocking work: cold video parses, TS segments, ingest fsyncs.
    public var workers = 4
    public var maxConnections = 20_000
    public var requestTimeoutSeconds = 10.0
    public var idleTimeoutSeconds = 60.0
    /// One access-log line a request on stderr.
    public var accessLog = true

    public init() {}

    public static let usage = """
        usage: vod-origin [--config FILE] [--listen HOST:PORT] [--media DIR] [--token TOKEN]
                          [--segment-duration SECONDS] [--cache-entries N] [--index-cache-mb N] [--segment-cache-mb N] [--loops N] [--workers N] [--no-access-log]
        Serves HLS (CMAF and MPEG-TS), DASH and progressive MP4 cut on the fly from the MP4s under --media.
        Config keys (JSON) have the flags' names in camelCase: listen, media, token, segmentDuration,
        cacheEntries, indexCacheMB, segmentCacheMB, loops, workers, maxConnections, requestTimeoutSeconds, idleTimeoutSeconds, accessLog.
        Keys left out keep their defaults; an unknown key is an error.

        """

    public typealias ConfigError = CommandLineConfig.UsageError

    /// The config file named by `--config` (or the default, when it exists), then the flags.
    public static func from(arguments: [String], defaultFile: String = "config/origin.json") throws -> OriginConfig {
        let config = try CommandLineConfig.load(arguments, defaults: OriginConfig(), defaultFile: defaultFile, usage: usage, flags: [
            "--listen": { $0.listen = $1 },
            "--media": { $0.media = $1 },
            "--token": { $0.token = $1 },
            "--segment-duration": { config, value in
                guard let v = Double(value), v > 0 else { throw ConfigError("--segment-duration takes seconds") }
                config.segmentDuration = v
            },
            "--cache-entries": CommandLineConfig.count(\.cacheEntries, "--cache-entries"),
            "--index-cache-mb": CommandLineConfig.count(\.indexCacheMB, "--index-cache-mb"),
            "--segment-cache-mb": CommandLineConfig.count(\.segmentCacheMB, "--segment-cache-mb", allowZero: true),
            "--loops": CommandLineConfig.count(\.loops, "--loops", allowZero: true),
            "--workers": CommandLineConfig.count(\.workers, "--workers"),
        ], switches: ["--no-access-log": { $0.accessLog = false }])
        _ = try config.hostAndPort()
        return config
    }

    public func hostAndPort() throws -> (String, UInt16) { try CommandLineConfig.hostAndPort(listen) }
}
