import Foundation
#if canImport(Glibc)
import Glibc
#endif
import VODKit

/// `/api/tasks/…` on the transcoder's listener: chunk tasks for workers that do not mount
/// the spool (`vod-transcoder worker --server URL --token TOKEN`). The worker asks; the
/// server never calls it. A claim gives a task and its key; the worker reads the source
/// by byte ranges, renews the lease with heartbeats, uploads each output with its SHA-256
/// (checked here, written into the spool under the same rules as a local task) and says
/// when it is complete. A silent worker's task goes back to the queue after the lease timeout.
///
///     POST /api/tasks/claim                         Bearer token; {"worker": name} → 200 assignment or 204 none
///     GET  /api/tasks/<job>/<task>/source?key=      the source (Range answered)
///     POST /api/tasks/<job>/<task>/heartbeat?key=   {"percent": p} → 204, or 410: the task was taken over
///     PUT  /api/tasks/<job>/<task>/files/<name>?key= with X-Content-SHA256 → 201
///     POST /api/tasks/<job>/<task>/complete?key=    a ChunkResult → 204
///     POST /api/tasks/<job>/<task>/fail?key=        a TaskFailure → 204
struct TaskAPI: Sendable {
    let spool: Spool
    let token: String
    let settings: EncodeSettings
    let leaseSeconds: Double
    static let prefix = "/api/tasks"

    static func handles(_ path: Substring) -> Bool { path == prefix || path.hasPrefix(prefix + "/") }

    /// `<job>/<task>/<action>[/<name>]` of a path, each part made of safe characters.
    struct Target {
        var job: String, task: String, action: String, name: String?
        init?(_ path: Substring) {
            let parts = path.dropFirst(TaskAPI.prefix.count + 1).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3 || parts.count == 4, parts.allSatisfy(Self.isSafe) else { return nil }
            (job, task, action, name) = (parts[0], parts[1], parts[2], parts.count == 4 ? parts[3] : nil)
        }
        static func isSafe(_ s: String) -> Bool { SafeName.isValid(s, maxBytes: 64) }
    }

    func reply(to request: HTTPRequest) -> HTTPReply {
        let head = request.head
        if head.path == Self.prefix + "/claim" {
            guard head.method == "POST" else { return .response(.text(405, "POST /api/tasks/claim")) }
            if let refusal = refuseWithoutToken(head) { return .response(refusal) }
            let worker = (try? JSONDecoder().decode([String: String].self, from: Data(request.body)))?["worker"] ?? "unnamed"
            return .deferred { [self] in claim(for: String(worker.prefix(64))) }
        }
        guard let target = Target(head.path) else { return .response(.text(404, "no such task")) }
        return .deferred { [self] in
            let tasks = ChunkTasks(spool: spool, job: target.job)
            guard let lease = tasks.lease(target.task), let key = lease.key, let given = Self.key(head.target),
                  BearerToken.constantTimeEquals(Array(key.utf8), Array(given.utf8)) else {
                return .text(410, "this task is not yours (any more): its lease expired or it was done")
            }
            switch (head.method, target.action) {
            case ("GET", "source"), ("HEAD", "source"):
                guard let source = spool.source(of: target.job), let size = Self.size(source) else { return .text(404, "the job's source is gone") }
                return HTTPConditional.apply(HTTPResponse(status: 200, body: [.file(path: source, offset: 0, length: size)]), to: head)
            case ("POST", "heartbeat"):
                let percent = (try? JSONDecoder().decode([String: Double].self, from: Data(request.body)))?["percent"]
                tasks.renew(target.task, ChunkTasks.Lease(worker: lease.worker, heartbeat: Date().timeIntervalSince1970, percent: percent, key: key))
                return HTTPResponse(status: 204)
            case ("POST", "complete"):
                guard var result = try? JSONDecoder().decode(ChunkResult.self, from: Data(request.body)) else { return .text(400, "send a ChunkResult") }
                result.task = target.task
                result.worker = lease.worker
                let work = Self.work(tasks, target.task, key)
                guard let plan = tasks.plan, Self.expected(plan, task: target.task).allSatisfy({ FileManager.default.fileExists(atPath: "\(work)/\($0)") }) else {
                    return .text(409, "not every output of \(target.task) was uploaded")
                }
                guard tasks.complete(target.task, result, from: work) else { return .text(500, "cannot store the outputs") }
                spool.log("job \(target.job): \(target.task) done by \(lease.worker) in \(result.seconds) s")
                return HTTPResponse(status: 204)
            case ("POST", "fail"):
                guard let failure = try? JSONDecoder().decode(TaskFailure.self, from: Data(request.body)) else { return .text(400, "send a TaskFailure") }
                tasks.fail(target.task, FailureRecord(job: target.job, stage: failure.stage, reason: "\(target.task): \(failure.reason)", libav: failure.libav,
                                                      source: "", worker: lease.worker, failedAt: Daemon.timestamp()))
                return HTTPResponse(status: 204)
            default:
                return .text(405, "not a task action")
            }
        }
    }

    /// Uploads of outputs are streamed to the task's directory and checked against their SHA-256.
    func bodyHandling(for head: HTTPRequestHead) -> HTTPBodyHandling {
        guard head.method == "PUT" else { return .buffer }
        guard let target = Target(head.path), target.action == "files", let name = target.name, DownloadFormat(fileName: name) != nil else {
            return .reject(.text(404, "PUT /api/tasks/<job>/<task>/files/<name>.(mp4|webm|mkv|ogg|avi)"))
        }
        let tasks = ChunkTasks(spool: spool, job: target.job)
        // One small file read on the loop, as the tus handler does for its record.
        guard let lease = tasks.lease(target.task), let key = lease.key, let given = Self.key(head.target),
              BearerToken.constantTimeEquals(Array(key.utf8), Array(given.utf8)) else {
            return .reject(.text(410, "this task is not yours (any more)"))
        }
        guard let expected = head.headers["X-Content-SHA256"].flatMap(SHA256.digest(hex:)) else {
            return .reject(.text(400, "X-Content-SHA256 (64 hex digits) is required"))
        }
        let work = Self.work(tasks, target.task, key)
        try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        return .stream(FileReceiver.make(path: "\(work)/\(name)", expected: expected))
    }

    private func claim(for worker: String) -> HTTPResponse {
        let name = "remote:\(worker)"
        for tasks in ChunkTasks.jobsWithOpenTasks(spool, timeout: leaseSeconds) {
            guard let plan = tasks.plan else { continue }
            for task in tasks.open(timeout: leaseSeconds) where tasks.claim(task, worker: name, timeout: leaseSeconds) {
                let key = (0..<4).map { _ in String(UInt32.random(in: 0...UInt32.max), radix: 16) }.joined()
                tasks.renew(task, ChunkTasks.Lease(worker: name, heartbeat: Date().timeIntervalSince1970, key: key))
                spool.log("job \(tasks.job): \(task) claimed by \(name)")
                let assignment = TaskAssignment(job: tasks.job, task: task, plan: plan, settings: settings, key: key,
                                                base: "\(Self.prefix)/\(tasks.job)/\(task)", leaseSeconds: leaseSeconds)
                var r = HTTPResponse(status: 200, body: [.bytes(APIJSON.encode(assignment))])
                r.headers.append("Content-Type", "application/json")
                return r
            }
        }
        return HTTPResponse(status: 204)
    }

    private func refuseWithoutToken(_ head: HTTPRequestHead) -> HTTPResponse? {
        guard !token.isEmpty else { return .text(403, "remote workers are off: the transcoder has no token") }
        return BearerToken.presented(in: head.headers, equals: token) ? nil : .text(401, "a bearer token is required")
    }

    static func key(_ target: String) -> String? {
        guard let query = target.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        return query.split(separator: "&").first { $0.hasPrefix("key=") }.map { String($0.dropFirst(4)) }
    }

    /// Where a remote attempt's files go before `complete` renames them into place (one per key).
    static func work(_ tasks: ChunkTasks, _ task: String, _ key: String) -> String { "\(tasks.dir)/.\(task).remote-\(key).tmp" }

    static func expected(_ plan: ChunkPlan, task: String) -> [String] { plan.work(task)?.files ?? [] }

    static func size(_ path: String) -> Int64? {
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : nil
    }
}
