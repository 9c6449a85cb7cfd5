import Foundation
#if canImport(Glibc)
import Glibc
#endif
import VODKit

/// The chunk tasks of one claimed job, in `claimed/<job>/chunks/`:
///
///     plan.json            the plan (written once, before any task)
///     <task>.lease         who works on the task, rewritten as a heartbeat
///     .<task>.<n>.tmp/     its outputs while one worker makes them
///     <task>/              its outputs and result.json, once done (a rename: all or nothing)
///     <task>.failed        why it failed, when the reason is in the input
///
/// Claiming is an exclusive create of the lease; a lease not rewritten for the lease
/// timeout is taken over by renaming it away, which one worker only can do. So any
/// number of workers on any hosts sharing the spool can each take a task, and a worker
/// killed mid-chunk loses that chunk only.
public struct ChunkTasks: Sendable {
    public let job: String
    public let dir: String

    public init(spool: Spool, job: String) {
        self.job = job
        dir = "\(spool.claimed)/\(job)/chunks"
    }

    public struct Lease: Codable, Equatable, Sendable {
        public var worker: String
        public var heartbeat: Double
        public var percent: Double?
        /// A remote worker's secret for this task (`/api/tasks/…?key=`), nil for local workers.
        public var key: String?
    }

    public var plan: ChunkPlan? { JSONDecoder.read(ChunkPlan.self, at: "\(dir)/plan.json") }

    /// Writes the plan once (temp + rename); an existing plan is kept.
    public func write(_ plan: ChunkPlan) -> Bool {
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if self.plan != nil { return true }
        let temporary = "\(dir)/.plan.\(UInt64.random(in: 0...UInt64.max)).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: JSONEncoder.spoolDocument(plan)) else { return false }
        return rename(temporary, "\(dir)/plan.json") == 0
    }

    public func result(_ task: String) -> ChunkResult? { JSONDecoder.read(ChunkResult.self, at: "\(dir)/\(task)/result.json") }
    public func failure(_ task: String) -> FailureRecord? { JSONDecoder.read(FailureRecord.self, at: "\(dir)/\(task).failed") }
    public func lease(_ task: String) -> Lease? { JSONDecoder.read(Lease.self, at: "\(dir)/\(task).lease") }

    /// Tasks neither done, failed nor leased by a live worker.
    public func open(timeout: Double, now: Double = Date().timeIntervalSince1970) -> [String] {
        (plan?.tasks ?? []).filter { task in
            guard result(task) == nil, failure(task) == nil else { return false }
            guard let lease = lease(task) else { return true }
            return now - lease.heartbeat > timeout
        }
    }

    /// Takes `task` for `worker`: a new lease, or an expired one renamed away first.
    public func claim(_ task: String, worker: String, timeout: Double, now: Double = Date().timeIntervalSince1970) -> Bool {
        let path = "\(dir)/\(task).lease"
        if let old = lease(task) {
            guard now - old.heartbeat > timeout else { return false }
            let moved = "\(dir)/.\(task).lease.taken.\(UInt64.random(in: 0...UInt64.max))"
            guard rename(path, moved) == 0 else { return false }
            unlink(moved)
        }
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        close(fd)
        renew(task, Lease(worker: worker, heartbeat: now))
        return result(task) == nil  // done meanwhile by the worker whose lease expired
    }

    /// Rewrites the task's lease (temp + rename).
    public func renew(_ task: String, _ lease: Lease) {
        let temporary = "\(dir)/.\(task).lease.\(UInt64.random(in: 0...UInt64.max)).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: JSONEncoder.spoolDocument(lease)) else { return }
        rename(temporary, "\(dir)/\(task).lease")
    }

    /// Whether `worker` still holds the task (its lease was not taken over).
    public func holds(_ task: String, worker: String) -> Bool { lease(task)?.worker == worker }

    /// A fresh directory for one attempt at the task (a worker thought dead may still be
    /// writing its own); `complete` renames it into place with the result.
    public func newWork(_ task: String) -> String {
        let path = "\(dir)/.\(task).\(UInt64.random(in: 0...UInt64.max)).tmp"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    public func outputs(_ task: String) -> String { "\(dir)/\(task)" }

    public func complete(_ task: String, _ result: ChunkResult, from work: String) -> Bool {
        guard FileManager.default.createFile(atPath: "\(work)/result.json", contents: JSONEncoder.spoolDocument(result)),
              rename(work, outputs(task)) == 0 else { return false }
        unlink("\(dir)/\(task).lease")
        return true
    }

    public func fail(_ task: String, _ record: FailureRecord) {
        _ = FileManager.default.createFile(atPath: "\(dir)/\(task).failed", contents: JSONEncoder.spoolDocument(record))
        unlink("\(dir)/\(task).lease")
    }

    /// Jobs in the spool with chunk tasks open for any worker (oldest plan first).
    public static func jobsWithOpenTasks(_ spool: Spool, timeout: Double) -> [ChunkTasks] {
        ((try? FileManager.default.contentsOfDirectory(atPath: spool.claimed)) ?? []).sorted().compactMap { job in
            guard !job.hasPrefix(".") else { return nil }
            let tasks = ChunkTasks(spool: spool, job: job)
            return tasks.open(timeout: timeout).isEmpty ? nil : tasks
        }
    }
}
