import Foundation
#if canImport(Glibc)
import Glibc
#endif

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
        source.setEventHandler { log("signal \(sig): stopping (in-flight responses get \(Int(grace)) s)"); stop.signal() }
        source.resume()
        sources.append(source)
    }
    let hup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
    hup.setEventHandler { log("SIGHUP: logs go to stderr, nothing to reopen") }
    hup.resume()
    stop.wait()
    withExtendedLifetime((sources, hup)) {}
}
