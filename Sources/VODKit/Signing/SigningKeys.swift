import Foundation

/// The keys file given to origin and edge (`--signing-keys FILE`, config `signingKeysFile`):
/// `{"keys":[{"id":"k1","secret":"<hex>"}],"requireSignature":true}`. Every key listed is
/// accepted (rotation: add the new key, sign with it, drop the old one once its tokens
/// expire); `vod sign` signs with the first unless told. `requireSignature` makes every
/// media URL need a token; without it only videos whose manifest says `"access": "signed"` do.
public struct SigningKeys: Codable, Equatable, Sendable {
    public struct Key: Codable, Equatable, Sendable {
        public var id: String
        /// Hex, at least 16 bytes.
        public var secret: String
        public init(id: String, secret: String) { self.id = id; self.secret = secret }
    }

    public var keys: [Key]
    public var requireSignature: Bool

    public init(keys: [Key], requireSignature: Bool = false) { self.keys = keys; self.requireSignature = requireSignature }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        keys = try c.decode([Key].self, forKey: .keys)
        requireSignature = try c.decodeIfPresent(Bool.self, forKey: .requireSignature) ?? false
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads and checks a keys file; the error names the file and what is wrong.
    public static func load(_ path: String) throws(Invalid) -> SigningKeys {
        guard let data = FileManager.default.contents(atPath: path) else { throw Invalid(description: "cannot read signing keys \(path)") }
        let keys: SigningKeys
        do { keys = try JSONDecoder().decode(SigningKeys.self, from: data) } catch {
            throw Invalid(description: "signing keys \(path) is not {\"keys\":[{\"id\":…,\"secret\":\"<hex>\"}],\"requireSignature\":…}: \(error)")
        }
        guard !keys.keys.isEmpty else { throw Invalid(description: "signing keys \(path) lists no key") }
        for key in keys.keys {
            guard SafeName.isValid(key.id, maxBytes: 32), !key.id.contains(".") else {
                throw Invalid(description: "signing keys \(path): key id \"\(key.id)\" must be 1-32 letters, digits, - or _")
            }
            guard let secret = Hex.decode(key.secret), secret.count >= 16 else {
                throw Invalid(description: "signing keys \(path): key \(key.id) needs a secret of at least 32 hex digits")
            }
        }
        guard Set(keys.keys.map(\.id)).count == keys.keys.count else { throw Invalid(description: "signing keys \(path): a key id is listed twice") }
        return keys
    }

    /// The secret of key `id`, if it is listed.
    public func secret(_ id: Substring) -> [UInt8]? { keys.first { $0.id == id }.flatMap { Hex.decode($0.secret) } }
}

/// Hex digits (either case) to bytes and back.
public enum Hex {
    public static func decode(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let hi = ChunkedDecoder.hex(digits[i]), let lo = ChunkedDecoder.hex(digits[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
        }
        return out
    }

    public static func encode(_ bytes: [UInt8]) -> String { SHA256.hex(bytes) }
}
