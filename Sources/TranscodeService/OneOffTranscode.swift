import Foundation
import VODKit

/// `vod-transcoder transcode SOURCE OUTDIR`: one file through the pipeline and the
/// verifier, no spool or replication (benchmarks, trials). With `chunkSeconds` set and a
/// video long enough, the chunks are encoded one after the other and joined, as a chunked
/// job is, so a chunked and an unchunked encode of one source can be compared.
public enum OneOffTranscode {
    public static func run(source: String, into directory: String, config: TranscoderConfig, log: (String) -> Void) throws {
        let info = try SourceInfo.probe(source)
        guard let ladder = config.ladder(profile: nil) else { throw TranscodeError(stage: .plan, reason: "no profile \(config.defaultProfile)", libav: nil) }
        let rungs = info.video.map { Ladder.plan(ladder, width: $0.uprightSize.width, height: $0.uprightSize.height) } ?? []
        let downloads = DownloadVersion.plan(config.downloads(profile: nil), width: info.video?.uprightSize.width, height: info.video?.uprightSize.height)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let start = Date()
        let outputs: [Pipeline.Output]
        if let plan = ChunkPlan.make(duration: info.video?.duration ?? info.duration, chunkSeconds: config.chunkSeconds,
                                     gopSeconds: config.encode.gopSeconds, rungs: rungs, audio: info.audio != nil, audioFiles: AudioRendition.plan(info).map(\.file),
                                     earlyRungs: config.earlyRungs, downloads: downloads) {
            let chunks = "\(directory)/.chunks"
            defer { try? FileManager.default.removeItem(atPath: chunks) }
            var firstFrames: [String: Double] = [:]
            for task in plan.tasks {
                guard let work = plan.work(task) else { continue }
                try FileManager.default.createDirectory(atPath: "\(chunks)/\(task)", withIntermediateDirectories: true)
                firstFrames[task] = try work.run(source: source, info: info, settings: config.encode, directory: "\(chunks)/\(task)",
                                                 isCancelled: { false }, percent: { _ in })
            }
            outputs = try ChunkJoin.join(plan, outputs: { "\(chunks)/\($0)" }, firstFrame: { firstFrames[$0] }, into: directory)
            log("\(plan.windows.count) chunks of \(config.chunkSeconds) s joined")
        } else {
            outputs = try Pipeline(source: source, info: info, rungs: rungs, settings: config.encode, directory: directory, downloads: downloads).run()
        }
        let renditions = try Verifier.check(outputs, in: directory, source: info)
        for version in downloads {
            let made = try DownloadVerifier.verify(version, in: directory, source: info)
            log(String(format: "%@: %@ %dx%d, %.3f s, %lld bytes", made.file, made.codecs, made.width ?? 0, made.height ?? 0, made.duration, made.bytes))
        }
        for file in SourceSubtitles.extract(source: source, into: directory, log: log) { log("\(file): the source's text track as WebVTT") }
        log(String(format: "transcoded %@ in %.2f s: %@", source, Date().timeIntervalSince(start),
                   renditions.map { String(format: "%@ (%.3f s, %d kb/s)", $0.file, $0.duration, $0.bandwidth / 1000) }.joined(separator: ", ")))
    }
}
