import Foundation
import TestSupport
@testable import TranscodeService
import VODKit
import VODOrigin

/// Runs a program and returns its standard output (nil when it fails).
@discardableResult
func run(_ arguments: [String]) -> String? {
    guard let result = try? runProgram(arguments), result.status == 0 else { return nil }
    return String(decoding: result.output, as: UTF8.self)
}

/// Makes a test source with ffmpeg: testsrc2 picture and a sine tone.
func makeSource(_ path: String, size: String = "640x360", rate: Int = 25, seconds: Double = 4, audio: Bool = true, video: Bool = true,
                extra: [String] = []) {
    var args = ["ffmpeg", "-v", "error", "-y"]
    if video { args += ["-f", "lavfi", "-i", "testsrc2=size=\(size):rate=\(rate):duration=\(seconds)"] }
    if audio { args += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=\(seconds)"] }
    if video { args += ["-c:v", "libx264", "-preset", "ultrafast", "-g", "\(rate)"] }
    if audio { args += ["-c:a", "aac", "-b:a", "64k"] }
    run(args + extra + [path])
}

/// ffprobe's presentation times of keyframes.
func keyframeTimes(_ path: String) -> [String] {
    (run(["ffprobe", "-v", "error", "-skip_frame", "nokey", "-select_streams", "v", "-show_entries", "frame=pts_time", "-of", "csv=p=0", path]) ?? "")
        .split(whereSeparator: \.isNewline).map { $0.split(separator: ",").first.map(String.init) ?? "" }
}

func streamField(_ path: String, _ field: String, stream: String = "v") -> String {
    (run(["ffprobe", "-v", "error", "-select_streams", stream, "-show_entries", "stream=\(field)", "-of", "default=nw=1:nk=1", path]) ?? "")
        .trimmingCharacters(in: .whitespacesAndNewlines)
}

final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ s: String) { lock.withLock { lines.append(s) } }
    var all: [String] { lock.withLock { lines } }
}

/// Origins with an ingest token on free ports, in process, plus a spool directory.
final class StackFixture: @unchecked Sendable {
    let dir: URL
    var origins: [(server: HTTPServer?, media: String, port: UInt16)] = []
    let log = LogLines()
    static let token = "ingest-token"

    init(origins count: Int) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("transcode-\(UUID().uuidString)")
        for i in 0..<count {
            let media = dir.appendingPathComponent("origin-\(i)").path
            try FileManager.default.createDirectory(atPath: media, withIntermediateDirectories: true)
            origins.append((nil, media, 0))
            try startOrigin(i)
        }
    }

    func startOrigin(_ i: Int, port: UInt16 = 0) throws {
        var c = HTTPServer.Config()
        c.port = port == 0 ? origins[i].port : port
        c.loops = 1
        let router = OriginRouter(catalog: try MediaCatalog(root: origins[i].media), cache: MediaSetCache(capacity: 8, targetDuration: 2), token: Self.token)
        let server = try HTTPServer(config: c, handler: router)
        server.start()
        origins[i] = (server, origins[i].media, server.port)
    }

    func stopOrigin(_ i: Int) {
        origins[i].server?.stop()
        origins[i].server = nil
    }

    var urls: [String] { origins.map { "http://127.0.0.1:\($0.port)" } }
    var spool: String { dir.appendingPathComponent("spool").path }

    func config(replicas: Int = 2, worker: String = "w1") -> TranscoderConfig {
        var c = TranscoderConfig()
        c.spool = spool
        c.origins = urls
        c.replicas = replicas
        c.token = Self.token
        c.settleSeconds = 0
        c.leaseTimeoutSeconds = 3
        c.heartbeatSeconds = 0.5
        c.replicationRetrySeconds = 0
        c.workerName = worker
        c.ladder = [RungConfig(height: 360, videoKbps: 600), RungConfig(height: 240, videoKbps: 300), RungConfig(height: 144, videoKbps: 150)]
        c.encode.preset = "ultrafast"
        return c
    }

    func worker(replicas: Int = 2, name: String = "w1", adjust: (inout TranscoderConfig) -> Void = { _ in }) throws -> TranscodeWorker {
        var c = config(replicas: replicas, worker: name)
        adjust(&c)
        let log = self.log
        return try TranscodeWorker(config: c, log: { log.add("\(name): \($0)") })
    }

    /// Drops a file into incoming/ the way an uploader should: written aside, renamed in.
    /// Copies `source` into `incoming/` (or `incoming/<profile>/` for a `<profile>/<name>`) and renames it into place.
    func drop(_ source: String, as name: String) throws {
        let target = "\(spool)/incoming/\(name)"
        let folder = (target as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = "\(folder)/.\((name as NSString).lastPathComponent).part"
        try FileManager.default.copyItem(atPath: source, toPath: temporary)
        try FileManager.default.moveItem(atPath: temporary, toPath: target)
    }

    /// Which origins hold `video` (its manifest is there).
    func holders(_ video: String) -> [Int] {
        origins.indices.filter { FileManager.default.fileExists(atPath: "\(origins[$0].media)/\(video)/manifest.json") }
    }

    func doneJobs() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(spool)/done")) ?? []).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
            .map { String($0.dropLast(5)) }.sorted()
    }

    deinit {
        origins.forEach { $0.server?.stop() }
        try? FileManager.default.removeItem(at: dir)
    }
}
