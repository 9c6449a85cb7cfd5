import VODKit

/// The transcoder's listener (`listen`): the status and upload handler on one loop and four
/// workers (they fsync uploads), stopped together with its event streams.
public struct StatusListener: Sendable {
    public let server: HTTPServer
    let handler: StatusHandler

    /// Started, or nil when `config.listen` is empty.
    public static func serve(_ config: TranscoderConfig, worker: TranscodeWorker) throws -> StatusListener? {
        guard !config.listen.isEmpty else { return nil }
        let (host, port) = try CommandLineConfig.hostAndPort(config.listen)
        var c = HTTPServer.Config()
        c.host = host
        c.port = port
        c.loops = 1
        c.workers = 4
        let tasks = TaskAPI(spool: worker.spool, token: config.token, settings: config.encode, leaseSeconds: config.leaseTimeoutSeconds)
        let handler = StatusHandler(spool: worker.spool, uploads: TusHandler(store: worker.uploads, tokens: config.uploadTokens), tasks: tasks)
        let server = try HTTPServer(config: c, handler: handler)
        server.start()
        return StatusListener(server: server, handler: handler)
    }

    /// Ends the event streams first: open ones would otherwise hold the stop for its whole grace.
    public func stop() {
        handler.events.close()
        server.stop()
    }
}
