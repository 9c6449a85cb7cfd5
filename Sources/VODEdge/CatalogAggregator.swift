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

    /// One video of `/api/catalog`.
    struct Entry: Codable, Equatable, Sendable {
        var id: String
        var replicas: [String]
        var title: String?
        var duration: Double?
        /// `W×H` of each video track, the name of others.
        var renditions: [String]?
        /// Audio tracks as a menu names them (`English`, `French 5.1`), when there are several.
        var audio: [String]?
        /// Subtitle tracks' menu labels.
        var subtitles: [String]?
        /// URLs of the download versions (`/download/<id>/<file>`).
        var downloads: [String]?
    }

    /// The catalog as JSON (blocking: call it on a worker).
    func json() -> [UInt8] {
        let now = Date().timeIntervalSince1970
        if let c = cached.withLock({ $0 }), now - c.at < 2 { return c.body }
        var holders: [String: [HTTPClientPool.Upstream]] = [:]
        for upstream in origins.upstreams {
            guard let r = try? origins.pool.request(upstream, "GET", "/api/videos"), r.status == 200,
                  let list = APIJSON.decode([VideoListEntry].self, r.body) else { continue }
            for entry in list { holders[entry.id, default: []].append(upstream) }
        }
        let videos = holders.sorted(by: { $0.key < $1.key }).map { id, have in
            var entry = Entry(id: id, replicas: have.map(\.description))
            if let r = try? origins.pool.request(have[0], "GET", "/api/videos/\(id)"), r.status == 200,
               let info = APIJSON.decode(VideoDescription.self, r.body) {
                entry.duration = info.tracks.map(\.duration).max() ?? 0
                entry.renditions = info.tracks.map { t in t.width.flatMap { w in t.height.map { "\(w)×\($0)" } } ?? t.name }
                entry.title = info.title
                entry.downloads = info.downloads
                let audio = info.tracks.filter { $0.type == "audio" }
                if audio.count > 1 { entry.audio = audio.map { $0.label ?? $0.name } }
                entry.subtitles = info.subtitles?.map(\.label)
            }
            return entry
        }
        let body = APIJSON.encode(videos)
        cached.withLock { $0 = (body, now) }
        return body
    }
}
