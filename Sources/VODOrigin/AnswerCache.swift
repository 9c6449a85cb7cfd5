import Synchronization
import VODKit

/// Answers an event loop made for a video in memory — playlists, MPDs, init segments and
/// not-founds — remembered by request target, so that the same request again skips routing,
/// the catalog and layout lookups and the access checks (each a lock, a hash of a long key,
/// a few allocations): what is left is one lookup here and the per-request part
/// (`If-None-Match`, `Range`, CORS, metrics). Playlists and 404s were answered 1.1–1.2 times
/// as fast (`bench/RESULTS.md`).
///
/// An answer lasts only as long as the catalog's memory of the video it was made from
/// (`CatalogCache`, 1 s), so it is never older than an answer made afresh could be; an ingest
/// or delete (`CatalogCache.forget`) makes every answer made before it unusable. Besides the
/// target (with any URL token taken out), an answer depends on two things about the request,
/// so each pair has a table of its own: whether the client takes gzip (a playlist's coding
/// follows it) and whether it carried a valid signed-URL token (a signed-only video is refused
/// without); every token is still checked, on every request, before this is asked.
final class AnswerCache: Sendable {
    private struct Answer {
        let response: HTTPResponse
        let expires: Double
        let generation: Int
    }
    /// What besides its target an answer depends on.
    struct Variant {
        var gzip: Bool
        var verified: Bool
        var slot: Int { (gzip ? 1 : 0) | (verified ? 2 : 0) }
    }
    private let tables = Mutex([[String: Answer]](repeating: [:], count: 4))
    /// Targets come from requests: past this many in a table it is emptied.
    let maxEntries: Int

    init(maxEntries: Int = 4096) { self.maxEntries = max(1, maxEntries) }

    /// Whether requests of this metrics route (`OriginTarget.route`) can have a remembered answer.
    static func serves(_ route: String) -> Bool { route == "hls" || route == "dash" || route == "cmaf" || route == "hls-ts" }

    /// The answer remembered for `target`, if it still holds at `now` for catalog `generation`.
    func answer(_ target: String, _ variant: Variant, generation: Int, now: Double) -> HTTPResponse? {
        guard let known = tables.withLock({ $0[variant.slot][target] }), known.expires > now, known.generation == generation else { return nil }
        return known.response
    }

    /// Remembers `response` to `target` until `expires` (`CatalogCache.now()`'s clock), for
    /// catalog `generation` (read before what it was made from was looked up).
    func remember(_ target: String, _ variant: Variant, _ response: HTTPResponse, expires: Double, generation: Int) {
        let answer = Answer(response: response, expires: expires, generation: generation)
        tables.withLock { t in
            if t[variant.slot].count >= maxEntries { t[variant.slot].removeAll() }
            t[variant.slot][target] = answer
        }
    }

    /// Whether the answer to `target` is one of those remembered: a playlist, MPD or init
    /// segment (of the video or a view of it), or a refusal or not-found (4xx; a server fault
    /// may pass). Segments are not: each has its own path from memory already, and a gathered
    /// one is counted by its asks.
    static func keeps(_ target: OriginTarget, _ response: HTTPResponse) -> Bool {
        if (400..<500).contains(response.status) { return true }
        guard response.status == 200 else { return false }
        switch target {
        case .playlist, .cmafInit: return true
        case .view(_, _, let inner): return keeps(inner, response)
        default: return false
        }
    }
}
