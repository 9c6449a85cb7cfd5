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
    /// Laid-out videos kept in memory.
    public var cacheEntries = 256
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
                          [--segment-duration SECONDS] [--cache-entries N] [--segment-cache-mb N] [--loops N] [--workers N] [--no-access-log]
        Serves HLS (CMAF and MPEG-TS), DASH and progressive MP4 cut on the fly from the MP4s under --media.
        Config keys (JSON) have the flags' names in camelCase: listen, media, token, segmentDuration,
        cacheEntries, segmentCacheMB, loops, workers, maxConnections, requestTimeoutSeconds, idleTimeoutSeconds, accessLog.
        Keys left out keep their defaults; an unknown key is an error.

        """

    public enum ConfigError: Error, CustomStringConvertible {
        case usage(String), unreadable(String)
        public var description: String {
            switch self { case .usage(let s): return s; case .unreadable(let s): return s }
        }
    }

    /// The config file named by `--config` (or the default, when it exists), then the flags.
    /// Returns nil when `--help` or `--version` was handled.
    public static func from(arguments: [String], defaultFile: String = "config/origin.json") throws -> OriginConfig {
        var config = OriginConfig()
        var file: String? = FileManager.default.fileExists(atPath: defaultFile) ? defaultFile : nil
        if let i = arguments.firstIndex(of: "--config") {
            guard i + 1 < arguments.count else { throw ConfigError.usage("--config needs a file") }
            file = arguments[i + 1]
        }
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else { throw ConfigError.unreadable("cannot read config \(file)") }
            do { config = try ConfigFile.decode(data, over: config, file: file) } catch {
                throw ConfigError.unreadable("\(error)")
            }
        }
        var i = 0
        func value() throws -> String {
            guard i + 1 < arguments.count else { throw ConfigError.usage("\(arguments[i]) needs a value\n\n\(usage)") }
            i += 1
            return arguments[i]
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--config": _ = try value()
            case "--listen": config.listen = try value()
            case "--media": config.media = try value()
            case "--token": config.token = try value()
            case "--segment-duration":
                guard let v = Double(try value()), v > 0 else { throw ConfigError.usage("--segment-duration takes seconds") }
                config.segmentDuration = v
            case "--cache-entries":
                guard let v = Int(try value()), v > 0 else { throw ConfigError.usage("--cache-entries takes a count") }
                config.cacheEntries = v
            case "--segment-cache-mb":
                guard let v = Int(try value()), v >= 0 else { throw ConfigError.usage("--segment-cache-mb takes MiB") }
                config.segmentCacheMB = v
            case "--loops":
                guard let v = Int(try value()), v >= 0 else { throw ConfigError.usage("--loops takes a count") }
                config.loops = v
            case "--workers":
                guard let v = Int(try value()), v > 0 else { throw ConfigError.usage("--workers takes a count") }
                config.workers = v
            case "--no-access-log": config.accessLog = false
            default: throw ConfigError.usage("unknown argument \(arguments[i])\n\n\(usage)")
            }
            i += 1
        }
        _ = try config.hostAndPort()
        return config
    }

    public func hostAndPort() throws -> (String, UInt16) {
        guard let colon = listen.lastIndex(of: ":"), let port = UInt16(listen[listen.index(after: colon)...]) else {
            throw ConfigError.usage("listen address \(listen) is not HOST:PORT")
        }
        return (String(listen[..<colon]), port)
    }
}
