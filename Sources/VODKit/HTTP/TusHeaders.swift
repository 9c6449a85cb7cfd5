import Foundation

/// The values of tus 1.0.0 request headers, parsed from what a client sent (fuzzed with the
/// HTTP parser: none of this may trap on any input).
public enum TusHeaders {
    /// `Upload-Length`, `Upload-Offset`: decimal digits only, at most 18 (no sign, no overflow).
    public static func integer(_ value: String?) -> Int64? {
        guard let value, !value.isEmpty, value.utf8.count <= 18, value.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int64(value)
    }

    /// `Upload-Metadata`: `key base64,key base64,flag`; values decoded as UTF-8 (a value that is
    /// not valid base64 or UTF-8 reads as empty).
    public static func metadata(_ header: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in header.split(separator: ",") {
            let parts = pair.drop { $0 == " " }.split(separator: " ", maxSplits: 1)
            guard let key = parts.first else { continue }
            let value = parts.count > 1 ? Data(base64Encoded: String(parts[1].drop { $0 == " " }.trimmingSuffix(" "))).flatMap { String(data: $0, encoding: .utf8) } : ""
            fields[String(key)] = value ?? ""
        }
        return fields
    }

    /// `Upload-Checksum: <algorithm> <base64>`: the algorithm's name (lowercased) and the digest;
    /// nil when malformed.
    public static func checksum(_ value: String) -> (algorithm: String, digest: [UInt8])? {
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, let digest = Data(base64Encoded: String(parts[1])) else { return nil }
        return (parts[0].lowercased(), [UInt8](digest))
    }

    /// A file name to store an upload under, from the `filename` a client sent: no
    /// directories, no control characters or colons, not hidden, not a name a spool watcher
    /// skips (`.part`, `.tmp`), at most 200 bytes, never empty.
    public static func safeFileName(_ given: String) -> String {
        let last = given.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var name = String(String.UnicodeScalarView(last.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F && $0 != ":" }))
        while name.hasPrefix(".") || name.hasPrefix(" ") { name.removeFirst() }
        while name.hasSuffix(" ") { name.removeLast() }
        while name.utf8.count > 200 { name.removeFirst() }
        if name.isEmpty { name = "upload" }
        if name.hasSuffix(".part") || name.hasSuffix(".tmp") { name += ".upload" }
        return name
    }
}

extension Substring {
    fileprivate func trimmingSuffix(_ character: Character) -> Substring {
        var s = self
        while s.last == character { s.removeLast() }
        return s
    }
}
