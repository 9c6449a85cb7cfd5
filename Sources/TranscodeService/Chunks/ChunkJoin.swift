import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MP4Box

/// The last step of a chunked job: each rung's chunks joined in order by their sample
/// tables (each placed where its first frame belongs), and the audio and downloads tasks' files linked beside them.
enum ChunkJoin {
    /// Joins `rungs` (all of the plan's, and the downloads, when nil) and the audio. `outputs(task)` is the directory
    /// of a finished task, `firstFrame(task)` where a video chunk's first frame is on the whole timeline (seconds).
    static func join(_ plan: ChunkPlan, rungs: [Rung]? = nil, outputs: (String) -> String, firstFrame: (String) -> Double?,
                     into work: String) throws(TranscodeError) -> [Pipeline.Output] {
        var joined: [Pipeline.Output] = []
        for rung in rungs ?? plan.rungs {
            let tasks = plan.windows.indices.map { plan.task(making: rung, chunk: $0) }
            let paths = tasks.map { "\(outputs($0))/\(rung.file)" }
            let timescale: UInt32
            guard let first = paths.first else { throw TranscodeError(stage: .merge, reason: "the plan has no chunks", libav: nil) }
            do { timescale = try Movie.read(path: first).tracks.first?.timescale ?? 0 } catch {
                throw TranscodeError(stage: .merge, reason: "\(rung.file) of the first chunk is unreadable: \(error)", libav: nil)
            }
            let parts = paths.indices.map { k in
                MovieJoiner.Part(path: paths[k], start: firstFrame(tasks[k]).map { Int64(($0 * Double(timescale)).rounded()) })
            }
            do { _ = try MovieJoiner.join(parts, into: "\(work)/\(rung.file)") } catch {
                throw TranscodeError(stage: .merge, reason: "cannot join the chunks of \(rung.file): \(error)", libav: nil)
            }
            joined.append(Pipeline.Output(file: rung.file, kind: "video", rung: rung))
        }
        for file in plan.audio ? plan.audioFiles ?? ["audio.mp4"] : [] {
            // A link: the early publication and the whole ladder each take the same file.
            guard link("\(outputs("audio"))/\(file)", "\(work)/\(file)") == 0 || FileManager.default.fileExists(atPath: "\(work)/\(file)") else {
                throw TranscodeError(stage: .merge, reason: "\(file) of the audio task is missing", libav: nil)
            }
            joined.append(Pipeline.Output(file: file, kind: "audio", rung: nil))
        }
        for version in plan.downloads ?? [] where rungs == nil {
            guard link("\(outputs("downloads"))/\(version.file)", "\(work)/\(version.file)") == 0 || FileManager.default.fileExists(atPath: "\(work)/\(version.file)") else {
                throw TranscodeError(stage: .merge, reason: "\(version.file) of the downloads task is missing", libav: nil)
            }
        }
        return joined
    }
}
