import Foundation
import VODEdge
import VODKit

/// `vod-edge`: the caching edge daemon. Wiring only; the behaviour lives in VODEdge and VODKit.
func log(_ message: String) {
    FileHandle.standardError.write(Data("\(ISO8601DateFormatter().string(from: Date())) vod-edge \(message)\n".utf8))
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") { print(EdgeConfig.usage, terminator: ""); exit(0) }
if arguments.contains("--version") { print("vod-edge 0.1.0"); exit(0) }

let config: EdgeConfig
do { config = try EdgeConfig.from(arguments: arguments) } catch {
    FileHandle.standardError.write(Data("vod-edge: \(error)\n".utf8))
    exit(2)
}
raiseDescriptorLimit()

do {
    let (host, port) = try CommandLineConfig.hostAndPort(config.listen)
    let store = CacheStore(dir: config.cacheDir, maxBytes: Int64(config.maxCacheMB) << 20, maxObjects: config.maxObjects, log: { log($0) })
    Thread { store.rebuildIndex() }.start()  // serves meanwhile: unindexed keys are looked up on disk
    let pool = HTTPClientPool(timeoutSeconds: config.originTimeoutSeconds, connectTimeoutMilliseconds: Int32(config.connectTimeoutMilliseconds))
    let origins = OriginSet(try config.upstreams(), pool: pool, downSeconds: config.originDownSeconds)
    var server = HTTPServer.Config()
    server.host = host
    server.port = port
    if config.loops > 0 { server.loops = config.loops }
    server.log = { log("error: \($0)") }
    if config.accessLog { server.accessLog = { log("access: \($0)") } }
    let metrics = Metrics()
    let http = try HTTPServer(config: server, handler: EdgeRouter(config: config, store: store, origins: origins, metrics: metrics, log: { log($0) }))
    metrics.gauge("vod_http_open_connections", "Client connections open.") { Double(http.openConnections) }
    http.start()
    log("listening on \(host):\(http.port), origins \(config.origins.joined(separator: ", ")), cache \(config.cacheDir) (\(config.maxCacheMB) MiB, \(config.maxObjects) objects)")
    waitForStopSignal(log: { log($0) }, grace: server.shutdownGraceSeconds)
    http.stop()
    log("stopped")
    exit(0)
} catch {
    log("cannot start: \(error)")
    exit(1)
}
