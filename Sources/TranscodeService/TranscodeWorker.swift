import Synchronization
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import VODKit

/// One transcoder: watches the spool, claims ready files, runs each job (probe, plan,
/// transcode, verify, replicate) one at a time, keeps its leases alive, takes over jobs
/// whose worker died, and retries under-replicated jobs until M origins hold them.
public final class TranscodeWorker: Sendable {
    public let config: TranscoderConfig
    public let spool: Spool
    /// Uploads into this spool (`/api/uploads/` on the status listener).
    public let uploads: UploadStore
    let replicator: Replicator
    /// Deletes old published videos (`videoRetentionHours`); nil when off.
    let retention: VideoRetention?
    let log: @Sendable (String) -> Void
    let name: String
    struct Jobs {
        /// Leases this worker holds, as it last wrote them; the heartbeat rewrites them.
        var held: [String: Spool.Lease] = [:]
        /// Chunk tasks this worker works on (job and task), kept alive by the same heartbeat.
        var tasks: [String: (tasks: ChunkTasks, task: String, percent: Double)] = [:]
        var nextReplication: [String: Double] = [:]
        var heartbeatStarted = false
        var stopped = false
    }
    let jobs = Mutex(Jobs())

    public init(config: TranscoderConfig, log: @escaping @Sendable (String) -> Void) throws {
        self.config = config
        self.log = log
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count)
        name = config.workerName.isEmpty ? "\(String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)):\(getpid())" : config.workerName
        spool = try Spool(root: config.spool, worker: name, log: log)
        uploads = try UploadStore(spool: spool, limits: config.uploadLimits, log: log)
        replicator = Replicator(origins: try config.upstreams(), replicas: config.replicas, token: config.token, log: log)
        retention = config.videoRetentionHours > 0
            ? VideoRetention(hours: config.videoRetentionHours, origins: try config.upstreams(), token: config.token, log: log) : nil
    }

    /// Runs until `stop()`: a pass over the spool whenever inotify wakes it, at least every `rescanSeconds`.
    public func run() {
        startHeartbeat()
        // Each named profile has its folder in incoming/, made here so operators see where to drop.
        let folders = config.profileNames.filter { $0 != config.defaultProfile }
        for folder in folders { mkdir("\(spool.incoming)/\(folder)", 0o755) }
        let watcher = DirectoryWatcher(spool.incoming, subfolders: folders)
        var renamed: Set<String> = []
        while !isStopped {
            runOnce(renamedIn: renamed)
            renamed = watcher.wait(seconds: config.rescanSeconds)
        }
    }

    public func stop() { jobs.withLock { $0.stopped = true } }
    var isStopped: Bool { jobs.withLock { $0.stopped } }

    /// One pass: old records, abandoned jobs, under-replicated jobs, then ready files.
    public func runOnce(renamedIn: Set<String> = []) {
        startHeartbeat()
        spool.removeOldRecords(olderThan: config.recordRetentionHours)
        spool.returnAbandonedTakes(timeout: config.leaseTimeoutSeconds)
        uploads.sweep()
        retention?.sweepIfDue()
        for job in spool.abandonedJobs(timeout: config.leaseTimeoutSeconds) where !isStopped {
            if jobs.withLock({ $0.held[job] != nil }) { continue }
            if spool.takeOver(job) { process(job) }
        }
        for job in jobs.withLock({ Array($0.held.keys) }).sorted() where !isStopped {
            if jobs.withLock({ $0.nextReplication[job] ?? 0 }) <= Date().timeIntervalSince1970 { replicateAndFinish(job) }
        }
        // Chunks of jobs already started come before new files.
        while !isStopped, helpWithChunks() {}
        for file in spool.readyFiles(settle: config.settleSeconds, renamedIn: renamedIn, profiles: config.profileNames) where !isStopped {
            if case .claimed(let job) = spool.claim(file, defaultProfile: config.defaultProfile) { process(job) }
        }
    }

    /// Every job this worker holds gets a fresh heartbeat every `heartbeatSeconds`.
    private func startHeartbeat() {
        let start = jobs.withLock { j -> Bool in
            defer { j.heartbeatStarted = true }
            return !j.heartbeatStarted
        }
        guard start else { return }
        Thread { [self] in
            while !isStopped {
                Thread.sleep(forTimeInterval: config.heartbeatSeconds)
                for (tasks, task, percent) in jobs.withLock({ Array($0.tasks.values) }) where tasks.holds(task, worker: name) {
                    tasks.renew(task, ChunkTasks.Lease(worker: name, heartbeat: Date().timeIntervalSince1970, percent: percent))
                }
                for job in jobs.withLock({ Array($0.held.keys) }) {
                    guard spool.holds(job) else {
                        log("job \(job): lease lost to \(spool.lease(job)?.worker ?? "nobody"); letting it go")
                        jobs.withLock { $0.held[job] = nil }
                        continue
                    }
                    // Under the lock: `update` writes the same lease file from the job's thread.
                    jobs.withLock { j in
                        guard var fresh = j.held[job] else { return }
                        fresh.heartbeat = Date().timeIntervalSince1970
                        spool.writeLease(job, fresh)
                    }
                }
            }
        }.start()
    }

    func update(_ job: String, _ change: (inout Spool.Lease) -> Void) {
        jobs.withLock { j in
            var lease = j.held[job] ?? spool.lease(job) ?? Spool.Lease(worker: name, heartbeat: 0, state: "claimed", original: "source")
            change(&lease)
            lease.worker = name
            lease.heartbeat = Date().timeIntervalSince1970
            j.held[job] = lease
            spool.writeLease(job, lease)
        }
    }

    /// Runs a claimed job from its source (or, when its outputs are already made, from replication).
    func process(_ job: String) {
        let dir = "\(spool.claimed)/\(job)"
        if FileManager.default.fileExists(atPath: "\(dir)/out/manifest.json") {
            update(job) { $0.state = "replicating" }
            replicateAndFinish(job)
            return
        }
        guard let source = spool.source(of: job) else { return }
        let started = Date()
        do throws(TranscodeError) {
            update(job) { $0.state = "probing" }
            let info = try SourceInfo.probe(source)
            guard info.duration <= config.maxDurationSeconds else {
                throw TranscodeError(stage: .probe, reason: String(format: "%.0f s long, over the limit of %.0f s (maxDurationSeconds)", info.duration, config.maxDurationSeconds), libav: nil)
            }
            let profile = spool.lease(job)?.profile ?? Profile.defaultName
            guard let ladder = config.ladder(profile: profile) else {
                throw TranscodeError(stage: .plan, reason: "profile \(profile) is not configured on \(name)", libav: nil)
            }
            var rungs: [Rung] = []
            if let video = info.video { rungs = Ladder.plan(ladder, width: video.uprightSize.width, height: video.uprightSize.height) }
            let downloads = DownloadVersion.plan(config.downloads(profile: profile), width: info.video?.uprightSize.width, height: info.video?.uprightSize.height)
            log("job \(job): \(Self.describe(info)); ladder \(rungs.map { "\($0.width)x\($0.height)@\($0.videoKbps)k" }.joined(separator: " "))"
                + (downloads.isEmpty ? "" : "; downloads \(downloads.map(\.file).joined(separator: " "))"))
            let work = "\(dir)/out.tmp"
            try? FileManager.default.removeItem(atPath: work)
            try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            update(job) { $0.state = "transcoding"; $0.percent = 0 }
            let chunks = ChunkTasks(spool: spool, job: job)
            let plan = chunks.plan ?? ChunkPlan.make(duration: info.video?.duration ?? info.duration, chunkSeconds: config.chunkSeconds,
                                                      gopSeconds: config.encode.gopSeconds, rungs: rungs, audio: info.audio != nil, audioFiles: AudioRendition.plan(info).map(\.file),
                                                      earlyRungs: config.earlyRungs, downloads: downloads)
            update(job) { $0.phases = JobPhases(); $0.phases?.analysis = JobPhases.since(started) }
            let outputs: [Pipeline.Output]
            if let plan {
                outputs = try transcodeInChunks(job, plan: plan, tasks: chunks, source: info, started: started, into: work)
            } else {
                var lastLog = Date()
                outputs = try Pipeline(source: source, info: info, rungs: rungs, settings: config.encode, directory: work, downloads: downloads,
                                       isCancelled: { self.isStopped }) { p in
                    self.update(job) { $0.percent = (p.percent * 10).rounded() / 10; $0.fps = p.framesPerSecond.rounded(); $0.speed = (p.speed * 100).rounded() / 100; $0.etaSeconds = p.etaSeconds.rounded() }
                    if Date().timeIntervalSince(lastLog) >= 5 {
                        lastLog = Date()
                        self.log(String(format: "job %@: %.1f%% %.0f fps %.2fx ETA %.0f s", job, p.percent, p.framesPerSecond, p.speed, p.etaSeconds))
                    }
                }.run()
            }
            let transcodeSeconds = Date().timeIntervalSince(started)
            update(job) { $0.state = "verifying"; $0.percent = 100 }
            let verifying = Date()
            let renditions = try Verifier.check(outputs, in: work, source: info)
            var made: [VideoManifest.Download] = []
            for version in downloads { made.append(try DownloadVerifier.verify(version, in: work, source: info)) }
            update(job) { $0.phases?.verify = JobPhases.since(verifying) }
            var manifest = manifest(job, renditions, source: info, seconds: transcodeSeconds)
            if !made.isEmpty { manifest.downloads = made }
            var subtitles = SourceSubtitles.extract(source: source, into: work) { log("job \(job): \($0)") }
            for file in SidecarSubtitles.publish(job: dir, into: work, log: { log("job \(job): \($0)") }) where !subtitles.contains(file) { subtitles.append(file) }
            if !subtitles.isEmpty { manifest.subtitles = subtitles }
            let data = manifest.encoded()
            guard !data.isEmpty, FileManager.default.createFile(atPath: "\(work)/manifest.json", contents: data), rename(work, "\(dir)/out") == 0 else {
                throw TranscodeError(stage: .verify, reason: "cannot write the outputs in \(dir)", libav: nil)
            }
            log(String(format: "job %@: transcoded in %.1f s (%.2fx real time), %d files verified", job, transcodeSeconds, info.duration / max(transcodeSeconds, 0.001), renditions.count))
            update(job) { $0.state = "replicating" }
            replicateAndFinish(job)
        } catch where error.isCancellation {
            guard spool.holds(job) else {
                // Taken over while this worker waited for its chunks (it was thought dead): the new holder goes on.
                jobs.withLock { $0.held[job] = nil }
                return log("job \(job): taken over by \(spool.lease(job)?.worker ?? "another worker"); letting it go")
            }
            // Handed back: a lease that has already expired lets the next worker take the job at once.
            jobs.withLock { $0.held[job] = nil }
            update(job) { $0.state = "claimed"; $0.message = "handed back by \(name) when it stopped" }
            jobs.withLock { $0.held[job] = nil }
            var lease = spool.lease(job)
            lease?.heartbeat = 0
            if let lease { spool.writeLease(job, lease) }
            log("job \(job): stopped midway and handed back")
        } catch {
            finishFailed(job, error)
        }
    }

    /// The manifest of the job's verified `renditions`; `pending` names the rungs still to come (an early publication).
    func manifest(_ job: String, _ renditions: [Verifier.Rendition], source info: SourceInfo, seconds: Double, pending: [String]? = nil) -> VideoManifest {
        let lease = spool.lease(job)
        return VideoManifest(
            video: job,
            renditions: renditions.map { r in
                VideoManifest.Rendition(file: r.file, type: r.type == "audio" ? .audio : .video, codecs: r.codecs, bandwidth: r.bandwidth,
                                        duration: r.duration, width: r.width, height: r.height, frameRate: r.frameRate.map { ($0 * 1000).rounded() / 1000 },
                                        language: r.language, channels: r.channels)
            },
            title: lease?.original ?? "", duration: info.duration, sourceSha256: lease?.sourceSha256 ?? "", createdAt: Daemon.timestamp(),
            timings: .init(transcodeSeconds: (seconds * 100).rounded() / 100, speed: info.duration / max(seconds, 0.001)), pending: pending)
    }

    static func describe(_ info: SourceInfo) -> String {
        var parts = [info.container, String(format: "%.1f s", info.duration)]
        if let v = info.video {
            parts.append("video \(v.codec) \(v.width)x\(v.height) \(String(format: "%.2f", v.frameRate)) fps rotation \(v.rotation)")
        } else { parts.append("no video") }
        if let a = info.audio { parts.append("audio \(a.codec) \(a.sampleRate) Hz \(a.channels) ch") } else { parts.append("no audio") }
        return parts.joined(separator: ", ")
    }

    private func finishFailed(_ job: String, _ error: TranscodeError) {
        let original = spool.lease(job)?.original ?? ""
        if !(spool.lease(job)?.playable ?? []).isEmpty {
            // Published early: a video that will never be whole is taken off the origins.
            let kept = replicator.withdraw(video: job)
            log("job \(job): its early publication withdrawn" + (kept.isEmpty ? "" : "; still on \(kept.joined(separator: ", ")) (unreachable)"))
        }
        jobs.withLock { $0.held[job] = nil }
        spool.fail(job, error)
        notify(JobEvent(event: .failed, job: job, source: original, stage: error.stage, reason: error.reason, libav: error.libav))
    }

    /// Replicates the job's verified outputs; done when M origins hold them, else under-replicated and retried later.
    func replicateAndFinish(_ job: String) {
        let out = "\(spool.claimed)/\(job)/out"
        guard spool.holds(job) || jobs.withLock({ $0.held[job] != nil }) else { return }
        guard let manifest = JSONDecoder.read(VideoManifest.self, at: "\(out)/manifest.json") else {
            finishFailed(job, TranscodeError(stage: .replicate, reason: "the outputs' manifest is unreadable", libav: nil))
            return
        }
        let files: [Replicator.File]
        let manifestFile: Replicator.File
        do {
            files = try manifest.files.map { try Replicator.describe("\(out)/\($0)", name: $0) }
            manifestFile = try Replicator.describe("\(out)/manifest.json", name: "manifest.json")
        } catch {
            finishFailed(job, error as? TranscodeError ?? TranscodeError(stage: .replicate, reason: "\(error)", libav: nil))
            return
        }
        let before = spool.lease(job)?.replicas ?? []
        let replicating = Date()
        let holders = replicator.replicate(video: job, files: files, manifest: manifestFile, confirmed: before)
        update(job) { $0.phases?.replicate = JobPhases.since(replicating) }
        let needed = min(config.replicas, config.origins.count)
        guard holders.count >= needed else {
            update(job) { $0.state = "under-replicated"; $0.replicas = holders; $0.message = "published on \(holders.count) of \(needed) origins (its manifest goes out once \(needed) hold every file); retrying" }
            let next = Date().timeIntervalSince1970 + config.replicationRetrySeconds
            jobs.withLock { $0.nextReplication[job] = next }
            log("job \(job): under-replicated, on \(holders.count) of \(needed) origins (\(holders.joined(separator: ", "))); retrying in \(Int(config.replicationRetrySeconds)) s")
            return
        }
        let lease = spool.lease(job)
        for origin in (lease?.playableOn ?? []).filter({ !holders.contains($0) }) {
            // It held the early version but was not reachable for the whole one: the early copy goes.
            let left = replicator.withdraw(video: job, from: replicator.origins.filter { $0.description == origin })
            log("job \(job): \(origin) held its early version and missed the whole one; " + (left.isEmpty ? "removed there"
                : "unreachable, so it still holds it: `vod-transcoder repair` replaces it once it is back"))
        }
        let chunks = ChunkTasks(spool: spool, job: job)
        let record = JobRecord(job: job, video: job, source: lease?.original ?? "", sourceSha256: lease?.sourceSha256 ?? "", worker: name,
                               replicas: holders, files: (files + [manifestFile]).map { .init(name: $0.name, bytes: $0.bytes, sha256: $0.sha256) },
                               manifest: manifest, doneAt: Daemon.timestamp(), chunks: chunks.plan.map { $0.tasks.compactMap(chunks.result) },
                               phases: lease?.phases)
        jobs.withLock { $0.held[job] = nil; $0.nextReplication[job] = nil }
        spool.finish(job, record: record, retention: config.sourceRetention, moveTo: config.moveSourceTo)
        log("job \(job) done: \(lease?.original ?? "") on \(holders.joined(separator: ", "))")
        notify(JobEvent(event: .done, job: job, source: lease?.original ?? "", video: job, replicas: holders))
    }

    /// POSTs a JSON event to the configured webhook (best effort, logged on failure).
    func notify(_ event: JobEvent) {
        guard !config.webhook.isEmpty else { return }
        guard let (upstream, path) = HTTPClientPool.Upstream.split(url: config.webhook) else {
            log("webhook \(config.webhook): not an http://HOST:PORT/PATH URL")
            return
        }
        do {
            let body = APIJSON.encode(event)
            let r = try HTTPClientConnection(host: upstream.host, port: upstream.port, timeoutSeconds: 5, connectTimeoutMilliseconds: 2000)
                .request("POST", path, headers: [("Content-Type", "application/json")], body: body)
            if r.status >= 300 { log("webhook answered \(r.status)") }
        } catch { log("webhook \(config.webhook) failed: \(error)") }
    }
}
