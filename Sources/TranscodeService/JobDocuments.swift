import Foundation
import VODKit

/// `done/<job>.json`: what a finished job made and where it went.
public struct JobRecord: Codable, Equatable, Sendable {
    public struct File: Codable, Equatable, Sendable {
        public var name: String
        public var bytes: Int64
        public var sha256: String
    }

    public var job: String
    public var video: String
    /// The name the source was dropped under.
    public var source: String
    public var sourceSha256: String
    public var worker: String
    public var replicas: [String]
    public var files: [File]
    public var manifest: VideoManifest
    public var doneAt: String
    /// A chunked job: each task, its worker and its time (nil: encoded whole).
    public var chunks: [ChunkResult]? = nil
    /// How long the holder's own steps took.
    public var phases: JobPhases? = nil
}

/// How long each step of a job took on the worker holding it, in seconds (kept in the lease
/// while the job runs, then in the record), for operators and for projecting what more
/// workers would do (`bench/projection.py`).
public struct JobPhases: Codable, Equatable, Sendable {
    /// Probe and plan.
    public var analysis: Double?
    /// From the start of the job to its early publication on M origins, and that publication's
    /// own join, verification and replication.
    public var playable: Double?
    public var earlyPublish: Double?
    /// Joining every rung's chunks, verifying the outputs, replicating them.
    public var merge: Double?
    public var verify: Double?
    public var replicate: Double?

    public init() {}

    /// Seconds since `start`, to the hundredth.
    static func since(_ start: Date) -> Double { (Date().timeIntervalSince(start) * 100).rounded() / 100 }
}

/// `failed/<job>/error.json`: where a job failed and why (its source is kept beside it).
public struct FailureRecord: Codable, Equatable, Sendable {
    public var job: String
    public var stage: TranscodeError.Stage
    public var reason: String
    public var libav: String?
    public var source: String
    public var worker: String
    public var failedAt: String
}

/// What the webhook is sent when a job ends.
public struct JobEvent: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable { case done, failed }
    public var event: Kind
    public var job: String
    public var source: String
    public var video: String?
    public var replicas: [String]?
    public var stage: TranscodeError.Stage?
    public var reason: String?
    public var libav: String?
}

/// The transcoder's `/api/jobs`: the spool at a glance (the edge's page shows it).
public struct JobsDocument: Codable, Equatable, Sendable {
    public struct Incoming: Codable, Equatable, Sendable {
        public var name: String
        public var bytes: Int64
    }

    public struct Claimed: Codable, Equatable, Sendable {
        public var job: String
        public var lease: Spool.Lease?
    }

    public struct Done: Codable, Equatable, Sendable {
        public var job: String
        public var video: String
        public var source: String
        public var replicas: [String]
        public var doneAt: String
        public var duration: Double?
        public var renditions: [VideoManifest.Rendition]
    }

    public var incoming: [Incoming]
    public var claimed: [Claimed]
    public var done: [Done]
    public var failed: [FailureRecord]
}

extension JSONDecoder {
    /// A document of type `T` from the file at `path`, nil if absent or not that document.
    static func read<T: Decodable>(_ type: T.Type, at path: String) -> T? {
        FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode(type, from: $0) }
    }
}

extension JSONEncoder {
    /// Pretty, keys sorted: how the spool's documents are written.
    static func spoolDocument<T: Encodable>(_ value: T) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(value)) ?? Data()
    }
}
