import Foundation
#if canImport(Glibc)
import Glibc
#endif
import VODKit

/// A chunked job with an early pass is published twice: first with its lowest rungs and
/// the audio as soon as their tasks are done (the manifest's `pending` names the rungs to
/// come), then whole. Both go through the same replication rule (the manifest only once M
/// origins hold every file), and the whole one never goes out before the early one is done.
extension TranscodeWorker {
    /// Starts a thread that waits for the plan's early tasks and publishes them; nil when
    /// there is nothing to do (no early pass, or published already before a takeover).
    /// The job waits on the group before it publishes the whole ladder.
    func publishEarlyWhenReady(_ job: String, plan: ChunkPlan, tasks: ChunkTasks, source info: SourceInfo, started: Date) -> DispatchGroup? {
        guard !plan.earlyTasks.isEmpty, (spool.lease(job)?.playable ?? []).isEmpty else { return nil }
        let group = DispatchGroup()
        group.enter()
        Thread { [self] in
            defer { group.leave() }
            while !isStopped && spool.holds(job) {
                if plan.tasks.contains(where: { tasks.failure($0) != nil }) { return }  // the job fails
                if plan.earlyTasks.allSatisfy({ tasks.result($0) != nil }) {
                    return publishEarly(job, plan: plan, tasks: tasks, source: info, started: started)
                }
                Thread.sleep(forTimeInterval: 0.25)
            }
        }.start()
        return group
    }

    /// Joins, verifies and replicates the early rungs with the audio from `claimed/<job>/early/`.
    func publishEarly(_ job: String, plan: ChunkPlan, tasks: ChunkTasks, source info: SourceInfo, started: Date) {
        let publishing = Date()
        let dir = "\(spool.claimed)/\(job)/early"
        try? FileManager.default.removeItem(atPath: dir)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        do throws(TranscodeError) {
            let outputs = try ChunkJoin.join(plan, rungs: plan.early, outputs: tasks.outputs, firstFrame: { tasks.result($0)?.firstFrameSeconds }, into: dir)
            let renditions = try Verifier.check(outputs, in: dir, source: info)
            let manifest = manifest(job, renditions, source: info, seconds: Date().timeIntervalSince(started), pending: plan.later.map(\.file))
            guard FileManager.default.createFile(atPath: "\(dir)/manifest.json", contents: manifest.encoded()) else {
                throw TranscodeError(stage: .replicate, reason: "cannot write \(dir)/manifest.json", libav: nil)
            }
            let files = try renditions.map { r throws(TranscodeError) in try Replicator.describe("\(dir)/\(r.file)", name: r.file) }
            let holders = replicator.replicate(video: job, files: files, manifest: try Replicator.describe("\(dir)/manifest.json", name: "manifest.json"),
                                               confirmed: [])
            guard holders.count >= min(config.replicas, config.origins.count) else {
                return log("job \(job): the early rungs reached \(holders.count) origins, not \(config.replicas); the video waits for the whole ladder")
            }
            let live = renditions.map(\.file)
            update(job) { $0.playable = live; $0.playableOn = holders; $0.phases?.earlyPublish = JobPhases.since(publishing); $0.phases?.playable = JobPhases.since(started) }
            log(String(format: "job %@: playable with %@ on %@, %.1f s after the start; %@ to come", job, live.joined(separator: ", "),
                       holders.joined(separator: ", "), Date().timeIntervalSince(started), plan.later.map(\.file).joined(separator: ", ")))
        } catch {
            log("job \(job): not published early (\(error.reason)); the video waits for the whole ladder")
        }
    }
}
