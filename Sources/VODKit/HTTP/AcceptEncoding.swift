/// What a request's `Accept-Encoding` allows (RFC 9110 12.5.3): a list of codings, each
/// with an optional weight (`gzip;q=0.8`); weight 0 refuses one, `*` stands for any coding
/// not named. Browsers send `gzip, deflate, br, zstd`; a client that sends nothing gets
/// the identity coding, as do malformed values.
public enum AcceptEncoding {
    /// Whether the header value lets the response be gzip-coded.
    public static func allowsGzip(_ value: String?) -> Bool {
        guard let value else { return false }
        var gzip: Bool?, any: Bool?
        for member in value.split(separator: ",") {
            let parts = member.split(separator: ";")
            guard let name = parts.first?.trimmingSpaces() else { continue }
            let allowed = parts.dropFirst().allSatisfy { weightAllows($0.trimmingSpaces()) }
            if name.caseInsensitiveEquals("gzip") || name.caseInsensitiveEquals("x-gzip") {
                gzip = allowed && (gzip ?? true)
            } else if name == "*" {
                any = allowed
            }
        }
        return gzip ?? any ?? false
    }

    /// A parameter that is not `q=0` (`q=0`, `q=0.0`, `q=0.000`); other parameters allow.
    static func weightAllows(_ parameter: String) -> Bool {
        guard parameter.hasPrefix("q=") || parameter.hasPrefix("Q=") else { return true }
        return parameter.utf8.dropFirst(2).contains { $0 >= UInt8(ascii: "1") && $0 <= UInt8(ascii: "9") }
    }
}
