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
        let unknown = given.keys.filter { base[$0] == nil }.sorted()
        guard unknown.isEmpty else {
            throw Error(description: "config \(file): unknown key(s) \(unknown.joined(separator: ", ")); known: \(base.keys.sorted().joined(separator: ", "))")
        }
        let merged = base.merging(given) { _, new in new }
        do {
            return try JSONDecoder().decode(T.self, from: JSONSerialization.data(withJSONObject: merged))
        } catch {
            throw Error(description: "config \(file): a value has the wrong type: \(error)")
        }
    }
}
