import Foundation

/// Reads a daemon's JSON config over its defaults: keys left out keep their default,
/// and an unknown key is an error (a typo should not be silently ignored).
public enum ConfigFile {
    public struct Error: Swift.Error, CustomStringConvertible {
        public let description: String
    }

    public static func decode<T: Codable>(_ data: Data, over defaults: T, file: String) throws -> T {
        guard let base = try JSONSerialization.jsonObject(with: JSONEncoder().encode(defaults)) as? [String: Any] else {
            throw Error(description: "config \(file): defaults are not an object")
        }
        guard let given = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw Error(description: "config \(file): not a JSON object")
        }
        let merged = try merge(given, over: base, file: file, path: "")
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
