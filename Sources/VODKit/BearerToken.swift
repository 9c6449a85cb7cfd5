/// `Authorization: Bearer <token>` checks, shared by the origin's ingest and the edge's purge.
public enum BearerToken {
    /// Whether the request head presents `token`; compared in constant time so the
    /// answer's timing does not reveal how much of a guess was right.
    public static func presented(in headers: HTTPHeaders, equals token: String) -> Bool {
        // The scheme is case-insensitive (RFC 9110 11.1); the token is compared as sent.
        let presented = headers["Authorization"].flatMap { $0.prefix(7).lowercased() == "bearer " ? $0.dropFirst(7) : nil } ?? ""
        return constantTimeEquals(Array(presented.utf8), Array(token.utf8))
    }

    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
