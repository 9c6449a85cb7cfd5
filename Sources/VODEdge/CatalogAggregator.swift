import Synchronization
import Foundation
import VODKit

/// `/api/catalog` on the edge: every video on any origin, with its renditions, duration
/// and the origins that hold it (each origin lists only its own share). Asked of the
/// origins at most every two seconds.
final class CatalogAggregator: Sendable {
    let origins: OriginSet
    private let cached = Mutex<(body: [UInt8], at: Double)?>(nil)

    init(origins: OriginSet) { self.origins = origins }

    /// The catalog as JSON (blocking: call it on a worker).
    func json() -> [UInt8] {
        let now = Date().timeIntervalSince1970
        if let c = cached.withLock({ $0 }), now - c.at < 2 { return c.body }
        var holders: [String: [HTTPClientPool.Upstream]] = [:]
        for upstream in origins.upstreams {
            guard let r = try? origins.pool.request(upstream, "GET", "/api/videos"), r.status == 200,
                  let list = (try? JSONSerialization.jsonObject(with: Data(r.body))) as? [[String: Any]] else { continue }
            for id in list.compactMap({ $0["id"] as? String }) { holders[id, default: []].append(upstream) }
        }
        var videos: [[String: Any]] = []
        for (id, have) in holders.sorted(by: { $0.key < $1.key }) {
            var entry: [String: Any] = ["id": id, "replicas": have.map(\.description)]
            if let r = try? origins.pool.request(have[0], "GET", "/api/videos/\(id)"), r.status == 200,
               let info = (try? JSONSerialization.jsonObject(with: Data(r.body))) as? [String: Any] {
                let tracks = info["tracks"] as? [[String: Any]] ?? []
                entry["duration"] = tracks.compactMap { $0["duration"] as? Double }.max() ?? 0
                entry["renditions"] = tracks.map { t -> String in
                    if let w = t["width"] as? Int, let h = t["height"] as? Int { return "\(w)×\(h)" }
                    return t["name"] as? String ?? "?"
                }
                if let title = info["title"] as? String { entry["title"] = title }
            }
            videos.append(entry)
        }
        let body = [UInt8]((try? JSONSerialization.data(withJSONObject: videos, options: [.sortedKeys])) ?? Data("[]".utf8))
        cached.withLock { $0 = (body, now) }
        return body
    }
}
