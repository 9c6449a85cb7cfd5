/// How a protected video's segments are encrypted.
/// - `aes-128`: whole segments, AES-128-CBC with PKCS#7 padding (RFC 8216 `METHOD=AES-128`),
///   HLS only (CMAF and TS); its DASH is refused.
/// - `cenc`: ISO/IEC 23001-7 AES-CTR with subsamples (DASH, Widevine/PlayReady style;
///   HLS `METHOD=SAMPLE-AES-CTR`); its TS is whole-segment AES-128.
/// - `cbcs`: AES-CBC pattern 1:9 on video, whole blocks on audio, constant IV (HLS
///   `METHOD=SAMPLE-AES` as FairPlay, and modern DASH); its TS is whole-segment AES-128.
public enum EncryptionScheme: String, Sendable, Codable, CaseIterable {
    case aes128 = "aes-128"
    case cenc
    case cbcs
}

/// A video's content key: key id (KID), key and the IV the scheme starts from, 16 bytes each.
public struct ContentKey: Sendable, Equatable {
    public let id: [UInt8]
    public let key: [UInt8]
    public let iv: [UInt8]

    public init?(id: [UInt8], key: [UInt8], iv: [UInt8]) {
        guard id.count == 16, key.count == 16, iv.count == 16 else { return nil }
        self.id = id; self.key = key; self.iv = iv
    }

    /// The KID in hex (key URLs, ETags).
    public var idHex: String { Self.hex(id) }

    /// The KID as a UUID (`cenc:default_KID`).
    public var uuid: String {
        let h = Array(idHex)
        return [h[0..<8], h[8..<12], h[12..<16], h[16..<20], h[20..<32]].map { String($0) }.joined(separator: "-")
    }
}

/// What a protected video is served with: its scheme and key.
public struct Protection: Sendable, Equatable {
    public let scheme: EncryptionScheme
    public let key: ContentKey

    public init(scheme: EncryptionScheme, key: ContentKey) { self.scheme = scheme; self.key = key }

    /// The path of the key (16 raw bytes) under the root: `key/<video>/<kid hex>.key`.
    public static func keyPath(video: String, key: ContentKey) -> String {
        "key/\(video)/\(key.idHex).key"
    }

    /// The path of the ClearKey licence under the root: `clearkey/<video>`.
    public static func licencePath(video: String) -> String { "clearkey/\(video)" }

    /// The IV of whole-segment AES-128 segment `n` of track `name` in `set`: unique per
    /// segment (clips and selections included, as their set names differ).
    public func segmentIV(set: String, track: String, segment n: Int) -> [UInt8] {
        Array(Digest.sha256(key.iv + Array("\(set)|\(track)|\(n)".utf8)).prefix(16))
    }
}

extension ContentKey {
    /// Lower-case hex, two digits a byte.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }
}
