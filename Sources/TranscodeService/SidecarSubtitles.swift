import Foundation
import HLSPackager
import VODKit

/// Cue files dropped with a video: `movie.fr.srt`, `movie.en.forced.vtt` beside `movie.mp4` in
/// `incoming/` (renamed in before the video, as any drop is written aside and renamed in).
/// They are never jobs of their own; the claim of `movie.mp4` takes them into the job's
/// `cues/` directory, and the job publishes each that reads as `subtitles/<language>[.forced].<ext>`
/// (a broken one is left out with its line logged; the video does not fail for it).
enum SidecarSubtitles {
    static let directory = "cues"

    /// Whether a file in `incoming/` is a cue file (`.vtt`, `.srt`), which waits for its video.
    static func isCueFile(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasSuffix(".vtt") || lower.hasSuffix(".srt")
    }

    /// Moves the cue files of the video at `video` (`<dir>/<stem>.<ext>`: every `<dir>/<stem>.<rest>.vtt|srt`)
    /// into `<job>/cues/<rest>.<vtt|srt>`; returns the names taken.
    static func claim(beside video: String, into job: String) -> [String] {
        let folder = (video as NSString).deletingLastPathComponent
        let stem = ((video as NSString).lastPathComponent as NSString).deletingPathExtension
        guard !stem.isEmpty else { return [] }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter {
            $0.hasPrefix(stem + ".") && isCueFile($0) && !$0.hasPrefix(".")
        }.sorted()
        var taken: [String] = []
        for name in names {
            let rest = String(name.dropFirst(stem.count + 1))
            guard SafeName.isValid(rest, maxBytes: 100) else { continue }
            try? FileManager.default.createDirectory(atPath: "\(job)/\(directory)", withIntermediateDirectories: true)
            if rename("\(folder)/\(name)", "\(job)/\(directory)/\(rest)") == 0 { taken.append(name) }
        }
        return taken
    }

    /// The job's cue files that read, copied into `out/subtitles/` as they are; returns their
    /// paths relative to `out` (a file of the same name made from the source's text track is
    /// replaced: the operator's file wins).
    static func publish(job: String, into out: String, log: (String) -> Void) -> [String] {
        let dir = "\(job)/\(directory)"
        var files: [String] = []
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() {
            guard let data = FileManager.default.contents(atPath: "\(dir)/\(name)") else { continue }
            do {
                _ = try SubtitleTrack.sidecar(fileName: name, bytes: [UInt8](data))
            } catch {
                log("cue file left out: \(error)")
                continue
            }
            let path = "\(VideoManifest.subtitleDirectory)/\(name)"
            do {
                try FileManager.default.createDirectory(atPath: "\(out)/\(VideoManifest.subtitleDirectory)", withIntermediateDirectories: true)
                try? FileManager.default.removeItem(atPath: "\(out)/\(path)")
                try FileManager.default.copyItem(atPath: "\(dir)/\(name)", toPath: "\(out)/\(path)")
                files.append(path)
            } catch {
                log("cue file \(name) left out: \(error)")
            }
        }
        return files
    }
}
