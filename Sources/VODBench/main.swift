import Foundation
import HLSPackager
import MP4Box

/// `vod-bench index FILE [--runs N]`: time to read the movie and build every
/// track's sample index (the moov parse included), and the index's memory per sample.
/// `vod-bench package FILE [--runs N]`: time to build every playlist from a cold
/// start, and the median time to build a mid-file CMAF segment and TS segment.
/// `vod-bench index-file FILE OUT`: writes FILE's index file (as the origin keeps it, build 1) to OUT.
/// `vod-bench cold FILE [--runs N] [--index INDEXFILE [--track-data]]`: the origin's first request for a file:
/// read (the MP4, or an index file made of it first, its tracks placed on data files), lay out, one media playlist.
let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2, ["index", "package", "cold", "index-file"].contains(arguments[0]) else {
    FileHandle.standardError.write(Data("usage: vod-bench index|package|cold FILE [--runs N] | index-file FILE OUT\n".utf8))
    exit(2)
}
let path = arguments[1]
var runs = 20
if let i = arguments.firstIndex(of: "--runs"), i + 1 < arguments.count, let n = Int(arguments[i + 1]) { runs = n }

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) * 1e3 + Double(ts.tv_nsec) / 1e6
}

if arguments[0] == "index-file" {
    // The index file of FILE as an origin keeps it (build 1): fuzz seeds, and a look at its size.
    do {
        guard arguments.count >= 3, let bytes = try MovieIndexFile.make(path: path, build: 1) else { print("vod-bench: \(path) keeps no index"); exit(1) }
        guard FileManager.default.createFile(atPath: arguments[2], contents: Data(bytes)) else { print("vod-bench: cannot write \(arguments[2])"); exit(1) }
        print("\(arguments[2]): \(bytes.count) bytes")
    } catch { print("vod-bench: \(error)"); exit(1) }
    exit(0)
}

if arguments[0] == "cold" {
    // What the origin's first request for a video's media playlist does: read, lay out, render one playlist.
    // `--index FILE`: read the movie from an index file made first (what a restarted origin does).
    var indexPath: String?
    if let i = arguments.firstIndex(of: "--index"), i + 1 < arguments.count {
        indexPath = arguments[i + 1]
        // VOD_BENCH_KEEP_INDEX: an index file already there is used as it is, so that a process
        // with `--runs 1` times only a first load (what a freshly started origin does).
        let keep = ProcessInfo.processInfo.environment["VOD_BENCH_KEEP_INDEX"] != nil && FileManager.default.fileExists(atPath: arguments[i + 1])
        if !keep {
            do {
                guard let bytes = try MovieIndexFile.make(path: path, build: 1) else { print("vod-bench: \(path) keeps no index"); exit(1) }
                guard FileManager.default.createFile(atPath: arguments[i + 1], contents: Data(bytes)) else { print("vod-bench: cannot write \(arguments[i + 1])"); exit(1) }
            } catch { print("vod-bench: \(error)"); exit(1) }
        }
    }
    var times: [Double] = []
    for _ in 0..<runs {
        let start = now()
        do {
            let stored = try indexPath.flatMap { try MovieIndexFile.read(indexPath: $0, sourcePath: path, build: 1) }
            if indexPath != nil && stored == nil { print("vod-bench: the index file was not taken"); exit(1) }
            var movie = try stored ?? Movie.read(path: path)
            // `--track-data`: the tracks the index file says want a data file placed on one (as the origin does).
            if arguments.contains("--track-data") {
                for i in movie.tracks.indices where movie.tracks[i].dataFileWanted {
                    _ = TrackDataFile.dataLength(movie.tracks[i])
                    TrackDataFile.place(&movie.tracks[i])
                }
            }
            let read = now()
            let set = try MediaSet.load(movie: movie, path: path, name: "v")
            let laidOut = now()
            guard let video = set.videos.first else { print("vod-bench: no video"); exit(1) }
            _ = HLSPlaylist.media(video, video: "v")
            if ProcessInfo.processInfo.environment["VOD_BENCH_PHASES"] != nil {
                print(String(format: "read %.2f lay out %.2f playlist %.2f ms", read - start, laidOut - read, now() - laidOut))
            }
        } catch { print("vod-bench: \(error)"); exit(1) }
        times.append(now() - start)
    }
    times.sort()
    print(String(format: "cold: load + media playlist median %.2f ms, min %.2f ms over %d runs", times[times.count / 2], times[0], runs))
    exit(0)
}

if arguments[0] == "package" {
    benchPackage(path: arguments[1], runs: runs)
    exit(0)
}

var times: [Double] = []
var movie: Movie?
for _ in 0..<runs {
    let start = now()
    do { movie = try Movie.read(path: path) } catch { print("vod-bench: \(error)"); exit(1) }
    times.append(now() - start)
}
guard let movie else { exit(1) }
times.sort()
let samples = movie.tracks.reduce(0) { $0 + $1.samples.count }
let bytes = movie.tracks.reduce(0) { $0 + $1.samples.memoryBytes }
let moov = movie.topLevelBoxes.first { $0.type == "moov" }?.size ?? 0
print(String(format: "index: %d tracks, %d samples, moov %lld bytes; read+index median %.2f ms, min %.2f ms over %d runs; index %.2f bytes/sample (%d bytes)",
             movie.tracks.count, samples, moov, times[times.count / 2], times[0], runs, Double(bytes) / Double(max(samples, 1)), bytes))

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

func benchPackage(path: String, runs: Int) {
    do {
        var cold: [Double] = []
        var set: MediaSet?
        var renditions: [TSRendition] = []
        for _ in 0..<max(3, runs / 4) {
            let start = now()
            let s = try MediaSet.load(path: path, name: "v")
            _ = HLSPlaylist.multivariant(s)
            for t in s.tracks { _ = HLSPlaylist.media(t, video: "v") }
            _ = DASHManifest.mpd(s)
            renditions = try s.tsRenditions()
            _ = TSPlaylist.multivariant(renditions)
            cold.append(now() - start)
            set = s
        }
        guard let set, let video = set.videos.first else { print("vod-bench: no video"); exit(1) }
        var loads: [Double] = [], reads: [Double] = [], masters: [Double] = [], mpds: [Double] = [], tsInits: [Double] = []
        for _ in 0..<max(3, runs / 4) {
            var start = now()
            _ = try Movie.read(path: path)
            reads.append(now() - start)
            start = now()
            let s = try MediaSet.load(path: path, name: "v")
            loads.append(now() - start)
            start = now()
            _ = HLSPlaylist.multivariant(s)
            masters.append(now() - start)
            start = now()
            _ = DASHManifest.mpd(s)
            mpds.append(now() - start)
            start = now()
            _ = try s.tsRenditions()
            tsInits.append(now() - start)
        }
        print(String(format: "breakdown: Movie.read %.2f ms, MediaSet.load %.2f ms, multivariant %.2f ms, MPD %.2f ms, TS renditions %.2f ms",
                     median(reads), median(loads), median(masters), median(mpds), median(tsInits)))
        let mid = video.segmentCount / 2
        var mediaOnly: [Double] = []
        for _ in 0..<runs {
            let start = now()
            _ = HLSPlaylist.media(video, video: "v")
            mediaOnly.append(now() - start)
        }
        var cmaf: [Double] = [], audioCMAF: [Double] = [], ts: [Double] = []
        var cmafBytes: Int64 = 0, tsBytes = 0
        for _ in 0..<runs {
            var start = now()
            let body = try video.mediaSegment(mid)
            cmaf.append(now() - start)
            cmafBytes = body.length
            if let audio = set.audio {
                start = now()
                _ = try audio.mediaSegment(min(mid, audio.segmentCount - 1))
                audioCMAF.append(now() - start)
            }
            start = now()
            let t = try renditions[0].segment(mid).materialize()
            ts.append(now() - start)
            tsBytes = t.count
        }
        print(String(format: "package: %d segments; cold load + all playlists median %.2f ms; media playlist alone %.3f ms; mid CMAF segment %.3f ms (%lld bytes described), audio %.3f ms; mid TS segment %.2f ms (%d bytes built)",
                     video.segmentCount, median(cold), median(mediaOnly), median(cmaf), cmafBytes, audioCMAF.isEmpty ? 0 : median(audioCMAF), median(ts), tsBytes))
    } catch {
        print("vod-bench: \(error)")
        exit(1)
    }
}
