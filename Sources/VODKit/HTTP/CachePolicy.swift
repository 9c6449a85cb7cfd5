
/// What an origin's `Cache-Control` allows the edge to do with a response.
public struct CachePolicy: Equatable, Sendable {
    /// `no-store` or `private`: pass it on, keep nothing.
    public var storable: Bool
    /// Seconds it is fresh for (`max-age`; `immutable` alone means a year; neither: 0,
    /// so it is stored but revalidated before each use).
    public var freshFor: Double

    public init(storable: Bool, freshFor: Double) {
        self.storable = storable
        self.freshFor = freshFor
    }

    public init(cacheControl: String?, status: Int, notFoundSeconds: Double) {
        var maxAge: Double?
        var noStore = false, immutable = false, noCache = false
        for directive in (cacheControl ?? "").split(separator: ",") {
            let d = directive.trimmingSpaces().lowercased()
            if d == "no-store" || d == "private" { noStore = true }
            else if d == "no-cache" { noCache = true }
            else if d == "immutable" { immutable = true }
            else if d.hasPrefix("max-age="), let v = Double(d.dropFirst(8)), v >= 0 { maxAge = v }
            else if d.hasPrefix("s-maxage="), let v = Double(d.dropFirst(9)), v >= 0 { maxAge = v }
        }
        switch status {
        case 200:
            storable = !noStore
            freshFor = noCache ? 0 : (maxAge ?? (immutable ? 31_536_000 : 0))
        case 404:
            // Cached briefly, so a storm of requests for a missing segment does not all reach the origins.
            storable = !noStore
            freshFor = notFoundSeconds
        default:
            storable = false
            freshFor = 0
        }
    }
}
