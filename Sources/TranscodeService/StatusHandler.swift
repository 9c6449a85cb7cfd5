import Foundation
import VODKit

/// The transcoder's read-only HTTP face (`listen` in the config): `/api/jobs` lists the
/// spool (incoming files, claimed jobs with their leases and progress, done and failed
/// jobs with their records), `/healthz` answers ok. The edge's page shows it.
public struct StatusHandler: HTTPHandler {
    let spool: Spool

    public init(spool: Spool) { self.spool = spool }

    public func reply(to request: HTTPRequest) -> HTTPReply {
        let head = request.head
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
        default: return .response(.text(404, "not found"))
        }
    }

    static func jobs(_ spool: Spool) -> Data {
        let fm = FileManager.default
        func list(_ dir: String) -> [String] { ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }.sorted() }
        func json(_ path: String) -> Any? { fm.contents(atPath: path).flatMap { try? JSONSerialization.jsonObject(with: $0) } }
        let incoming: [[String: Any]] = list(spool.incoming).filter(Spool.isCandidate).map { name in
            ["name": name, "bytes": ((try? fm.attributesOfItem(atPath: "\(spool.incoming)/\(name)"))?[.size] as? Int) ?? 0]
        }
        let claimed: [[String: Any]] = list(spool.claimed).map { job in
            var entry: [String: Any] = ["job": job]
            if let lease = json("\(spool.claimed)/\(job)/lease.json") { entry["lease"] = lease }
            return entry
        }
        let done: [Any] = list(spool.done).filter { $0.hasSuffix(".json") }.suffix(100).compactMap { name in
            guard let record = json("\(spool.done)/\(name)") as? [String: Any] else { return nil }
            var summary: [String: Any] = [:]
            for key in ["job", "video", "source", "replicas", "doneAt"] { summary[key] = record[key] }
            if let manifest = record["manifest"] as? [String: Any] { summary["duration"] = manifest["duration"]; summary["renditions"] = manifest["renditions"] }
            return summary
        }
        let failed: [Any] = list(spool.failed).compactMap { json("\(spool.failed)/\($0)/error.json") }
        let all: [String: Any] = ["incoming": incoming, "claimed": claimed, "done": done, "failed": failed]
        return (try? JSONSerialization.data(withJSONObject: all, options: [.sortedKeys])) ?? Data("{}".utf8)
    }
}
