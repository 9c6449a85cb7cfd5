import Foundation

/// Reads a daemon's JSON config over its defaults: keys left out keep their default,
/// and an unknown key is an error (a typo should not be silently ignored).
public enum ConfigFile {
    public struct Error: Swift.Error, CustomStringConvertible {
        public let description: String
    }

    /// `maps` names top-level keys whose value is a map of any names to objects (the
    /// `profiles` of the transcoder), with the keys such an object may have: a given map
    /// replaces the default one whole, and an unknown key inside an entry is an error.
    public static func decode<T: Codable>(_ data: Data, over defaults: T, file: String, maps: [String: [String]] = [:]) throws -> T {
        guard let base = try JSONSerialization.jsonObject(with: JSONEncoder().encode(defaults)) as? [String: Any] else {
            throw Error(description: "config \(file): defaults are not an object")
        }
        guard let given = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw Error(description: "config \(file): not a JSON object")
        }
        var rest = given
        var replaced: [String: Any] = [:]
        for (key, allowed) in maps {
            guard let value = rest.removeValue(forKey: key) else { continue }
            guard let entries = value as? [String: Any] else { throw Error(description: "config \(file): \(key) must be an object of name → object") }
            for (name, entry) in entries.sorted(by: { $0.key < $1.key }) {
                guard let fields = entry as? [String: Any] else { throw Error(description: "config \(file): \(key).\(name) must be an object") }
                let unknown = fields.keys.filter { !allowed.contains($0) }.sorted()
                guard unknown.isEmpty else {
                    throw Error(description: "config \(file): unknown key(s) \(unknown.map { "\(key).\(name).\($0)" }.joined(separator: ", ")); known: \(allowed.joined(separator: ", "))")
                }
            }
            replaced[key] = value
        }
        var merged = try merge(rest, over: base, file: file, path: "")
        for (key, value) in replaced { merged[key] = value }
        do {
            return try JSONDecoder().decode(T.self, from: JSONSerialization.data(withJSONObject: merged))
        } catch {
            throw Error(description: "config \(file): a value has the wrong type: \(error)")
        }
    }

    /// `given` over `base`; objects are merged key by key, so a nested object may be given in part.
    static func merge(_ given: [String: Any], over base: [String: Any], file: String, path: String) throws -> [String: Any] {
        let unknown = given.keys.filter { base[$0] == nil }.sorted()
        guard unknown.isEmpty else {
            throw Error(description: "config \(file): unknown key(s) \(unknown.map { path + $0 }.joined(separator: ", ")); known: \(base.keys.sorted().map { path + $0 }.joined(separator: ", "))")
        }
        var merged = base
        for (key, value) in given {
            if let inner = value as? [String: Any], let innerBase = base[key] as? [String: Any] {
                merged[key] = try merge(inner, over: innerBase, file: file, path: path + key + ".")
            } else {
                merged[key] = value
            }
        }
        return merged
    }
}
