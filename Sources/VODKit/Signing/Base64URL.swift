import Foundation

/// RFC 4648 §5 base64url without padding: what goes in a path segment and in ClearKey JSON.
public enum Base64URL {
    public static func encode(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return String(text.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }

    /// Nil for anything but base64url characters (padding tolerated).
    public static func decode(_ text: Substring) -> [UInt8]? {
        var plain = String(text.utf8.prefix { $0 != UInt8(ascii: "=") }.map { c -> Character in
            c == UInt8(ascii: "-") ? "+" : c == UInt8(ascii: "_") ? "/" : Character(UnicodeScalar(c))
        })
        guard plain.utf8.allSatisfy({ c in (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2B || c == 0x2F }) else { return nil }
        while plain.utf8.count % 4 != 0 { plain += "=" }
        return Data(base64Encoded: plain).map { Array($0) }
    }
}
