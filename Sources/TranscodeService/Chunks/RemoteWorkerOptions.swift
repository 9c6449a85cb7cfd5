import Foundation
import VODKit

/// The command line of `vod-transcoder worker`.
public struct RemoteWorkerOptions: Equatable, Sendable {
    public var server: HTTPClientPool.Upstream
    public var token: String
    public var name: String
    public var concurrency = 1
    public var threads = 0

    public static let usage = """
        usage: vod-transcoder worker --server http://HOST:PORT --token TOKEN [--concurrency N] [--threads N] [--worker NAME]
        Takes chunk tasks from a transcoder's API (its `listen` address; TOKEN is its `token`) and encodes them here:
        N tasks at once (default 1), each with N codec threads (default: libav's choice).
        """

    public static func parse(_ arguments: [String]) throws -> RemoteWorkerOptions {
        var values: [String: String] = [:]
        var i = 0
        while i < arguments.count {
            let flag = arguments[i]
            guard ["--server", "--token", "--concurrency", "--threads", "--worker"].contains(flag), i + 1 < arguments.count else {
                throw CommandLineConfig.UsageError("unknown or incomplete argument \(flag)\n\(usage)")
            }
            values[flag] = arguments[i + 1]
            i += 2
        }
        guard let url = values["--server"], let server = HTTPClientPool.Upstream(url: url) else {
            throw CommandLineConfig.UsageError("--server http://HOST:PORT is required\n\(usage)")
        }
        guard let token = values["--token"], !token.isEmpty else { throw CommandLineConfig.UsageError("--token is required\n\(usage)") }
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count)
        let hostname = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var options = RemoteWorkerOptions(server: server, token: token, name: values["--worker"] ?? "\(hostname):\(getpid())")
        if let n = values["--concurrency"] {
            guard let v = Int(n), v >= 1, v <= 64 else { throw CommandLineConfig.UsageError("--concurrency takes 1 to 64") }
            options.concurrency = v
        }
        if let n = values["--threads"] {
            guard let v = Int(n), v >= 0, v <= 256 else { throw CommandLineConfig.UsageError("--threads takes 0 (auto) to 256") }
            options.threads = v
        }
        return options
    }

    public func make(log: @escaping @Sendable (String) -> Void) -> RemoteWorker {
        RemoteWorker(server: server, token: token, name: name, concurrency: concurrency, threads: threads, log: log)
    }
}
