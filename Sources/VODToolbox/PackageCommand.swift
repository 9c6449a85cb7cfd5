import Foundation
import HLSPackager
import MP4Box

/// `vod package FILE OUTDIR [--segment SECONDS]`: writes the whole package of
/// a file laid out as the URL space, for any static web server:
/// `OUTDIR/hls/<video>/master.m3u8`, `OUTDIR/hls/<video>/<track>/index.m3u8`,
/// `OUTDIR/dash/<video>/manifest.mpd`, `OUTDIR/cmaf/<video>/<track>/init.mp4` and `<n>.m4s`,
/// `OUTDIR/hls-ts/<video>/master.m3u8` and `<rendition>/index.m3u8`, `<n>.ts`, and for
/// each text track `hls[-ts]/<video>/<subs>/index.m3u8` and `<n>.vtt`, `dash/<video>/<subs>.vtt`.
enum PackageCommand {
    static func run(_ arguments: [String]) -> Int32 {
        var positional: [String] = []
        var target = 6.0
        var i = 0
        while i < arguments.count {
            if arguments[i] == "--segment", i + 1 < arguments.count, let v = Double(arguments[i + 1]), v > 0 {
                target = v
                i += 2
                continue
            }
            positional.append(arguments[i])
            i += 1
        }
        guard positional.count == 2 else {
            InspectCommand.fail("usage: vod package FILE OUTDIR [--segment SECONDS]")
            return 2
        }
        let (file, outdir) = (positional[0], positional[1])
        let video = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        do {
            let set = try MediaSet.load(path: file, name: video, targetDuration: target)
            let hls = URL(fileURLWithPath: outdir).appendingPathComponent("hls/\(video)")
            let cmaf = URL(fileURLWithPath: outdir).appendingPathComponent("cmaf/\(video)")
            try write(HLSPlaylist.multivariant(set), to: hls.appendingPathComponent("master.m3u8"))
            try write(DASHManifest.mpd(set), to: URL(fileURLWithPath: outdir).appendingPathComponent("dash/\(video)/manifest.mpd"))
            var files = 2
            for track in set.tracks {
                let name = track.track.name
                try write(HLSPlaylist.media(track, video: video), to: hls.appendingPathComponent("\(name)/index.m3u8"))
                if track.track.kind == .video {
                    try write(HLSPlaylist.iFrames(track, video: video), to: hls.appendingPathComponent("\(name)/iframes.m3u8"))
                    files += 1
                }
                try write(track.initSegment().materialize(), to: cmaf.appendingPathComponent("\(name)/init.mp4"))
                for n in 0..<track.segmentCount {
                    try write(track.mediaSegment(n).materialize(), to: cmaf.appendingPathComponent("\(name)/\(n + 1).m4s"))
                }
                files += 2 + track.segmentCount
            }
            // Subtitles (the file's text tracks): HLS segments on the CMAF and TS clocks, one WebVTT file for DASH.
            for subtitle in set.subtitles {
                let ts = URL(fileURLWithPath: outdir).appendingPathComponent("hls-ts/\(video)/\(subtitle.name)")
                let segments = set.timelinePlan?.count ?? 0
                for (dir, mpegts) in [(hls.appendingPathComponent(subtitle.name), SubtitleSegments.cmafTimestamp(set)), (ts, set.tsSubtitleTimestamp)] {
                    try write(SubtitleSegments.media(set) ?? "", to: dir.appendingPathComponent("index.m3u8"))
                    for n in 0..<segments {
                        try write(SubtitleSegments.segment(set, subtitle, n, mpegts: mpegts) ?? "", to: dir.appendingPathComponent("\(n + 1).vtt"))
                    }
                }
                try write(SubtitleSegments.whole(set, subtitle), to: URL(fileURLWithPath: outdir).appendingPathComponent("dash/\(video)/\(subtitle.name).vtt"))
                files += 3 + 2 * segments
            }
            // MPEG-TS: only for codecs TS can carry (not Opus); the CMAF package stands on its own.
            do {
                let renditions = try set.tsRenditions()
                let ts = URL(fileURLWithPath: outdir).appendingPathComponent("hls-ts/\(video)")
                try write(TSPlaylist.multivariant(renditions, subtitles: set.subtitles, of: set), to: ts.appendingPathComponent("master.m3u8"))
                for r in renditions {
                    try write(TSPlaylist.media(r), to: ts.appendingPathComponent("\(r.name)/index.m3u8"))
                    for n in 0..<r.segmentCount { try write(r.segment(n).materialize(), to: ts.appendingPathComponent("\(r.name)/\(n + 1).ts")) }
                    files += 1 + r.segmentCount
                }
                files += 1
            } catch let error as PackagerError {
                InspectCommand.fail("vod package: no MPEG-TS rendition: \(error)")
            }
            print("vod package: \(file) -> \(outdir): \(files) files, \(set.tracks.map { "\($0.track.name) \($0.segmentCount) segments" }.joined(separator: ", "))")
            return 0
        } catch {
            InspectCommand.fail("vod package: \(error)")
            return 1
        }
    }

    static func write(_ text: String, to url: URL) throws { try write(Array(text.utf8), to: url) }

    static func write(_ bytes: [UInt8], to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url, options: .atomic)
    }
}
