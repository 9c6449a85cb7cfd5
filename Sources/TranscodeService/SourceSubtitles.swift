import CAVCodec
import LibAV
import Foundation
import HLSPackager
import MP4Box
import VODKit

/// The text tracks of a source kept as WebVTT cue files beside the renditions,
/// `subtitles/<language>.vtt` (`und.vtt` without one; a second track of a language
/// `<language>.2.vtt`), on the renditions' clock: the source's first presented time is 0 in
/// every output. MP4-family sources are read with MP4Box (`tx3g`/`mov_text`, `wvtt`); others
/// (Matroska, WebM, MPEG-TS…) with libavformat: SubRip, WebVTT, plain text, ASS/SSA (its
/// styling tags dropped) and `mov_text` streams. Image subtitles (PGS, DVD, DVB) are not text
/// and are left out. A track that cannot be read is left out with the reason logged; the
/// video does not fail for it.
enum SourceSubtitles {
    /// Writes the cue files into `directory` and returns their paths relative to it.
    static func extract(source: String, into directory: String, log: (String) -> Void) -> [String] {
        let shift = -startMilliseconds(source)
        var files: [String] = []
        for (language, result) in tracks(source) {
            do {
                let cues = try result.get()
                guard !cues.isEmpty else { continue }
                let stem = language.flatMap(Language.tag) ?? "und"
                var name = "\(VideoManifest.subtitleDirectory)/\(stem).vtt", k = 2
                while files.contains(name) { name = "\(VideoManifest.subtitleDirectory)/\(stem).\(k).vtt"; k += 1 }
                try FileManager.default.createDirectory(atPath: "\(directory)/\(VideoManifest.subtitleDirectory)", withIntermediateDirectories: true)
                try Data(SubtitleFile.webVTT(cues, shift: shift).utf8).write(to: URL(fileURLWithPath: "\(directory)/\(name)"))
                files.append(name)
            } catch {
                log("text track left out: \(error)")
            }
        }
        return files
    }

    /// Each text track's language (as stored) and cues in the source's presentation (ms).
    static func tracks(_ source: String) -> [(String?, Result<[TextCue], SubtitleError>)] {
        guard let movie = try? Movie.read(path: source) else { return LibAVTextTracks.read(source) }
        let texts = movie.tracks.filter { $0.mediaType == .subtitle && SubtitleTrack.textFormats.contains($0.sampleEntry?.format.description ?? "") }
        guard !texts.isEmpty, let bytes = try? FileByteSource(path: source) else { return [] }
        return texts.map { track in
            (track.language, Result { () throws(SubtitleError) in
                try SubtitleTrack.cues(of: track, movieTimescale: movie.timescale, bytes: bytes, source: "track \(track.id)")
            })
        }
    }

    /// Where libav starts the source (its renditions' time 0), in milliseconds.
    static func startMilliseconds(_ source: String) -> Int64 {
        guard let input = try? InputContainer(path: source) else { return 0 }
        let start = input.pointer.pointee.start_time
        guard start != vod_nopts_value(), start > 0, start < Int64(1) << 50 else { return 0 }
        return start / 1000  // AV_TIME_BASE is microseconds
    }
}
