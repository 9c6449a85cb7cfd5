import Foundation

/// A daemon's settings: defaults, then the JSON file named by `--config` (or the
/// default file when it exists), then the command-line flags, which win.
public enum CommandLineConfig {
    public struct UsageError: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// A flag taking a value, applied to the config; throw `UsageError` for a bad value.
    public typealias Setter<T> = (inout T, String) throws -> Void

    /// `maps`: keys whose value is a map of name → object (see `ConfigFile.decode`).
    public static func load<T: Codable>(_ arguments: [String], defaults: T, defaultFile: String, usage: String,
                                        flags: [String: Setter<T>], switches: [String: (inout T) -> Void] = [:], maps: [String: [String]] = [:]) throws -> T {
        var config = defaults
        var file: String? = FileManager.default.fileExists(atPath: defaultFile) ? defaultFile : nil
        if let i = arguments.firstIndex(of: "--config") {
            guard i + 1 < arguments.count else { throw UsageError("--config needs a file") }
            file = arguments[i + 1]
        }
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else { throw UsageError("cannot read config \(file)") }
            config = try ConfigFile.decode(data, over: config, file: file, maps: maps)
        }
        var i = 0
        while i < arguments.count {
            let flag = arguments[i]
            if flag == "--config" { i += 2; continue }
            if let apply = switches[flag] { apply(&config); i += 1; continue }
            guard let set = flags[flag] else { throw UsageError("unknown argument \(flag)\n\n\(usage)") }
            guard i + 1 < arguments.count else { throw UsageError("\(flag) needs a value\n\n\(usage)") }
            try set(&config, arguments[i + 1])
            i += 2
        }
        return config
    }

    /// A setter for a positive (or, with `allowZero`, non-negative) integer flag.
    public static func count<T>(_ key: WritableKeyPath<T, Int>, _ flag: String, allowZero: Bool = false) -> Setter<T> {
        { config, value in
            guard let n = Int(value), n > 0 || (allowZero && n == 0) else { throw UsageError("\(flag) takes a whole number\(allowZero ? "" : " above 0")") }
            config[keyPath: key] = n
        }
    }

    /// Splits `HOST:PORT`.
    public static func hostAndPort(_ listen: String) throws -> (String, UInt16) {
        guard let colon = listen.lastIndex(of: ":"), let port = UInt16(listen[listen.index(after: colon)...]) else {
            throw UsageError("listen address \(listen) is not HOST:PORT")
        }
        return (String(listen[..<colon]), port)
    }
}
