import CAVCodec
import LibAV
import Foundation
import VODKit

/// `vod-transcoder` settings: `config/transcoder.json`, then command-line flags over it.
public struct TranscoderConfig: Codable, Equatable, Sendable {
    /// The spool: `incoming/`, `claimed/`, `done/`, `failed/` under it.
    public var spool = "var/spool"
    /// Origins (`http://HOST:PORT`) that receive the outputs, M of them per video by rendezvous rank.
    public var origins = ["http://127.0.0.1:8081", "http://127.0.0.1:8082", "http://127.0.0.1:8083"]
    public var replicas = 2
    /// Bearer token of the origins' ingest endpoint.
    public var token = ""
    /// The `default` profile's ladder.
    public var ladder = RungConfig.defaults
    /// Named profiles beside `default` (see `Profile`); a job's profile comes from `incoming/<profile>/` or the upload.
    public var profiles = Profile.shipped
    /// The profile of files dropped straight into `incoming/` and of uploads that name none.
    public var defaultProfile = Profile.defaultName
    public var encode = EncodeSettings()
    /// A video longer than 1.5 chunks is cut into chunks of about this many seconds (whole
    /// GOPs) that any worker sharing the spool may encode; 0: every job is encoded whole.
    public var chunkSeconds = 30.0
    /// A chunked job first encodes this many of its lowest rungs (with the audio) on their own and
    /// publishes the video with them, then adds the other rungs; 0: published once, whole.
    public var earlyRungs = 1
    /// A file is ready once its size and mtime have not changed for this long.
    public var settleSeconds = 2.0
    /// Full rescan of `incoming/` and `claimed/` (inotify covers local changes at once).
    public var rescanSeconds = 5.0
    /// The lease is rewritten this often; a lease older than `leaseTimeoutSeconds` may be taken over.
    public var heartbeatSeconds = 2.0
    public var leaseTimeoutSeconds = 30.0
    /// How often an under-replicated job tries its origins again.
    public var replicationRetrySeconds = 10.0
    /// After success: "delete" the source, "keep" it in `done/`, or "move" it to `moveSourceTo`.
    public var sourceRetention = "delete"
    public var moveSourceTo = ""
    /// Job records in `done/` and `failed/` older than this are removed.
    public var recordRetentionHours = 48.0
    /// Published videos older than this are deleted from every origin holding them; 0: kept for ever.
    public var videoRetentionHours = 0.0
    /// Optional `http://…` URL that gets a JSON POST when a job is done or failed.
    public var webhook = ""
    /// A name for this worker in leases and logs (default: host and pid).
    public var workerName = ""
    /// `HOST:PORT` for the status endpoint (`/api/jobs`, `/healthz`) and uploads (`/api/uploads/`); empty: none.
    public var listen = ""
    /// Bearer tokens that may upload (tus, `/api/uploads/`); empty: uploads are off.
    public var uploadTokens: [String] = []
    /// The largest upload accepted (`Upload-Length`), bytes.
    public var maxUploadBytes: Int64 = 50 << 30
    /// A source longer than this fails at probe (the uploader is told why).
    public var maxDurationSeconds = 14_400.0
    /// Unfinished uploads at once, in all and per token.
    public var maxActiveUploads = 100
    public var maxUploadsPerToken = 20
    /// An unfinished upload not written to for this long is removed.
    public var uploadExpiryHours = 24.0

    public init() {}

    public static let usage = """
        usage: vod-transcoder [--config FILE] [--spool DIR] [--origins URL,URL,...] [--replicas M] [--token TOKEN]
                              [--worker NAME] [--listen HOST:PORT] [--chunk-seconds S] [--early-rungs N] [--profile NAME] [--once]
               vod-transcoder repair [--config FILE] [--origins URL,...] [--replicas M] [--token TOKEN]
        Watches SPOOL/incoming/ for dropped files, transcodes each into an aligned H.264 ladder plus AAC audio,
        checks the outputs and replicates them to the first M of the origins ranked for the video.
        --once: handle what is in the spool now, then exit. repair: copy every video on any origin to its
        current top M origins.
        Config keys (JSON): spool, origins, replicas, token, ladder [{height, videoKbps, codec (h264|hevc|av1)}],
        profiles {name: {ladder, downloads [{format (mp4|webm|mkv|ogg|avi), height, videoKbps, video, audio}]}}, defaultProfile, encode {gopSeconds,
        preset, audioKbps, threads}, chunkSeconds, earlyRungs, settleSeconds, rescanSeconds, heartbeatSeconds, leaseTimeoutSeconds,
        replicationRetrySeconds, sourceRetention (delete|keep|move), moveSourceTo, recordRetentionHours,
        videoRetentionHours, webhook, workerName, listen, uploadTokens, maxUploadBytes, maxDurationSeconds, maxActiveUploads,
        maxUploadsPerToken, uploadExpiryHours. Keys left out keep their defaults; an unknown key is an error.

        """

    public static func from(arguments: [String], defaultFile: String = "config/transcoder.json") throws -> TranscoderConfig {
        let config = try CommandLineConfig.load(arguments, defaults: TranscoderConfig(), defaultFile: defaultFile, usage: usage, flags: [
            "--spool": { $0.spool = $1 },
            "--origins": { $0.origins = $1.split(separator: ",").map(String.init) },
            "--replicas": CommandLineConfig.count(\.replicas, "--replicas"),
            "--token": { $0.token = $1 },
            "--worker": { $0.workerName = $1 },
            "--listen": { $0.listen = $1 },
            "--profile": { $0.defaultProfile = $1 },
            "--early-rungs": CommandLineConfig.count(\.earlyRungs, "--early-rungs", allowZero: true),
            "--chunk-seconds": { config, value in
                guard let seconds = Double(value), seconds >= 0 else { throw CommandLineConfig.UsageError("--chunk-seconds takes seconds (0: off)") }
                config.chunkSeconds = seconds
            },
        ], switches: ["--once": { _ in }], maps: ["profiles": ["ladder", "downloads"]])
        _ = try config.upstreams()
        guard ["delete", "keep", "move"].contains(config.sourceRetention) else {
            throw CommandLineConfig.UsageError("sourceRetention must be delete, keep or move")
        }
        guard config.chunkSeconds >= 0 else { throw CommandLineConfig.UsageError("chunkSeconds must be 0 (off) or more") }
        guard config.earlyRungs >= 0 else { throw CommandLineConfig.UsageError("earlyRungs must be 0 (off) or more") }
        guard config.videoRetentionHours >= 0 else { throw CommandLineConfig.UsageError("videoRetentionHours must be 0 (off) or more") }
        guard config.encode.gopSeconds > 0 else { throw CommandLineConfig.UsageError("encode.gopSeconds must be above 0") }
        for name in config.profiles.keys.sorted() where !Profile.isValidName(name) {
            throw CommandLineConfig.UsageError("profiles: \"\(name)\" is not a usable name (letters, digits, - _ ., not starting with a dot)")
        }
        guard config.ladder(profile: config.defaultProfile) != nil else {
            throw CommandLineConfig.UsageError("defaultProfile: \"\(config.defaultProfile)\" is not among the profiles (\(config.profileNames.joined(separator: ", ")))")
        }
        for name in config.profileNames {
            let key = name == Profile.defaultName && config.profiles[name] == nil ? "ladder" : "profiles.\(name).ladder"
            let ladder = config.ladder(profile: name) ?? []
            guard !ladder.isEmpty else { throw CommandLineConfig.UsageError("\(key): no rungs") }
            // An encoder the installed libavcodec lacks is said at start-up, not at the first job.
            for codec in Set(ladder.map { $0.codec ?? .h264 }) where avcodec_find_encoder_by_name(codec.encoder) == nil {
                throw CommandLineConfig.UsageError("\(key): \(codec.rawValue) rungs need the \(codec.encoder) encoder, which the installed libavcodec lacks")
            }
            for rung in ladder where rung.height < 2 || rung.videoKbps < 1 {
                throw CommandLineConfig.UsageError("\(key): a rung needs a height of 2 or more and videoKbps of 1 or more (got \(rung.height)/\(rung.videoKbps))")
            }
            for (k, download) in config.downloads(profile: name).enumerated() {
                let key = "profiles.\(name).downloads[\(k)]"
                if let problem = download.problem { throw CommandLineConfig.UsageError("\(key): \(problem)") }
                for encoder in [download.videoCodec.encoder, download.audioCodec.encoder] where avcodec_find_encoder_by_name(encoder) == nil {
                    throw CommandLineConfig.UsageError("\(key): \(download.format.rawValue) needs the \(encoder) encoder, which the installed libavcodec lacks")
                }
            }
        }
        return config
    }

    public var uploadLimits: UploadLimits {
        UploadLimits(maxBytes: maxUploadBytes, expirySeconds: uploadExpiryHours * 3600, maxActive: maxActiveUploads, maxPerToken: maxUploadsPerToken,
                     profiles: profileNames, defaultProfile: defaultProfile)
    }

    /// Every profile: `default` and the named ones.
    public var profileNames: [String] { Array(Set(profiles.keys).union([Profile.defaultName])).sorted() }

    /// The ladder of `profile` (nil: `defaultProfile`); nil for a profile that is not configured.
    public func ladder(profile: String?) -> [RungConfig]? {
        let name = profile ?? defaultProfile
        if let named = profiles[name] { return named.ladder ?? ladder }
        return name == Profile.defaultName ? ladder : nil
    }

    /// The download versions of `profile` (none for an unknown one).
    public func downloads(profile: String?) -> [DownloadConfig] { profiles[profile ?? defaultProfile]?.downloads ?? [] }

    public func upstreams() throws -> [HTTPClientPool.Upstream] {
        try origins.map { url in
            guard let u = HTTPClientPool.Upstream(url: url) else { throw CommandLineConfig.UsageError("origin \(url) is not http://HOST:PORT") }
            return u
        }
    }
}
