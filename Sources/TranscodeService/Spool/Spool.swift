import Synchronization
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import VODKit

/// The directory-watch queue shared by any number of transcoders (processes or hosts):
///
///     incoming/            uploaders drop files here (dotfiles, *.part, *.tmp ignored; cue files
///                          <name>.<language>.vtt|srt wait for their video <name>.<ext>)
///     claimed/<job>/       source.<ext>, cues/ (its cue files), lease.json (heartbeat, progress), out/ once transcoded
///     done/<job>.json      the job record
///     failed/<job>/        the source and error.json
///
/// The job id is the SHA-256 of the source (first 20 hex digits), so a file dropped twice
/// is done once. Claiming is a rename of the file into `claimed/.taking-<random>/` (exactly
/// one worker succeeds, and only it hashes the file), then `mkdir claimed/<job>` and a rename
/// of the file into it; a lease not rewritten within its timeout may be taken over by
/// renaming it away, which also only one worker can do.
public final class Spool: Sendable {
    public let root: String
    public var incoming: String { "\(root)/incoming" }
    public var claimed: String { "\(root)/claimed" }
    public var done: String { "\(root)/done" }
    public var failed: String { "\(root)/failed" }
    let worker: String
    let log: @Sendable (String) -> Void
    /// Size and mtime of each incoming file when first seen so, for the settle time.
    private let still = Mutex<[String: (size: Int64, mtime: Int, since: Double)]>([:])

    public init(root: String, worker: String, log: @escaping @Sendable (String) -> Void) throws {
        self.root = root
        self.worker = worker
        self.log = log
        for dir in ["incoming", "claimed", "done", "failed"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(dir)", withIntermediateDirectories: true)
        }
    }

    /// Names in `incoming/` that are candidates at all.
    static func isCandidate(_ name: String) -> Bool {
        !name.hasPrefix(".") && !name.hasSuffix(".part") && !name.hasSuffix(".tmp") && !SidecarSubtitles.isCueFile(name)
    }

    /// Files in `incoming/` and in its sub-folders named after `profiles` (`<profile>/<name>`)
    /// whose size and mtime have not changed for `settle` seconds (a file renamed in whole is
    /// still from the start, so it waits once).
    public func readyFiles(settle: Double, renamedIn: Set<String> = [], profiles: [String] = [], now: Double = Date().timeIntervalSince1970) -> [String] {
        func list(_ dir: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter(Self.isCandidate) }
        let names = (list(incoming) + profiles.filter(Profile.isValidName).flatMap { p in list("\(incoming)/\(p)").map { "\(p)/\($0)" } }).sorted()
        var ready: [String] = []
        var seen: [String: (size: Int64, mtime: Int, since: Double)] = [:]
        let still = still.withLock { $0 }
        for name in names {
            var st = stat()
            guard stat("\(incoming)/\(name)", &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            let size = Int64(st.st_size), mtime = Int(st.st_mtim.tv_sec)
            if renamedIn.contains(name) {
                seen[name] = (size, mtime, now)
                ready.append(name)  // renamed in whole: ready at once
            } else if let before = still[name], before.size == size, before.mtime == mtime {
                seen[name] = before
                // A file whose mtime is older than the settle time was complete before we looked.
                if now - before.since >= settle || now - Double(mtime) >= settle { ready.append(name) }
            } else {
                seen[name] = (size, mtime, now)
                if now - Double(mtime) >= settle { ready.append(name) }
            }
        }
        self.still.withLock { $0 = seen }
        return ready
    }

    public enum ClaimResult: Equatable {
        case claimed(job: String)
        /// Already done or being done under this job id: the dropped copy was removed.
        case duplicate(job: String)
        /// Someone else took the file first.
        case lost
    }

    /// Who is taking a file (`claimed/.taking-<id>/taker.json`): rewritten while it is hashed.
    struct Taker: Codable {
        var worker: String
        var heartbeat: Double
        var original: String
        /// The `incoming/` sub-folder it came from (its profile), nil for `incoming/` itself.
        var folder: String?
    }

    /// Takes `incoming/<path>` first (one rename: exactly one worker gets it, and only that
    /// one reads it), then hashes it and claims it as its job. A file dropped on a spool that
    /// many transcoders watch is hashed once, not by each of them in a race to claim it.
    /// `path` is a name in `incoming/`, made with `defaultProfile`, or `<profile>/<name>`.
    public func claim(_ path: String, defaultProfile: String = Profile.defaultName) -> ClaimResult {
        let parts = path.split(separator: "/", maxSplits: 1).map(String.init)
        let folder = parts.count == 2 ? parts[0] : nil
        let name = parts.last ?? path
        let profile = folder ?? defaultProfile
        let taking = "\(claimed)/.taking-\(UInt64.random(in: 0...UInt64.max))"
        guard mkdir(taking, 0o755) == 0 else { return .lost }
        var taker = Taker(worker: worker, heartbeat: Date().timeIntervalSince1970, original: name, folder: folder)
        _ = FileManager.default.createFile(atPath: "\(taking)/taker.json", contents: JSONEncoder.spoolDocument(taker))
        let held = "\(taking)/\(name)"
        guard rename("\(incoming)/\(path)", held) == 0 else {  // someone else took it first
            try? FileManager.default.removeItem(atPath: taking)
            return .lost
        }
        defer { try? FileManager.default.removeItem(atPath: taking) }
        var beat = Date()
        let digest = FileDigest.sha256(path: held) { _ in
            guard Date().timeIntervalSince(beat) >= 1 else { return }
            beat = Date()
            taker.heartbeat = beat.timeIntervalSince1970
            _ = FileManager.default.createFile(atPath: "\(taking)/taker.json", contents: JSONEncoder.spoolDocument(taker))
        }
        guard let digest else {
            rename(held, "\(incoming)/\(path)")  // unreadable now: back where it was, for the next pass
            return .lost
        }
        let job = Profile.jobID(sha256: digest.hex, profile: profile)
        if FileManager.default.fileExists(atPath: "\(done)/\(job).json") || FileManager.default.fileExists(atPath: "\(failed)/\(job)") {
            unlink(held)
            log("\(path): same content and profile (\(profile)) as job \(job), which already ran: dropped copy removed")
            return .duplicate(job: job)
        }
        guard mkdir("\(claimed)/\(job)", 0o755) == 0 else {
            // The same content under another name, claimed by someone (this file is ours alone).
            unlink(held)
            log("\(path): same content and profile (\(profile)) as job \(job), in progress: dropped copy removed")
            return .duplicate(job: job)
        }
        let ext = (name as NSString).pathExtension
        let source = "\(claimed)/\(job)/source" + (ext.isEmpty ? "" : ".\(ext)")
        guard rename(held, source) == 0 else {
            rmdir("\(claimed)/\(job)")
            rename(held, "\(incoming)/\(path)")
            return .lost
        }
        let cueFiles = SidecarSubtitles.claim(beside: "\(incoming)/\(path)", into: "\(claimed)/\(job)")
        if !cueFiles.isEmpty { log("\(path): taken with its cue files \(cueFiles.joined(separator: ", "))") }
        var lease = Lease(worker: worker, heartbeat: Date().timeIntervalSince1970, state: "claimed", original: name, sourceSha256: digest.hex)
        lease.profile = profile
        writeLease(job, lease)
        log("claimed \(path) (profile \(profile)) as job \(job)")
        return .claimed(job: job)
    }

    /// Files whose taker stopped (crashed while hashing): their `taker.json` was not rewritten
    /// for `timeout` seconds. They go back to `incoming/` for any worker to take again.
    public func returnAbandonedTakes(timeout: Double, now: Double = Date().timeIntervalSince1970) {
        for dir in ((try? FileManager.default.contentsOfDirectory(atPath: claimed)) ?? []) where dir.hasPrefix(".taking-") {
            let taking = "\(claimed)/\(dir)"
            var st = stat()
            let since = JSONDecoder.read(Taker.self, at: "\(taking)/taker.json")?.heartbeat
                ?? (stat(taking, &st) == 0 ? Double(st.st_mtim.tv_sec) : now)
            guard now - since > timeout else { continue }
            let folder = JSONDecoder.read(Taker.self, at: "\(taking)/taker.json")?.folder.map { "\(incoming)/\($0)" } ?? incoming
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: taking)) ?? []) where name != "taker.json" {
                let back = FileManager.default.fileExists(atPath: "\(folder)/\(name)") ? "returned-\(UInt32.random(in: 0...UInt32.max))-\(name)" : name
                if rename("\(taking)/\(name)", "\(folder)/\(back)") == 0 { log("\(name): its taker stopped while hashing it; back in \(folder) as \(back)") }
            }
            try? FileManager.default.removeItem(atPath: taking)
        }
    }

    /// The job's source file inside its claim directory.
    public func source(of job: String) -> String? {
        let dir = "\(claimed)/\(job)"
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).first { $0.hasPrefix("source") }.map { "\(dir)/\($0)" }
    }

    /// The file's SHA-256 in hex; its first 20 digits are the job id.
    public static func sha256(of path: String) throws -> String {
        guard let digest = FileDigest.sha256(path: path) else { throw TranscodeError(stage: .hash, reason: "cannot read \(path)", libav: nil) }
        return digest.hex
    }

    // MARK: Leases

    /// What `claimed/<job>/lease.json` holds; rewritten as a heartbeat.
    public struct Lease: Codable, Equatable, Sendable {
        public var worker: String
        public var heartbeat: Double
        /// claimed, probing, transcoding, verifying, replicating, under-replicated
        public var state: String
        public var original: String
        public var sourceSha256: String?
        public var percent: Double?
        public var fps: Double?
        public var speed: Double?
        public var etaSeconds: Double?
        public var replicas: [String]?
        public var message: String?
        /// The renditions already published (early, with more rungs to come), and the origins holding them.
        public var playable: [String]?
        public var playableOn: [String]?
        /// The job's profile (nil in leases from before profiles: `default`).
        public var profile: String?
        public var phases: JobPhases?
    }

    public func lease(_ job: String) -> Lease? {
        guard let data = FileManager.default.contents(atPath: "\(claimed)/\(job)/lease.json") else { return nil }
        return try? JSONDecoder().decode(Lease.self, from: data)
    }

    /// Writes the lease (temp + rename, so readers never see half of it).
    public func writeLease(_ job: String, _ lease: Lease) {
        let dir = "\(claimed)/\(job)"
        guard let data = try? JSONEncoder().encode(lease) else { return }
        let temporary = "\(dir)/.lease.\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        if written == data.count { rename(temporary, "\(dir)/lease.json") } else { unlink(temporary) }
    }

    /// Claimed jobs whose lease is older than `timeout` (their worker died) or missing.
    public func abandonedJobs(timeout: Double, now: Double = Date().timeIntervalSince1970) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: claimed)) ?? []).filter { job in
            guard !job.hasPrefix("."), source(of: job) != nil else { return false }
            guard let lease = lease(job) else {
                // No lease at all: only if the directory itself is old (a claim in its first instant has none yet).
                var st = stat()
                return stat("\(claimed)/\(job)", &st) == 0 && now - Double(st.st_mtim.tv_sec) > timeout
            }
            return now - lease.heartbeat > timeout
        }
    }

    /// Takes over an abandoned job: renaming its lease away succeeds for one worker only.
    public func takeOver(_ job: String) -> Bool {
        let dir = "\(claimed)/\(job)"
        let old = lease(job)
        let moved = "\(dir)/.lease.taken.\(UInt64.random(in: 0...UInt64.max))"
        if rename("\(dir)/lease.json", moved) != 0 && old != nil { return false }
        unlink(moved)
        writeLease(job, Lease(worker: worker, heartbeat: Date().timeIntervalSince1970, state: "claimed", original: old?.original ?? "source",
                              sourceSha256: old?.sourceSha256, replicas: old?.replicas, message: "taken over from \(old?.worker ?? "an unknown worker")"))
        log("took over job \(job) from \(old?.worker ?? "an unknown worker") (lease expired)")
        return true
    }

    /// Whether this worker still holds the job's lease.
    public func holds(_ job: String) -> Bool { lease(job)?.worker == worker }

    // MARK: Endings

    /// Moves the job with its source to `failed/<job>/` with `error.json`.
    public func fail(_ job: String, _ error: TranscodeError) {
        let dir = "\(claimed)/\(job)"
        try? FileManager.default.removeItem(atPath: "\(dir)/out")
        try? FileManager.default.removeItem(atPath: "\(dir)/out.tmp")
        try? FileManager.default.removeItem(atPath: "\(dir)/chunks")  // only the source and the reason are kept
        let record = FailureRecord(job: job, stage: error.stage, reason: error.reason, libav: error.libav, source: lease(job)?.original ?? "",
                                   worker: worker, failedAt: Daemon.timestamp())
        _ = FileManager.default.createFile(atPath: "\(dir)/error.json", contents: JSONEncoder.spoolDocument(record))
        unlink("\(dir)/lease.json")
        if rename(dir, "\(failed)/\(job)") != 0 { log("job \(job): cannot move to failed/: \(String(cString: strerror(errno)))") }
        log("job \(job) FAILED at \(error.stage.rawValue): \(error.reason)\(error.libav.map { " (libav: \($0))" } ?? ""); source kept in failed/\(job)/")
    }

    /// Records the job as done and lets its claim go (the source by `retention`).
    public func finish(_ job: String, record: JobRecord, retention: String, moveTo: String) {
        let dir = "\(claimed)/\(job)"
        let temporary = "\(done)/.\(job).json.tmp"
        _ = FileManager.default.createFile(atPath: temporary, contents: JSONEncoder.spoolDocument(record))
        rename(temporary, "\(done)/\(job).json")
        if let source = source(of: job) {
            let ext = (source as NSString).pathExtension
            switch retention {
            case "keep": rename(source, "\(done)/\(job)" + (ext.isEmpty ? "" : ".\(ext)"))
            case "move":
                try? FileManager.default.createDirectory(atPath: moveTo, withIntermediateDirectories: true)
                let target = "\(moveTo)/\(lease(job)?.original ?? "\(job).\(ext)")"
                if rename(source, target) != 0 { try? FileManager.default.moveItem(atPath: source, toPath: target) }
            default: unlink(source)
            }
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Removes job records (and failed jobs) older than `hours`.
    public func removeOldRecords(olderThan hours: Double, now: Double = Date().timeIntervalSince1970) {
        for dir in [done, failed] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where !name.hasPrefix(".") {
                var st = stat()
                let path = "\(dir)/\(name)"
                if stat(path, &st) == 0, now - Double(st.st_mtim.tv_sec) > hours * 3600 {
                    try? FileManager.default.removeItem(atPath: path)
                    log("removed old record \(path)")
                }
            }
        }
    }
}
