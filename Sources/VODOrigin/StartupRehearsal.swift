import Dispatch
import Foundation
import VODKit

/// Before the origin takes requests it answers a few for a tiny video of its own
/// (`RehearsalVideo`, written to a private temporary directory and removed after): the
/// playlists, the MPD, init and media segments in CMAF and TS, parsed from the MP4 and then,
/// when the origin keeps index files, read back from an index file of their own.
///
/// A fresh process pays for the first use of its code on whatever request comes first: the
/// Swift runtime resolving generic types and conformances, libdispatch starting threads, the
/// allocator's first arenas. That was about 0.6 ms of a 3.7 ms first request for a 60-minute
/// video's playlist. After the rehearsal the first real request costs what a video not yet
/// in memory costs a running origin. Nothing the rehearsal does touches the media root, the
/// index directory or the caches the origin serves from, and a rehearsal that fails (no
/// temporary directory, a request that is not a 200) is logged and changes nothing else.
public enum StartupRehearsal {
    /// The requests rehearsed, in the order players make them.
    static let targets = ["/hls/r/master.m3u8", "/hls/r/video/index.m3u8", "/hls/r/audio/index.m3u8", "/cmaf/r/video/init.mp4",
                          "/cmaf/r/video/1.m4s", "/cmaf/r/audio/init.mp4", "/cmaf/r/audio/1.m4s", "/dash/r/manifest.mpd",
                          "/hls-ts/r/master.m3u8", "/hls-ts/r/video/index.m3u8", "/hls-ts/r/video/1.ts"]

    /// What the rehearsal did, for the start-up log line.
    public struct Report: Sendable, Equatable, CustomStringConvertible {
        public var requests: Int
        public var milliseconds: Double
        /// Empty when every request was answered 200 (else why not, for the log).
        public var problems: [String]

        public var description: String {
            let time = String(format: "%.1f ms", milliseconds)
            return problems.isEmpty ? "rehearsed \(requests) requests on a built-in video in \(time)"
                : "rehearsal in \(time) went wrong (serving as usual): " + problems.joined(separator: "; ")
        }
    }

    /// Rehearses as an origin with `targetDuration` and (when `indexFiles`) index files would.
    /// Blocking: call it before the server starts.
    public static func run(targetDuration: Double, indexFiles: Bool) -> Report {
        let started = DispatchTime.now().uptimeNanoseconds
        var report = Report(requests: 0, milliseconds: 0, problems: [])
        do {
            try rehearse(targetDuration: targetDuration, indexFiles: indexFiles, &report)
        } catch {
            report.problems.append("\(error)")
        }
        report.milliseconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        return report
    }

    private static func rehearse(targetDuration: Double, indexFiles: Bool, _ report: inout Report) throws {
        guard let bytes = Data(base64Encoded: RehearsalVideo.base64, options: .ignoreUnknownCharacters) else {
            report.problems.append("the built-in video does not decode")
            return
        }
        var template = Array((NSTemporaryDirectory() + "/vod-origin-rehearsal.XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { t -> String? in
            guard let base = t.baseAddress, mkdtemp(base) != nil else { return nil }
            return String(cString: base)
        }
        guard let directory = made else {
            report.problems.append("no temporary directory (\(SystemError("mkdtemp")))")
            return
        }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/media", withIntermediateDirectories: false)
        try bytes.write(to: URL(fileURLWithPath: directory + "/media/r.mp4"))
        let index = indexFiles ? try IndexDirectory(path: directory + "/index", maxBytes: 16 << 20, log: { _ in }) : nil
        let catalog = try MediaCatalog(root: directory + "/media")
        // Parsed from the MP4; then, with index files, once more from the files just made.
        for pass in 0..<(index == nil ? 1 : 2) {
            if pass == 1 { index?.waitForBackgroundWork() }
            let cache = MediaSetCache(capacity: 1, targetDuration: targetDuration, index: index)
            let router = OriginRouter(catalog: catalog, cache: cache, segments: SegmentMemoryCache(budgetBytes: 1 << 20))
            for target in targets {
                report.requests += 1
                let status = answer(router, target)
                if status != 200 { report.problems.append("\(target) answered \(status)") }
            }
        }
        if let index {
            index.waitForBackgroundWork()  // nothing left writing into the directory being removed
            if index.stats.reads == 0 { report.problems.append("the index file was not read back") }
        }
    }

    /// The status of the router's answer to a GET of `target` from a player that takes gzip.
    static func answer(_ router: OriginRouter, _ target: String) -> Int {
        var parser = HTTPRequestParser()
        let request = Array("GET \(target) HTTP/1.1\r\nHost: rehearsal\r\nAccept-Encoding: gzip\r\n\r\n".utf8)
        guard let (head, _) = try? parser.parse(request) else { return 400 }
        switch router.reply(to: HTTPRequest(head: head, peer: "127.0.0.1")) {
        case .response(let response): return response.status
        case .deferred(let work): return work().status
        case .later: return 501  // the origin never answers later: nothing of its own to wait for
        }
    }
}
