import Foundation
#if canImport(Glibc)
import Glibc
#endif
import VODKit

/// A job cut into chunks (`ChunkPlan`): the worker that holds the job writes the plan, takes
/// tasks like any other worker until none is open, waits for the tasks others hold (taking
/// over any whose worker stopped), then joins each rendition's chunks by their sample tables.
extension TranscodeWorker {
    /// Runs the job's tasks (with whoever helps) and joins them into `work`; the outputs to verify.
    /// With an early pass, the video is published with its lowest rungs meanwhile (`publishEarlyWhenReady`).
    func transcodeInChunks(_ job: String, plan: ChunkPlan, tasks: ChunkTasks, source info: SourceInfo, started: Date,
                           into work: String) throws(TranscodeError) -> [Pipeline.Output] {
        guard tasks.write(plan) else { throw TranscodeError(stage: .plan, reason: "cannot write the chunk plan of \(job)", libav: nil) }
        log("job \(job): in \(plan.windows.count) chunks of \(plan.windows.first.map { ($0.end ?? 0) - $0.start } ?? 0) s\(plan.audio ? " and the audio" : "") for any worker"
            + (plan.early.isEmpty ? "" : ", \(plan.early.map(\.file).joined(separator: ", ")) first"))
        let early = publishEarlyWhenReady(job, plan: plan, tasks: tasks, source: info, started: started)
        defer { early?.wait() }  // the early publication never lands after the whole ladder's
        while true {
            if isStopped || !spool.holds(job) { throw TranscodeError.cancelled }
            if let failed = plan.tasks.lazy.compactMap(tasks.failure).first {
                throw TranscodeError(stage: failed.stage, reason: failed.reason, libav: failed.libav)
            }
            let done = plan.tasks.filter { tasks.result($0) != nil }.count
            if done == plan.tasks.count { break }
            if let task = tasks.open(timeout: config.leaseTimeoutSeconds).first, tasks.claim(task, worker: name, timeout: config.leaseTimeoutSeconds) {
                try runTask(task, of: tasks, plan: plan)
                continue
            }
            let others = Set(plan.tasks.compactMap { tasks.lease($0)?.worker }).sorted()
            update(job) { $0.percent = (1000 * Double(done) / Double(plan.tasks.count)).rounded() / 10; $0.message = "\(done) of \(plan.tasks.count) tasks done; working: \(others.joined(separator: ", "))" }
            Thread.sleep(forTimeInterval: 0.25)
        }
        early?.wait()
        update(job) { $0.state = "merging"; $0.message = nil }
        let merging = Date()
        defer { update(job) { $0.phases?.merge = JobPhases.since(merging) } }
        return try ChunkJoin.join(plan, outputs: tasks.outputs, firstFrame: { tasks.result($0)?.firstFrameSeconds }, into: work)
    }

    /// Takes and runs one open task of any job in the spool; false when there is none.
    func helpWithChunks() -> Bool {
        for tasks in ChunkTasks.jobsWithOpenTasks(spool, timeout: config.leaseTimeoutSeconds) {
            guard let plan = tasks.plan else { continue }
            for task in tasks.open(timeout: config.leaseTimeoutSeconds) where tasks.claim(task, worker: name, timeout: config.leaseTimeoutSeconds) {
                do { try runTask(task, of: tasks, plan: plan) } catch {
                    if !error.isCancellation { log("job \(tasks.job): task \(task) failed: \(error.reason)") }
                }
                return true
            }
        }
        return false
    }

    /// Encodes one task into its outputs. A failure in the input is recorded for the job; a
    /// stop hands the task back at once.
    func runTask(_ task: String, of tasks: ChunkTasks, plan: ChunkPlan) throws(TranscodeError) {
        let key = "\(tasks.job)/\(task)"
        jobs.withLock { $0.tasks[key] = (tasks, task, 0) }
        defer { jobs.withLock { $0.tasks[key] = nil } }
        let started = Date()
        do throws(TranscodeError) {
            guard let source = spool.source(of: tasks.job) else { throw TranscodeError(stage: .transcode, reason: "the job's source is gone", libav: nil) }
            let info = try SourceInfo.probe(source)
            let work = tasks.newWork(task)
            defer { try? FileManager.default.removeItem(atPath: work) }  // gone already when it became the outputs
            // Whether this worker still holds the task, read from its lease once a second.
            var checkedAt = Date.distantPast, lost = false
            let isCancelled = {
                if Date().timeIntervalSince(checkedAt) >= 1 { checkedAt = Date(); lost = !tasks.holds(task, worker: self.name) }
                return self.isStopped || lost
            }
            guard let assigned = plan.work(task) else { throw TranscodeError(stage: .plan, reason: "unknown task \(task)", libav: nil) }
            let firstFrame = try assigned.run(source: source, info: info, settings: config.encode, directory: work, isCancelled: isCancelled) { percent in
                self.jobs.withLock { $0.tasks[key]?.percent = percent }
            }
            let result = ChunkResult(task: task, worker: name, seconds: (Date().timeIntervalSince(started) * 100).rounded() / 100,
                                     firstFrameSeconds: firstFrame)
            guard tasks.complete(task, result, from: work) else { throw TranscodeError(stage: .transcode, reason: "cannot store the outputs of \(task)", libav: nil) }
            log(String(format: "job %@: %@ done in %.1f s", tasks.job, task, result.seconds))
        } catch where error.isCancellation {
            if tasks.holds(task, worker: name) { tasks.renew(task, ChunkTasks.Lease(worker: name, heartbeat: 0)) }  // expired: anyone takes it
            throw error
        } catch {
            tasks.fail(task, FailureRecord(job: tasks.job, stage: error.stage, reason: "\(task): \(error.reason)", libav: error.libav, source: "",
                                           worker: name, failedAt: Daemon.timestamp()))
            throw error
        }
    }
}
