import Foundation
import VODKit
import HLSPackager
import VODOrigin

/// `vod-origin`: the origin daemon. Wiring only; the behaviour lives in VODOrigin and VODKit.
let daemon = Daemon(name: "vod-origin")
func log(_ message: String) { daemon.log(message) }

let config = daemon.settings(Array(CommandLine.arguments.dropFirst()), usage: OriginConfig.usage) { try OriginConfig.from(arguments: $0) }
raiseDescriptorLimit()

do {
    try FileManager.default.createDirectory(atPath: config.media, withIntermediateDirectories: true)
    let (host, port) = try config.hostAndPort()
    let catalog = try MediaCatalog(root: config.media)
    let signingKeys = config.signingKeysFile.isEmpty ? nil : try SigningKeys.load(config.signingKeysFile)
    let keys = try ContentKeys(secretHex: config.keySecret, serviceURL: config.keyServiceURL, cacheSeconds: config.keyCacheSeconds)
    let protection = ProtectionPolicy(defaultScheme: EncryptionScheme(rawValue: config.encryption), keys: keys)
    let index = config.indexDir.isEmpty ? nil : try IndexDirectory(path: config.indexDir, maxBytes: config.indexDirMB << 20, log: { log($0) })
    let cache = MediaSetCache(capacity: config.cacheEntries, maxBytes: config.indexCacheMB << 20, targetDuration: config.segmentDuration,
                              protection: protection, index: index, log: { log($0) })
    var server = HTTPServer.Config()
    server.host = host
    server.port = port
    if config.loops > 0 { server.loops = config.loops }
    server.workers = config.workers
    server.maxConnections = config.maxConnections
    server.requestTimeoutSeconds = config.requestTimeoutSeconds
    server.idleTimeoutSeconds = config.idleTimeoutSeconds
    server.log = { log("error: \($0)") }
    if config.accessLog { server.accessLog = { log("access: \($0)") } }
    let metrics = Metrics()
    let http = try HTTPServer(config: server, handler: OriginRouter(catalog: catalog, cache: cache, segments: SegmentMemoryCache(budgetBytes: config.segmentCacheMB << 20), token: config.token,
                                                                 signing: URLSigning(keys: signingKeys, trustForwardedFor: config.trustForwardedFor), metrics: metrics, log: { log($0) }))
    if config.rehearse { log(StartupRehearsal.run(targetDuration: config.segmentDuration, indexFiles: !config.indexDir.isEmpty).description) }
    daemon.serve(http, metrics: metrics) {
        "listening on \(host):\($0), media \(catalog.root), \(server.loops) loops, \(server.workers) workers, \(catalog.videoIDs().count) videos, index files \(index.map { "in \($0.path) (\($0.stats.files) kept)" } ?? "off"), ingest \(config.token.isEmpty ? "off" : "on"), "
            + "signed URLs \(signingKeys.map { "on (\($0.keys.count) keys\($0.requireSignature ? ", required" : ""))" } ?? "off"), "
            + "encryption \(config.encryption.isEmpty ? "per manifest" : config.encryption), keys \(config.keyServiceURL.isEmpty ? (config.keySecret.isEmpty ? "none" : "derived") : "from \(config.keyServiceURL)")"
    }
} catch {
    daemon.cannotStart(error)
}
