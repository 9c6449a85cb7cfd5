import Foundation
import HLSPackager
import MP4Box

/// `vod inspect FILE [--json] [--samples]`
enum InspectCommand {
    static func run(_ arguments: [String]) -> Int32 {
        var json = false, samples = false
        var files: [String] = []
        for argument in arguments {
            switch argument {
            case "--json": json = true
            case "--samples": samples = true; json = true
            case let flag where flag.hasPrefix("-"):
                fail("vod inspect: unknown option \(flag)")
                return 2
            default: files.append(argument)
            }
        }
        guard files.count == 1, let path = files.first else {
            fail("usage: vod inspect FILE [--json] [--samples]")
            return 2
        }
        let movie: Movie
        do {
            movie = try Movie.read(path: path)
        } catch {
            fail("vod inspect: \(path): \(error)")
            return 1
        }
        let report = InspectReport(movie: MovieReport(movie: movie, includeSamples: samples),
                                   packaging: PackagingReport(movie: movie, path: path))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = samples ? [.sortedKeys] : [.prettyPrinted, .sortedKeys]
            guard let data = try? encoder.encode(report) else { fail("vod inspect: cannot encode JSON"); return 1 }
            FileHandle.standardOutput.write(data)
            FileHandle.standardOutput.write(Data("\n".utf8))
        } else {
            print(text(report.movie, path: path) + text(report.packaging), terminator: "")
        }
        return 0
    }

    /// What the packager makes of the file: which tracks it serves, which it skips and why.
    static func text(_ p: PackagingReport) -> String {
        if let refused = p.refused { return "packaging: refused: \(refused)\n" }
        var out = "packaging: " + p.packaged.map { "\($0.type) track \($0.id)" }.joined(separator: ", ") + "\n"
        for s in p.subtitles { out += "  subtitles \(s.name) from \(s.source): \(s.cues) cue(s)\n" }
        for s in p.skipped { out += "  skipped track \(s.id) (\(s.type) \(s.codec)): \(s.reason)\n" }
        return out
    }

    static func text(_ r: MovieReport, path: String) -> String {
        var out = "\(path): \(r.fileSize) bytes"
        if let brand = r.majorBrand { out += ", brand \(brand) [\(r.compatibleBrands.joined(separator: " "))]" }
        out += r.fragmented ? ", fragmented" : ""
        out += "\nduration \(format(r.duration)) s, movie timescale \(r.timescale), \(r.tracks.count) track(s)\n"
        for t in r.tracks {
            out += "track \(t.id): \(t.type) \(t.codec)"
            if let w = t.width, let h = t.height { out += " \(w)x\(h)" }
            if let rotation = t.rotation, rotation != 0 { out += " rotated \(rotation)°" }
            if let fps = t.frameRate { out += " \(format(fps)) fps" }
            if let ch = t.channels { out += " \(ch) ch" }
            if let rate = t.sampleRate { out += " \(rate) Hz" }
            out += ", lang \(t.language)\n"
            out += "  \(t.sampleCount) samples, \(t.bytes) bytes, \(t.bitrate / 1000) kb/s, \(format(t.duration)) s, timescale \(t.timescale)\n"
            if t.samplesPastEnd > 0 { out += "  \(t.samplesPastEnd) samples past the end of the file (cut off): left out\n" }
            if let k = t.keyframes {
                out += "  \(k.count) keyframes, interval min \(format(k.minInterval)) s, mean \(format(k.meanInterval)) s, max \(format(k.maxInterval)) s\n"
            }
            for e in t.editList {
                out += e.mediaTime == -1 ? "  edit: empty for \(e.duration)\n" : "  edit: \(e.duration) from media time \(e.mediaTime), rate \(format(e.rate))\n"
            }
        }
        if let at = r.droppedFragmentAt { out += "the file ends inside the fragment at byte \(at): left out\n" }
        return out
    }

    static func format(_ value: Double) -> String { String(format: "%.3f", value) }

    static func fail(_ message: String) { FileHandle.standardError.write(Data((message + "\n").utf8)) }
}
