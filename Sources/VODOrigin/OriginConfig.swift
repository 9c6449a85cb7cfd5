import Foundation
import HLSPackager
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
    /// Directory for index files of parsed MP4s, so that a first request after a restart (or
    /// once a video left memory) reads the index instead of parsing the MP4 (empty: off).
    public var indexDir = ""
    /// …kept under this many MiB, least recently used removed first.
    public var indexDirMB = 4096
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
    /// Answer a few requests for a tiny built-in video before listening, so that the first
    /// real request does not pay for the process's first use of its code (`StartupRehearsal`).
    public var rehearse = true
    /// The signed-URL keys file (`{"keys":[{"id","secret"}],"requireSignature"}`; empty: signing off).
    public var signingKeysFile = ""
    /// Take the client address for IP-bound tokens from `X-Forwarded-For` (our edge sets it);
    /// turn off when players reach the origin directly.
    public var trustForwardedFor = true
    /// Encryption of every video whose manifest does not say (`aes-128`, `cenc`, `cbcs`; empty: clear).
    public var encryption = ""
    /// Hex secret the content keys are derived from (HMAC-SHA256 of the video id).
    public var keySecret = ""
    /// A key service (`http://HOST:PORT/keys/{video}`) answering `{"kid","key","iv"}` in hex; wins over keySecret.
    public var keyServiceURL = ""
    /// How long a key service answer is used before it is asked again (kept while the service is down).
    public var keyCacheSeconds = 300.0

    public init() {}

    public static let usage = """
        usage: vod-origin [--config FILE] [--listen HOST:PORT] [--media DIR] [--token TOKEN]
                          [--segment-duration SECONDS] [--cache-entries N] [--index-cache-mb N] [--index-dir DIR] [--index-dir-mb N] [--segment-cache-mb N] [--loops N] [--workers N] [--no-access-log] [--no-rehearsal]
                          [--signing-keys FILE] [--encryption aes-128|cenc|cbcs] [--key-secret HEX] [--key-service URL]
        Serves HLS (CMAF and MPEG-TS), DASH and progressive MP4 cut on the fly from the MP4s under --media.
        Config keys (JSON) have the flags' names in camelCase: listen, media, token, segmentDuration,
        cacheEntries, indexCacheMB, indexDir, indexDirMB, segmentCacheMB, loops, workers, maxConnections, requestTimeoutSeconds, idleTimeoutSeconds, accessLog, rehearse,
        signingKeysFile, trustForwardedFor, encryption, keySecret, keyServiceURL, keyCacheSeconds.
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
            "--index-dir": { $0.indexDir = $1 },
            "--index-dir-mb": CommandLineConfig.count(\.indexDirMB, "--index-dir-mb"),
            "--segment-cache-mb": CommandLineConfig.count(\.segmentCacheMB, "--segment-cache-mb", allowZero: true),
            "--loops": CommandLineConfig.count(\.loops, "--loops", allowZero: true),
            "--workers": CommandLineConfig.count(\.workers, "--workers"),
            "--signing-keys": { $0.signingKeysFile = $1 },
            "--encryption": { $0.encryption = $1 },
            "--key-secret": { $0.keySecret = $1 },
            "--key-service": { $0.keyServiceURL = $1 },
        ], switches: ["--no-access-log": { $0.accessLog = false }, "--no-rehearsal": { $0.rehearse = false }])
        _ = try config.hostAndPort()
        guard config.encryption.isEmpty || EncryptionScheme(rawValue: config.encryption) != nil else {
            throw ConfigError("encryption must be aes-128, cenc or cbcs, not \(config.encryption)")
        }
        guard config.encryption.isEmpty || !config.keySecret.isEmpty || !config.keyServiceURL.isEmpty else {
            throw ConfigError("encryption \(config.encryption) needs keySecret or keyServiceURL")
        }
        return config
    }

    public func hostAndPort() throws -> (String, UInt16) { try CommandLineConfig.hostAndPort(listen) }
}
