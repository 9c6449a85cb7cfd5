import VODKit

/// The gzip-coded variant of an object. The origin gzip-codes playlists for clients that take
/// it and says `Vary: Accept-Encoding`; the edge keeps that variant under a key of its own
/// (RFC 9111 4.1, the request's coding preference as a secondary key), asks for it with
/// `Accept-Encoding: gzip`, and stores a response there only when it says it varies: what
/// does not (segments) stays one object under its URL, whoever asks.
enum CodingVariant {
    /// A request target has no spaces, so no URL's key ends so.
    static let suffix = " gzip"

    static func key(_ plain: String) -> String { plain + suffix }
    static func isVariant(_ key: String) -> Bool { key.hasSuffix(suffix) }
    /// The URL's own key (what the origin is asked for).
    static func plain(_ key: String) -> String { isVariant(key) ? String(key.dropLast(suffix.count)) : key }

    /// Whether a response with these headers differs by `Accept-Encoding` (or by anything: `*`).
    static func varies(_ headers: [[String]]) -> Bool {
        headers.contains { field in
            guard field.count == 2, field[0].caseInsensitiveEquals("Vary") else { return false }
            return field[1].split(separator: ",").contains { name in
                let name = name.trimmingSpaces()
                return name == "*" || name.caseInsensitiveEquals("Accept-Encoding")
            }
        }
    }
}
