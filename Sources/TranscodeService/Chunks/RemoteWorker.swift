import Foundation
import Synchronization
import VODKit

/// `vod-transcoder worker --server URL --token TOKEN`: a worker host that does not mount the
/// spool. It asks the transcoder for a chunk task (`POST /api/tasks/claim`), reads the source
/// over HTTP (libav's http protocol, by byte ranges), encodes the chunk, renews its lease with
/// heartbeats, uploads every output with its SHA-256 and reports the result. It only ever
/// calls the server; a server restart or this worker's death loses nothing (the lease
/// expires and the task goes back to the queue).
public final class RemoteWorker: Sendable {
    public let server: HTTPClientPool.Upstream
    let token: String
    public let name: String
    /// Tasks run at once (each in its own thread); 1 by default.
    public let concurrency: Int
    /// Codec threads per task (0: libav's choice), the worker's CPU limit.
    let threads: Int
    /// Seconds between claims when the queue is empty.
    let idleSeconds: Double
    let log: @Sendable (String) -> Void
    private let stopped = Mutex(false)

    public init(server: HTTPClientPool.Upstream, token: String, name: String, concurrency: Int = 1, threads: Int = 0, idleSeconds: Double = 2,
                log: @escaping @Sendable (String) -> Void) {
        self.server = server
        self.token = token
        self.name = name
        self.concurrency = max(1, concurrency)
        self.threads = max(0, threads)
        self.idleSeconds = idleSeconds
        self.log = log
    }

    public func stop() { stopped.withLock { $0 = true } }
    var isStopped: Bool { stopped.withLock { $0 } }

    /// Runs `concurrency` loops until `stop()`.
    public func run() {
        let group = DispatchGroup()
        for _ in 0..<concurrency {
            group.enter()
            Thread { [self] in
                while !isStopped { if !runOne() { Thread.sleep(forTimeInterval: idleSeconds) } }
                group.leave()
            }.start()
        }
        group.wait()
    }

    /// Claims and runs one task; false when there was none (or the server did not answer).
    @discardableResult
    public func runOne() -> Bool {
        let assignment: TaskAssignment
        do {
            let r = try request("POST", "/api/tasks/claim", body: APIJSON.encode(["worker": name]))
            guard r.status == 200 else {
                if r.status != 204 { log("claim: the server answered \(r.status): \(String(decoding: r.body.prefix(200), as: UTF8.self))") }
                return false
            }
            guard let a = APIJSON.decode(TaskAssignment.self, r.body) else { log("claim: an assignment this worker cannot read"); return false }
            assignment = a
        } catch {
            log("claim: \(server) unreachable: \(error)")
            return false
        }
        run(assignment)
        return true
    }

    private func run(_ a: TaskAssignment) {
        let started = Date()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("vod-worker-\(a.job)-\(a.task)-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: work) }
        try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        log("job \(a.job): \(a.task) claimed")
        let progress = Mutex((percent: 0.0, lost: false))
        let done = Mutex(false)
        // Heartbeats from their own thread: a long chunk must not let the lease lapse.
        Thread { [self] in
            while !done.withLock({ $0 }) {
                let percent = progress.withLock { $0.percent }
                if let r = try? request("POST", "\(a.base)/heartbeat?key=\(a.key)", body: APIJSON.encode(["percent": percent])), r.status == 410 {
                    progress.withLock { $0.lost = true }
                }
                Thread.sleep(forTimeInterval: max(0.2, min(a.leaseSeconds / 4, 5)))
            }
        }.start()
        defer { done.withLock { $0 = true } }
        let source = "http://\(server.host):\(server.port)\(a.base)/source?key=\(a.key)"
        var settings = a.settings
        if threads > 0 { settings.threads = threads }
        let firstFrame: Double?
        do throws(TranscodeError) {
            guard let task = a.work else { throw TranscodeError(stage: .plan, reason: "unknown task \(a.task)", libav: nil) }
            let info = try SourceInfo.probe(source)
            firstFrame = try task.run(source: source, info: info, settings: settings, directory: work,
                                      isCancelled: { self.isStopped || progress.withLock { $0.lost } }) { percent in progress.withLock { $0.percent = percent } }
        } catch where error.isCancellation {
            return log("job \(a.job): \(a.task) given up (\(isStopped ? "stopping" : "the lease was taken over"))")
        } catch {
            log("job \(a.job): \(a.task) failed: \(error.reason)")
            _ = try? request("POST", "\(a.base)/fail?key=\(a.key)", body: APIJSON.encode(TaskFailure(stage: error.stage, reason: error.reason, libav: error.libav)))
            return
        }
        for name in TaskAPI.expected(a.plan, task: a.task) {
            let path = "\(work)/\(name)"
            guard let digest = FileDigest.sha256(path: path) else { return log("job \(a.job): \(a.task) made no \(name)") }
            do {
                let connection = try HTTPClientConnection(host: server.host, port: server.port, timeoutSeconds: 120, connectTimeoutMilliseconds: 5000)
                let r = try connection.request("PUT", "\(a.base)/files/\(name)?key=\(a.key)", headers: [("X-Content-SHA256", digest.hex)], file: path)
                guard r.status == 201 else { return log("job \(a.job): upload of \(name) answered \(r.status): \(String(decoding: r.body.prefix(200), as: UTF8.self))") }
            } catch {
                return log("job \(a.job): upload of \(name) failed: \(error)")
            }
        }
        let result = ChunkResult(task: a.task, worker: name, seconds: (Date().timeIntervalSince(started) * 100).rounded() / 100,
                                 firstFrameSeconds: firstFrame)
        let status = (try? request("POST", "\(a.base)/complete?key=\(a.key)", body: APIJSON.encode(result)).status) ?? 0
        log(status == 204 ? String(format: "job %@: %@ done in %.1f s", a.job, a.task, result.seconds) : "job \(a.job): \(a.task) not accepted (\(status))")
    }

    private func request(_ method: String, _ target: String, body: [UInt8]) throws -> HTTPClientConnection.Response {
        let connection = try HTTPClientConnection(host: server.host, port: server.port, timeoutSeconds: 30, connectTimeoutMilliseconds: 5000)
        return try connection.request(method, target, headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")], body: body)
    }
}
