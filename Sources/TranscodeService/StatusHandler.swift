import Foundation
import VODKit

/// The transcoder's HTTP face (`listen` in the config): `/api/jobs` lists the spool
/// (incoming files, claimed jobs with their leases and progress, done and failed jobs with
/// their records), `/api/jobs/events` streams its changes, `/api/uploads/` takes tus
/// uploads, `/api/tasks/` hands chunk tasks to remote workers, `/healthz` answers ok.
public struct StatusHandler: HTTPHandler {
    let spool: Spool
    let uploads: TusHandler?
    let tasks: TaskAPI?
    let events: JobEvents

    init(spool: Spool, uploads: TusHandler? = nil, tasks: TaskAPI? = nil) {
        self.spool = spool
        self.uploads = uploads
        self.tasks = tasks
        events = JobEvents(spool: spool, uploads: uploads?.store)
        events.start()
    }

    public func bodyHandling(for head: HTTPRequestHead) -> HTTPBodyHandling {
        if let uploads, TusHandler.handles(head.path) { return uploads.bodyHandling(for: head) }
        if let tasks, TaskAPI.handles(head.path) { return tasks.bodyHandling(for: head) }
        return .buffer
    }

    public func reply(to request: HTTPRequest) -> HTTPReply {
        let head = request.head
        if let uploads, TusHandler.handles(head.path) { return uploads.reply(to: request) }
        if let tasks, TaskAPI.handles(head.path) { return tasks.reply(to: request) }
        if head.method == "OPTIONS" { return .response(HTTPConditional.options()) }
        guard head.method == "GET" || head.method == "HEAD" else { return .response(.text(405, "method not allowed")) }
        switch head.path {
        case "/healthz": return .response(.text(200, "ok"))
        case "/api/jobs":
            // Reads a few directories and small JSON files: on the worker pool, not the loop.
            return .deferred { [spool] in
                var r = HTTPResponse(status: 200, body: [.bytes(Array(Self.jobs(spool)))])
                r.headers.append("Content-Type", "application/json")
                r.headers.append("Cache-Control", "no-cache")
                return HTTPConditional.apply(r, to: head)
            }
        case "/api/jobs/events":
            return .deferred { [events] in
                let last = head.headers["Last-Event-ID"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                var r = HTTPResponse(status: 200, body: [.pipe(events.subscribe(lastEventID: last))])
                r.headers.append("Content-Type", "text/event-stream")
                r.headers.append("Cache-Control", "no-cache")
                r.headers.append("Access-Control-Allow-Origin", "*")
                return r
            }
        default: return .response(.text(404, "not found"))
        }
    }

    static func jobs(_ spool: Spool) -> Data { Data(APIJSON.encode(document(spool))) }

    static func document(_ spool: Spool) -> JobsDocument {
        let fm = FileManager.default
        func list(_ dir: String) -> [String] { ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }.sorted() }
        // Files in incoming/ and in its profile folders (`<profile>/<name>`).
        let incoming = list(spool.incoming).filter(Spool.isCandidate).flatMap { name -> [JobsDocument.Incoming] in
            let path = "\(spool.incoming)/\(name)"
            let attributes = try? fm.attributesOfItem(atPath: path)
            guard attributes?[.type] as? FileAttributeType == .typeDirectory else {
                return [JobsDocument.Incoming(name: name, bytes: attributes?[.size] as? Int64 ?? 0)]
            }
            return list(path).filter(Spool.isCandidate).map { file in
                JobsDocument.Incoming(name: "\(name)/\(file)", bytes: ((try? fm.attributesOfItem(atPath: "\(path)/\(file)"))?[.size] as? Int64) ?? 0)
            }
        }
        let claimed = list(spool.claimed).map { job in
            JobsDocument.Claimed(job: job, lease: JSONDecoder.read(Spool.Lease.self, at: "\(spool.claimed)/\(job)/lease.json"))
        }
        let done = list(spool.done).filter { $0.hasSuffix(".json") }.suffix(100).compactMap { name -> JobsDocument.Done? in
            guard let r = JSONDecoder.read(JobRecord.self, at: "\(spool.done)/\(name)") else { return nil }
            return .init(job: r.job, video: r.video, source: r.source, replicas: r.replicas, doneAt: r.doneAt, duration: r.manifest.duration,
                         renditions: r.manifest.renditions)
        }
        let failed = list(spool.failed).compactMap { JSONDecoder.read(FailureRecord.self, at: "\(spool.failed)/\($0)/error.json") }
        return JobsDocument(incoming: incoming, claimed: claimed, done: done, failed: failed)
    }
}
