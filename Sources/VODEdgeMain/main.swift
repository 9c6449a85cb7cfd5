import Foundation
import VODEdge
import VODKit

/// `vod-edge`: the caching edge daemon. Wiring only; the behaviour lives in VODEdge and VODKit.
let daemon = Daemon(name: "vod-edge")
func log(_ message: String) { daemon.log(message) }

let config = daemon.settings(Array(CommandLine.arguments.dropFirst()), usage: EdgeConfig.usage) { try EdgeConfig.from(arguments: $0) }
raiseDescriptorLimit()

do {
    let (host, port) = try CommandLineConfig.hostAndPort(config.listen)
    let store = config.makeStore { log($0) }
    Thread { store.rebuildIndex() }.start()  // serves meanwhile: unindexed keys are looked up on disk
    let pool = config.makeOriginPool { log("error: \($0)") }
    let origins = OriginSet(try config.upstreams(), pool: pool, downSeconds: config.originDownSeconds)
    var server = HTTPServer.Config()
    server.host = host
    server.port = port
    if config.loops > 0 { server.loops = config.loops }
    server.log = { log("error: \($0)") }
    if config.accessLog { server.accessLog = { log("access: \($0)") } }
    let metrics = Metrics()
    let http = try HTTPServer(config: server, handler: EdgeRouter(config: config, store: store, origins: origins, metrics: metrics,
                                                                     signingKeys: config.signingKeysFile.isEmpty ? nil : try SigningKeys.load(config.signingKeysFile), log: { log($0) }))
    daemon.serve(http, metrics: metrics) {
        "listening on \(host):\($0), origins \(config.origins.joined(separator: ", ")), cache \(config.cacheDir) (\(config.maxCacheMB) MiB, \(config.maxObjects) objects)"
    }
} catch {
    daemon.cannotStart(error)
}
