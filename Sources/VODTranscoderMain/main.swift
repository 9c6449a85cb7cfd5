import Foundation
import TranscodeService
import VODKit

/// `vod-transcoder`: the spool-fed transcoder daemon, `repair`, and a one-off `transcode`.
let daemon = Daemon(name: "vod-transcoder")
func log(_ message: String) { daemon.log(message) }

var arguments = Array(CommandLine.arguments.dropFirst())

if arguments.contains("--help") || arguments.contains("-h") { print(TranscoderConfig.usage, terminator: ""); exit(0) }

// `transcode SOURCE OUTDIR`: one file through the pipeline, no spool or replication (benchmarks, trials).
if arguments.first == "transcode" {
    guard arguments.count >= 3 else { print("usage: vod-transcoder transcode SOURCE OUTDIR [--config FILE]"); exit(2) }
    do {
        let config = try TranscoderConfig.from(arguments: Array(arguments.dropFirst(3)))
        try OneOffTranscode.run(source: arguments[1], into: arguments[2], config: config) { log($0) }
        exit(0)
    } catch {
        log("\(error)")
        exit(1)
    }
}

// `worker --server URL --token TOKEN`: chunk tasks from a transcoder's API, on a host without the spool.
if arguments.first == "worker" {
    do {
        let worker = try RemoteWorkerOptions.parse(Array(arguments.dropFirst())).make { log($0) }
        log("worker \(worker.name): taking chunk tasks from \(worker.server) (\(worker.concurrency) at once)")
        Thread { waitForStopSignal(log: { log($0) }, grace: 0); log("stopping after the current task"); worker.stop() }.start()
        worker.run()
        exit(0)
    } catch {
        log("\(error)")
        exit(2)
    }
}

let repair = arguments.first == "repair"
if repair { arguments.removeFirst() }
let config = daemon.settings(arguments, usage: TranscoderConfig.usage) { try TranscoderConfig.from(arguments: $0) }

do {
    if repair {
        let replicator = Replicator(origins: try config.upstreams(), replicas: config.replicas, token: config.token, log: { log($0) })
        let result = Repair(replicator: replicator, scratch: "\(config.spool)/repair", log: { log($0) }).run()
        exit(result.short == 0 ? 0 : 1)
    }
    let worker = try TranscodeWorker(config: config, log: { log($0) })
    if arguments.contains("--once") {
        worker.runOnce()
        exit(0)
    }
    let status = try StatusListener.serve(config, worker: worker)
    if let status { log("status on \(config.listen) (port \(status.server.port)): /api/jobs, /api/jobs/events, /api/uploads/") }
    log("watching \(worker.spool.incoming) (rescan every \(Int(config.rescanSeconds)) s); \(config.replicas) of \(config.origins.joined(separator: ", "))")
    Thread { waitForStopSignal(log: { log($0) }, grace: 0); log("stopping after the current step"); worker.stop() }.start()
    worker.run()
    status?.stop()
    log("stopped")
    exit(0)
} catch {
    log("cannot start: \(error)")
    exit(1)
}
