import Foundation
import MP4Box

/// `vod-bench index FILE [--runs N]`: time to read the movie and build every
/// track's sample index (the moov parse included), and the index's memory per sample.
let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2, arguments[0] == "index" else {
    FileHandle.standardError.write(Data("usage: vod-bench index FILE [--runs N]\n".utf8))
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
