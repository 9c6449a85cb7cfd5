import HLSPackager
import VODKit

/// The answers that give a protected video's key to a player holding a signed URL
/// (`VideoAccess.refusal` has already checked the token). Never cached anywhere.
extension OriginRouter {
    /// `/key/<video>/<kid hex>.key`: the 16 key bytes (HLS `identity` key format).
    func key(_ e: MediaSetCache.Entry, file: Substring) -> HTTPResponse {
        guard let protection = e.set.protection,
              Protection.keyPath(video: e.set.name, key: protection.key).hasSuffix("/" + file) else { return .text(404, "no such key") }
        return secret(protection.key.key, type: "application/octet-stream")
    }

    /// `/clearkey/<video>`: the W3C ClearKey licence, a JSON Web Key set with the video's key
    /// (EME's licence request may be POSTed or not; its key ids are not needed: a video has one key).
    func clearKey(_ e: MediaSetCache.Entry) -> HTTPResponse {
        guard let protection = e.set.protection else { return .text(404, "video \(e.set.name) is not encrypted") }
        let licence = ClearKeyLicence(keys: [.init(kty: "oct", k: Base64URL.encode(protection.key.key), kid: Base64URL.encode(protection.key.id))], type: "temporary")
        return secret(APIJSON.encode(licence), type: "application/json")
    }

    private func secret(_ bytes: [UInt8], type: String) -> HTTPResponse {
        var r = HTTPResponse(status: 200, body: [.bytes(bytes)])
        r.headers.append("Content-Type", type)
        r.headers.append("Cache-Control", "private, no-store")
        return r
    }
}

/// W3C Encrypted Media Extensions, ClearKey licence format (9.1.4).
struct ClearKeyLicence: Codable {
    struct Key: Codable {
        var kty: String
        var k: String
        var kid: String
    }
    var keys: [Key]
    var type: String
}
