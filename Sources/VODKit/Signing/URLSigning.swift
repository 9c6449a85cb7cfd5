/// Signed-URL checks, the same on origin and edge. A token comes in the path
/// (`/t/<token>/hls/<video>/…`: the relative URLs of our playlists carry it to every
/// playlist, segment and key) or the query (`?token=…`, for CDNs that sign queries); it is
/// taken out of the request before routing and caching, so the cache key never holds it.
public struct URLSigning: Sendable {
    /// Nil: signing is off (tokens are taken out and passed on, never checked).
    public let keys: SigningKeys?
    /// Take the client address from `X-Forwarded-For` (set when a trusted proxy, e.g. our edge, is in front).
    public let trustForwardedFor: Bool

    /// On responses of a video whose manifest says `"access": "signed"`: the edge keeps it
    /// with the object and serves that object only to requests with a valid token.
    public static let accessHeader = "X-VOD-Access"

    public init(keys: SigningKeys?, trustForwardedFor: Bool) { self.keys = keys; self.trustForwardedFor = trustForwardedFor }

    public enum Decision: Sendable {
        /// The request without its token. `token`: as sent (to pass on to an origin);
        /// `verified`: it was checked against the keys and is valid for this URL.
        case admit(HTTPRequestHead, token: Substring?, verified: Bool)
        case refuse(Refusal)
    }

    public var requireSignature: Bool { keys?.requireSignature ?? false }

    /// Checks the token of a request, if it has one; refuses a media URL without one when
    /// every media URL needs a signature.
    public func admit(_ head: HTTPRequestHead, peer: String, now: Int64) -> Decision {
        let (stripped, token) = Self.takeToken(head)
        guard let token else {
            if requireSignature && Self.isMedia(stripped.path) { return .refuse(Refusal(status: 403, reason: "this URL needs a signature (/t/<token>/… or ?token=)")) }
            return .admit(stripped, token: nil, verified: false)
        }
        guard let keys else { return .admit(stripped, token: token, verified: false) }
        switch check(token, path: stripped.path, client: clientAddress(head, peer: peer), keys: keys, now: now) {
        case .success: return .admit(stripped, token: token, verified: true)
        case .failure(let refusal): return .refuse(refusal)
        }
    }

    /// Why a request is refused: 400 (not a token) or 403, and a body that says why.
    public struct Refusal: Error, Equatable, Sendable {
        public let status: Int
        public let reason: String
    }

    /// Whether `token` is valid for `path` from `client` at `now`: 400 when it is not a token, 403 when it does not hold.
    public func check(_ token: Substring, path: Substring, client: String, keys: SigningKeys, now: Int64) -> Result<Void, Refusal> {
        guard let presented = URLToken.Presented(token) else { return .failure(Refusal(status: 400, reason: "malformed URL token")) }
        let t = presented.token
        guard let secret = keys.secret(Substring(t.keyID)) else { return .failure(Refusal(status: 403, reason: "URL token signed with unknown key \(t.keyID)")) }
        guard presented.isSigned(by: secret) else { return .failure(Refusal(status: 403, reason: "URL token signature does not match")) }
        guard now < t.expires else { return .failure(Refusal(status: 403, reason: "URL token expired \(now - t.expires) s ago")) }
        if t.scope.hasPrefix("/") {
            guard path.hasPrefix(t.scope) else { return .failure(Refusal(status: 403, reason: "URL token is for paths under \(t.scope)")) }
        } else {
            guard let video = Self.video(path), video == t.scope else { return .failure(Refusal(status: 403, reason: "URL token is for video \(t.scope)")) }
        }
        if let ip = t.ip, ip != client { return .failure(Refusal(status: 403, reason: "URL token is bound to another client address")) }
        return .success(())
    }

    /// The client: the first `X-Forwarded-For` address when trusted, else the socket's peer.
    public func clientAddress(_ head: HTTPRequestHead, peer: String) -> String {
        if trustForwardedFor, let forwarded = head.headers["X-Forwarded-For"],
           let first = forwarded.split(separator: ",").first?.trimmingSpaces(), !first.isEmpty {
            return first
        }
        return peer
    }

    /// The request with its token taken out: `/t/<token>/rest` → `/rest`, `?token=…` removed.
    public static func takeToken(_ head: HTTPRequestHead) -> (HTTPRequestHead, Substring?) {
        // Most requests carry no token: neither `/t/` nor a query.
        if !head.path.utf8.starts(with: "/t/".utf8) && head.path.endIndex == head.target.endIndex { return (head, nil) }
        let target = head.target
        var path = head.path
        var query = target[path.endIndex...]
        var token: Substring?
        if path.hasPrefix("/t/") {
            let rest = path.dropFirst(3)
            let end = rest.firstIndex(of: "/") ?? rest.endIndex
            token = rest[..<end]
            path = rest[end...]
        }
        if query.hasPrefix("?") {
            var pairs = query.dropFirst().split(separator: "&", omittingEmptySubsequences: false)
            if let i = pairs.firstIndex(where: { $0.hasPrefix("token=") }) {
                if token == nil { token = pairs[i].dropFirst(6) }
                pairs.remove(at: i)
                query = pairs.isEmpty ? "" : Substring("?" + pairs.joined(separator: "&"))
            }
        }
        guard token != nil else { return (head, nil) }
        let stripped = HTTPRequestHead(method: head.method, target: (path.isEmpty ? "/" : String(path)) + query, minorVersion: head.minorVersion,
                                       headers: head.headers, framing: head.framing, keepAlive: head.keepAlive)
        return (stripped, token)
    }

    /// The video a media URL belongs to (`/key/<video>/…` and `/clearkey/<video>` too).
    public static func video(_ path: Substring) -> Substring? {
        let p = path.utf8.dropFirst().split(separator: 0x2F, maxSplits: 2, omittingEmptySubsequences: false).map { Substring($0) }
        if p.count >= 2, p[0] == "key" || p[0] == "clearkey" { return p[1] }
        return p.first == "api" ? nil : HTTPPath.video(path)
    }

    /// URLs that give out a video's media (playlists, segments, files, thumbnails, keys).
    public static func isMedia(_ path: Substring) -> Bool { video(path) != nil }
}
