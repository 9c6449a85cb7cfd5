import Foundation
import MP4Box

/// Checks the outputs with our own MP4 reader before anything leaves the machine:
/// each file parses, holds the right kind of track with samples, lasts as long as its
/// source stream (within a frame, or 0.1 s for audio: a source's audio and video often
/// differ in length), and every rung has its keyframes at the same presentation times.
public enum Verifier {
    public struct Rendition: Codable, Equatable, Sendable {
        public var file: String
        public var type: String
        public var codecs: String
        public var bandwidth: Int
        public var width: Int?
        public var height: Int?
        public var frameRate: Double?
        public var duration: Double
        /// Audio: the language tag (as the source has it) and channels.
        public var language: String?
        public var channels: Int?
    }

    public static func check(_ outputs: [Pipeline.Output], in directory: String, source: SourceInfo) throws(TranscodeError) -> [Rendition] {
        var renditions: [Rendition] = []
        var keyframes: [(file: String, times: [Int64], timescale: UInt32)] = []
        let frame = 1 / max(1, source.video?.frameRate ?? 25)
        let audio = AudioRendition.plan(source)
        for output in outputs {
            let plannedAudio = audio.first { $0.file == output.file }
            let path = "\(directory)/\(output.file)"
            let movie: Movie
            do { movie = try Movie.read(path: path) } catch {
                throw TranscodeError(stage: .verify, reason: "\(output.file) is not a readable MP4: \(error)", libav: nil)
            }
            let type: MediaType = output.kind == "video" ? .video : .audio
            guard let track = movie.tracks.first(where: { $0.mediaType == type }), !track.samples.isEmpty else {
                throw TranscodeError(stage: .verify, reason: "\(output.file) has no \(output.kind) samples", libav: nil)
            }
            let timeline = PresentationTimeline(track: track, movieTimescale: movie.timescale)
            var first = Int64.max, last = Int64.min, lastDuration: Int64 = 0, syncTimes: [Int64] = [], times: [Int64] = []
            var reordered = false
            timeline.forEach { p in
                first = min(first, p.pts)
                times.append(p.pts)
                reordered = reordered || p.pts != p.dts
                if p.pts >= last { last = p.pts; lastDuration = Int64(track.samples.duration(at: p.sampleIndex)) }
                if track.samples.isSync(at: p.sampleIndex) { syncTimes.append(p.pts) }
            }
            let end = PresentationTimeline.presentationEnd(times: times, lastDuration: lastDuration, reordered: reordered)
            let duration = Double(end - first) / Double(track.timescale)
            let tolerance = output.kind == "video" ? frame * 1.5 : 0.1
            let expected = (output.kind == "video" ? source.video?.duration : plannedAudio?.duration ?? source.audio?.duration) ?? source.duration
            if expected - duration > tolerance + 0.05 {
                throw TranscodeError(stage: .verify, reason: String(format: "%@ lasts %.3f s of the source's %.3f s: the source is truncated or damaged", output.file, duration, expected), libav: nil)
            }
            // Longer than the source by more than a frame: the timing was laid out wrong (a
            // decode-order gap taken for a frame's duration, frames duplicated).
            if output.kind == "video" && duration - expected > tolerance + 0.05 {
                throw TranscodeError(stage: .verify, reason: String(format: "%@ lasts %.3f s, longer than the source's %.3f s by more than a frame", output.file, duration, expected), libav: nil)
            }
            let bytes = (0..<track.samples.count).reduce(Int64(0)) { $0 + Int64(track.samples.size(at: $1)) }
            var r = Rendition(file: output.file, type: output.kind, codecs: track.codecString, bandwidth: Int(Double(bytes * 8) / max(duration, 0.001)),
                              duration: duration)
            if output.kind == "audio" {
                r.language = plannedAudio?.language
                r.channels = track.sampleEntry?.channelCount.map { Int($0) }
            }
            if let v = track.sampleEntry?.visual {
                r.width = Int(v.width)
                r.height = Int(v.height)
                r.frameRate = Double(track.samples.count) / max(duration, 0.001)
                keyframes.append((output.file, syncTimes.sorted(), track.timescale))
            }
            renditions.append(r)
        }
        if let reference = keyframes.first {
            for other in keyframes.dropFirst() {
                let a = reference.times.map { Double($0) / Double(reference.timescale) }, b = other.times.map { Double($0) / Double(other.timescale) }
                guard a.count == b.count, zip(a, b).allSatisfy({ abs($0 - $1) < 0.001 }) else {
                    throw TranscodeError(stage: .verify, reason: "keyframes of \(other.file) differ from \(reference.file)'s", libav: nil)
                }
            }
        }
        return renditions
    }
}
