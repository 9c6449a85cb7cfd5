import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One of the project's daemons as the shell sees it: its name for logs, `--help` and
/// `--version`, and its settings from the config file and flags.
public struct Daemon: Sendable {
    public let name: String
    public static let version = "0.1.0"

    /// Every daemon keeps freed memory for reuse (`MemoryReuse`).
    public init(name: String) {
        self.name = name
        MemoryReuse.configure()
        CryptoStart.prepare()
    }

    /// A line on stderr: UTC time, daemon, message (one `write(2)`, so lines from threads do not mix).
    public func log(_ message: String) {
        let line = Array("\(Self.timestamp()) \(name) \(message)\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    /// `2026-11-22T02:31:51Z`, from the C library (thread-safe, no formatter objects).
    public static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let n = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Answers `--help` and `--version` (and exits), else loads the settings; a bad
    /// config or flag exits with status 2 and the reason.
    public func settings<T>(_ arguments: [String], usage: String, _ load: ([String]) throws -> T) -> T {
        if arguments.contains("--help") || arguments.contains("-h") { print(usage, terminator: ""); exit(0) }
        if arguments.contains("--version") { print("\(name) \(Self.version)"); exit(0) }
        do { return try load(arguments) } catch {
            FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
            exit(2)
        }
    }
}

extension Daemon {
    /// Starts `http`, logs `ready` (with the bound port), waits for SIGTERM or SIGINT, lets
    /// responses in flight finish within the grace period, and exits.
    public func serve(_ http: HTTPServer, metrics: Metrics, ready: (UInt16) -> String) -> Never {
        metrics.gauge("vod_http_open_connections", "Client connections open.") { Double(http.openConnections) }
        metrics.gauge("vod_http_accept_pauses_total", "Times accepting paused for 500 ms: out of file descriptors.") { Double(http.acceptPauses) }
        http.start()
        log(ready(http.port))
        waitForStopSignal(log: { self.log($0) }, grace: http.config.shutdownGraceSeconds)
        http.stop()
        log("stopped")
        exit(0)
    }

    /// Start-up failed: the reason, and exit status 1.
    public func cannotStart(_ error: Error) -> Never {
        log("cannot start: \(error)")
        exit(1)
    }
}

/// Every connection is a descriptor: use all the hard limit allows (the soft default is often 1024).
public func raiseDescriptorLimit() {
    var files = rlimit()
    let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    if getrlimit(resource, &files) == 0 && files.rlim_cur < files.rlim_max {
        files.rlim_cur = files.rlim_max
        setrlimit(resource, &files)
    }
}

/// Blocks until SIGTERM or SIGINT (SIGHUP is logged: logs go to stderr, nothing to reopen).
public func waitForStopSignal(log: @escaping @Sendable (String) -> Void, grace: Double) {
    signal(SIGTERM, SIG_IGN); signal(SIGINT, SIG_IGN); signal(SIGHUP, SIG_IGN)
    let stop = DispatchSemaphore(value: 0)
    var sources: [DispatchSourceSignal] = []
    for sig in [SIGTERM, SIGINT] {
        let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        source.setEventHandler {
            log("signal \(sig): stopping" + (grace > 0 ? " (in-flight responses get \(Int(grace)) s)" : ""))
            stop.signal()
        }
        source.resume()
        sources.append(source)
    }
    let hup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
    hup.setEventHandler { log("SIGHUP: logs go to stderr, nothing to reopen") }
    hup.resume()
    stop.wait()
    withExtendedLifetime((sources, hup)) {}
}
