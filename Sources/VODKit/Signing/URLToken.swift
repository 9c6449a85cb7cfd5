/// A signed URL's token: which key signed it, until when it is valid, the client address it
/// is bound to (if any) and what it covers: a video id (every URL of that video: playlists,
/// segments, keys, thumbnails) or a path prefix starting with `/`.
///
/// Written `base64url(message) "." base64url(HMAC-SHA256(secret, message))` with the message
/// `v1|<key>|<expires>|<ip>|<scope>`: one path segment (`/t/<token>/…`) or a query value
/// (`?token=…`), readable without a key (the key id), unforgeable without its secret.
public struct URLToken: Equatable, Sendable {
    public var keyID: String
    /// Unix time, seconds.
    public var expires: Int64
    public var ip: String?
    public var scope: String

    public init(keyID: String, expires: Int64, ip: String? = nil, scope: String) {
        self.keyID = keyID; self.expires = expires; self.ip = ip; self.scope = scope
    }

    var message: [UInt8] { Array("v1|\(keyID)|\(expires)|\(ip ?? "")|\(scope)".utf8) }

    public func signed(secret: [UInt8]) -> String {
        let message = self.message
        return Base64URL.encode(message) + "." + Base64URL.encode(HMACSHA256.mac(key: secret, message: message))
    }

    /// A token as sent: its fields, its message and its MAC. Nil when it is not one (malformed).
    public struct Presented: Sendable {
        public let token: URLToken
        let message: [UInt8]
        let mac: [UInt8]

        public init?(_ text: Substring) {
            guard text.utf8.count <= 1024 else { return nil }
            let halves = text.split(separator: ".", omittingEmptySubsequences: false)
            guard halves.count == 2, let message = Base64URL.decode(halves[0]), let mac = Base64URL.decode(halves[1]), mac.count == 32 else { return nil }
            let fields = message.split(separator: UInt8(ascii: "|"), maxSplits: 4, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            guard fields.count == 5, fields[0] == "v1", !fields[1].isEmpty, let expires = Int64(fields[2]), !fields[4].isEmpty else { return nil }
            token = URLToken(keyID: fields[1], expires: expires, ip: fields[3].isEmpty ? nil : fields[3], scope: fields[4])
            self.message = message
            self.mac = mac
        }

        /// Whether `secret` made this token's MAC (constant time).
        public func isSigned(by secret: [UInt8]) -> Bool { HMACSHA256.equal(HMACSHA256.mac(key: secret, message: message), mac) }
    }
}
