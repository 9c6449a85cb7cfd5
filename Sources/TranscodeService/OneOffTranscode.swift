import Foundation
import VODKit

/// `vod-transcoder transcode SOURCE OUTDIR`: one file through the pipeline and the
/// verifier, no spool or replication (benchmarks, trials).
public enum OneOffTranscode {
    public static func run(source: String, into directory: String, config: TranscoderConfig, log: (String) -> Void) throws {
        let info = try SourceInfo.probe(source)
        let rungs = info.video.map { Ladder.plan(config.ladder, width: $0.uprightSize.width, height: $0.uprightSize.height) } ?? []
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let start = Date()
        let outputs = try Pipeline(source: source, info: info, rungs: rungs, settings: config.encode, directory: directory).run()
        let renditions = try Verifier.check(outputs, in: directory, source: info)
        log(String(format: "transcoded %@ in %.2f s: %@", source, Date().timeIntervalSince(start),
                   renditions.map { String(format: "%@ (%.3f s, %d kb/s)", $0.file, $0.duration, $0.bandwidth / 1000) }.joined(separator: ", ")))
    }
}
