/// What a request's `Accept-Encoding` allows (RFC 9110 12.5.3): a list of codings, each
/// with an optional weight (`gzip;q=0.8`); weight 0 refuses one, `*` stands for any coding
/// not named. Browsers send `gzip, deflate, br, zstd`; a client that sends nothing gets
/// the identity coding, as do malformed values.
public enum AcceptEncoding {
    /// Whether the header value lets the response be gzip-coded.
    public static func allowsGzip(_ value: String?) -> Bool {
        guard let value else { return false }
        var gzip: Bool?, any: Bool?
        for member in value.utf8.split(separator: UInt8(ascii: ",")) {
            let parts = member.split(separator: UInt8(ascii: ";"))
            guard let name = parts.first.map(trimmed) else { continue }
            let allowed = parts.dropFirst().allSatisfy { weightAllows(trimmed($0)) }
            if equalsIgnoringCase(name, "gzip") || equalsIgnoringCase(name, "x-gzip") {
                gzip = allowed && (gzip ?? true)
            } else if name.elementsEqual("*".utf8) {
                any = allowed
            }
        }
        return gzip ?? any ?? false
    }

    /// A parameter that is not `q=0` (`q=0`, `q=0.0`, `q=0.000`); other parameters allow.
    static func weightAllows(_ parameter: Substring.UTF8View) -> Bool {
        guard parameter.count >= 2, parameter.first == UInt8(ascii: "q") || parameter.first == UInt8(ascii: "Q"),
              parameter.dropFirst().first == UInt8(ascii: "=") else { return true }
        let weight = parameter.dropFirst(2)
        return weight.contains { $0 >= UInt8(ascii: "1") && $0 <= UInt8(ascii: "9") }
    }

    static func trimmed(_ s: Substring.UTF8View) -> Substring.UTF8View {
        let isSpace = { (c: UInt8) in c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") }
        guard let first = s.firstIndex(where: { !isSpace($0) }), let last = s.lastIndex(where: { !isSpace($0) }) else { return s[s.endIndex...] }
        return s[first...last]
    }

    static func equalsIgnoringCase(_ s: Substring.UTF8View, _ name: String) -> Bool {
        s.count == name.utf8.count && zip(s, name.utf8).allSatisfy { ($0 | 0x20) == $1 }
    }
}
