import Foundation
import MP4Box
import Testing
@testable import TranscodeService
import VODKit

/// A video cut into chunks on the keyframe grid, each chunk encoded on its own, the
/// chunks of each rung joined by their sample tables: the same frames at the same
/// times, keyframes at the same times, no gap or repeat at a join, as a whole-file encode.
@Suite struct ChunkedTranscodeTests {
    /// ffprobe's (pts_time, key_frame) of every video frame.
    func frames(_ path: String) -> [(pts: String, key: Bool)] {
        (run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "frame=pts_time,key_frame", "-of", "csv=p=0", path]) ?? "")
            .split(whereSeparator: \.isNewline).map { line in
                let f = line.split(separator: ",")
                return (f.count > 1 ? String(f[1]) : "", f.first == "1")
            }
    }

    /// PSNR (average, dB) of `path` against the source scaled to its size.
    func psnr(_ path: String, source: String, width: Int, height: Int) -> Double {
        let filter = "[1:v]scale=\(width):\(height):flags=bicubic[ref];[0:v][ref]psnr"
        let out = run(["sh", "-c", "ffmpeg -v info -nostats -i '\(path)' -i '\(source)' -lavfi '\(filter)' -f null - 2>&1"]) ?? ""
        let value = out.components(separatedBy: "average:").last?.split(separator: " ").first.flatMap { Double($0) }
        return value ?? 0
    }

    @Test func chunkedEncodeJoinsToTheWholeFilesFramesAndKeyframes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("chunked-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let source = "\(dir)/source.mp4"
        makeSource(source, size: "320x180", rate: 25, seconds: 12)
        let info = try SourceInfo.probe(source)
        var settings = EncodeSettings()
        settings.preset = "veryfast"  // B-frames: a decoder delay the joined edit list must keep (it once cut the last two frames)
        let rungs = Ladder.plan([RungConfig(height: 180, videoKbps: 400), RungConfig(height: 144, videoKbps: 200)], width: 320, height: 180)
        try FileManager.default.createDirectory(atPath: "\(dir)/whole", withIntermediateDirectories: true)
        _ = try Pipeline(source: source, info: info, rungs: rungs, settings: settings, directory: "\(dir)/whole").run()

        // Three chunks of 4 s (on the 2 s keyframe grid), video only, and the audio once.
        let windows = [ChunkWindow(start: 0, end: 4), ChunkWindow(start: 4, end: 8), ChunkWindow(start: 8, end: nil)]
        var starts: [Double] = []
        for (k, window) in windows.enumerated() {
            try FileManager.default.createDirectory(atPath: "\(dir)/chunk-\(k)", withIntermediateDirectories: true)
            let pipeline = Pipeline(source: source, info: info, rungs: rungs, settings: settings, directory: "\(dir)/chunk-\(k)", window: window,
                                    includeAudio: false)
            let outputs = try pipeline.run()
            #expect(outputs.map(\.kind) == ["video", "video"])
            starts.append(try #require(pipeline.firstFrameSeconds))
        }
        #expect(starts == [0, 4, 8])
        try FileManager.default.createDirectory(atPath: "\(dir)/joined", withIntermediateDirectories: true)
        let audio = try Pipeline(source: source, info: info, rungs: [], settings: settings, directory: "\(dir)/joined").run()
        #expect(audio.map(\.file) == ["audio.mp4"])
        for rung in rungs {
            let timescale = Double(try Movie.read(path: "\(dir)/chunk-0/\(rung.file)").tracks[0].timescale)
            let parts = starts.indices.map { MovieJoiner.Part(path: "\(dir)/chunk-\($0)/\(rung.file)", start: Int64((starts[$0] * timescale).rounded())) }
            let result = try MovieJoiner.join(parts, into: "\(dir)/joined/\(rung.file)")
            #expect(result.samples == 300)
        }
        // Parts that do not belong together are refused with the reason.
        #expect(throws: MovieJoiner.JoinError.self) {
            try MovieJoiner.join([.init(path: "\(dir)/chunk-0/\(rungs[0].file)"), .init(path: "\(dir)/chunk-1/\(rungs[1].file)")], into: "\(dir)/mixed.mp4")
        }
        let joinedOutputs = rungs.map { Pipeline.Output(file: $0.file, kind: "video", rung: $0) } + audio
        _ = try Verifier.check(joinedOutputs, in: "\(dir)/joined", source: info)

        for rung in rungs {
            let a = frames("\(dir)/whole/\(rung.file)"), b = frames("\(dir)/joined/\(rung.file)")
            #expect(a.count == 300 && b.count == 300)
            // Every frame at the same time (no gap, repeat or jump at the joins at 4 s and 8 s), keyframes at the same times.
            #expect(a.map(\.pts) == b.map(\.pts))
            #expect(a.filter(\.key).map(\.pts) == b.filter(\.key).map(\.pts))
            #expect(b.filter(\.key).map(\.pts) == ["0.000000", "2.000000", "4.000000", "6.000000", "8.000000", "10.000000"])
            #expect(run(["ffmpeg", "-v", "error", "-xerror", "-i", "\(dir)/joined/\(rung.file)", "-f", "null", "-"]) != nil)
            let unchunked = psnr("\(dir)/whole/\(rung.file)", source: source, width: rung.width, height: rung.height)
            let chunked = psnr("\(dir)/joined/\(rung.file)", source: source, width: rung.width, height: rung.height)
            let size = { (path: String) in (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
            // 4 s chunks with B-frames: each chunk's rate control starts cold and spends about 7 % fewer bits
            // than the whole-file encode, about 1–1.4 dB lower here. The issue's 0.3 dB is for 30 s chunks and is
            // measured by the benchmark, not here; this bound catches a broken join (tens of dB).
            #expect(unchunked > 20 && chunked > unchunked - 2,
                    "PSNR \(rung.height)p: chunked \(chunked) dB, whole \(unchunked) dB; bytes \(size("\(dir)/joined/\(rung.file)")) vs \(size("\(dir)/whole/\(rung.file)"))")
        }
    }
}

@Suite struct ChunkedJobTests {
    @Test func aLongVideoIsDoneInChunksByTwoWorkersPublishedEarlyThenWhole() throws {
        let s = try StackFixture(origins: 1)
        let path = s.dir.appendingPathComponent("long.mp4").path
        makeSource(path, size: "640x360", rate: 25, seconds: 16)
        let job = String(try Spool.sha256(of: path).prefix(20))
        let chunked: (inout TranscoderConfig) -> Void = { $0.chunkSeconds = 4; $0.rescanSeconds = 0.1 }
        try s.drop(path, as: "long.mp4")
        // The first worker claims the job; then a second one, on its own loop, helps with whatever chunk is open.
        let first = try s.worker(replicas: 1, name: "w1", adjust: chunked)
        let finished = DispatchSemaphore(value: 0)
        Thread { first.runOnce(); finished.signal() }.start()
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: "\(s.spool)/claimed/\(job)") { usleep(20_000) }
        let helper = try s.worker(replicas: 1, name: "w2", adjust: chunked)
        Thread { helper.run() }.start()
        defer { helper.stop() }
        // Meanwhile the video is published early: the lowest rung and the audio, with the rest pending,
        // its master playlist naming only what the origin holds and cached for 2 s.
        let origin = try #require(HTTPClientPool.Upstream(url: s.urls[0]))
        var early: (manifest: VideoManifest, master: String, cacheControl: String?)?
        while finished.wait(timeout: .now() + 0.02) == .timedOut {
            guard early == nil, let data = FileManager.default.contents(atPath: "\(s.origins[0].media)/\(job)/manifest.json"),
                  let manifest = try? VideoManifest.decode(data), manifest.isPartial else { continue }
            let r = try HTTPClientConnection(host: origin.host, port: origin.port, timeoutSeconds: 10).request("GET", "/hls/\(job)/master.m3u8")
            early = (manifest, String(decoding: r.body, as: UTF8.self), r.headers["Cache-Control"])
        }
        let published = try #require(early, "never published early: \(s.log.all)")
        #expect(published.manifest.renditions.map(\.file) == ["video_144.mp4", "audio.mp4"])
        #expect(published.manifest.pending == ["video_360.mp4", "video_240.mp4"])
        #expect(published.master.contains("video_144/") && !published.master.contains("video_360") && !published.master.contains("video_240"), "\(published.master)")
        #expect(published.cacheControl == "public, max-age=2")
        let record = try #require(JSONDecoder.read(JobRecord.self, at: "\(s.spool)/done/\(job).json"), "\(s.log.all)")
        #expect(record.manifest.pending == nil && record.manifest.renditions.count == 4)
        let chunks = try #require(record.chunks)
        #expect(chunks.map(\.task).sorted() == ["audio", "early-0", "early-1", "early-2", "early-3", "video-0", "video-1", "video-2", "video-3"])
        #expect(chunks.compactMap(\.firstFrameSeconds).sorted() == [0, 0, 4, 4, 8, 8, 12, 12])
        #expect(Set(chunks.map(\.worker)) == ["w1", "w2"], "\(chunks)")
        // What the origin serves: every frame, keyframes on the 2 s grid across the joins, decodable.
        let media = "\(s.origins[0].media)/\(job)"
        for rung in record.manifest.renditions where rung.type == .video {
            let file = "\(media)/\(rung.file)"
            #expect(streamField(file, "nb_frames") == "400")
            #expect(keyframeTimes(file) == ["0.000000", "2.000000", "4.000000", "6.000000", "8.000000", "10.000000", "12.000000", "14.000000"])
            #expect(run(["ffmpeg", "-v", "error", "-xerror", "-i", file, "-f", "null", "-"]) != nil)
        }
        #expect(!FileManager.default.fileExists(atPath: "\(s.spool)/claimed/\(job)"))
    }
}

@Suite struct ChunkTaskLeaseTests {
    @Test func anEarlyPassMakesTheLowestRungFirst() throws {
        let rungs = [Rung(width: 640, height: 360, videoKbps: 600), Rung(width: 256, height: 144, videoKbps: 150), Rung(width: 426, height: 240, videoKbps: 300)]
        let plan = try #require(ChunkPlan.make(duration: 70, chunkSeconds: 30, gopSeconds: 2, rungs: rungs, audio: true, earlyRungs: 1))
        #expect(plan.tasks == ["audio", "early-0", "early-1", "video-0", "video-1"])
        #expect(plan.earlyTasks == ["audio", "early-0", "early-1"])
        #expect(plan.early.map(\.height) == [144] && plan.later.map(\.height) == [360, 240])
        #expect(plan.work("early-1") == ChunkPlan.Work(window: ChunkWindow(start: 30, end: nil), rungs: [rungs[1]]))
        #expect(plan.work("video-0")?.files == ["video_360.mp4", "video_240.mp4"])
        #expect(plan.work("audio")?.files == ["audio.mp4"])
        #expect(plan.work("video-2") == nil && plan.work("early-x") == nil && plan.work("../x") == nil)
        #expect(plan.task(making: rungs[1], chunk: 1) == "early-1" && plan.task(making: rungs[0], chunk: 1) == "video-1")
        // No early pass when it would take every rung, or when switched off: one task per chunk, as before.
        for early in [0, 3] {
            let whole = try #require(ChunkPlan.make(duration: 70, chunkSeconds: 30, gopSeconds: 2, rungs: rungs, audio: false, earlyRungs: early))
            #expect(whole.tasks == ["video-0", "video-1"] && whole.earlyTasks.isEmpty && whole.work("video-1")?.rungs == rungs)
        }
    }

    @Test func aTaskIsTakenOnceAndTakenOverWhenItsWorkerStops() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tasks-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let spool = try Spool(root: root, worker: "w1", log: { _ in })
        let tasks = ChunkTasks(spool: spool, job: "job1")
        let plan = try #require(ChunkPlan.make(duration: 70, chunkSeconds: 30, gopSeconds: 2, rungs: [Rung(width: 320, height: 180, videoKbps: 300)], audio: true))
        // 70 s in 30 s chunks: 0–30, 30–70 (a last 10 s would be under half a chunk, so it is folded in).
        #expect(plan.windows == [ChunkWindow(start: 0, end: 30), ChunkWindow(start: 30, end: nil)])
        #expect(ChunkPlan.make(duration: 40, chunkSeconds: 30, gopSeconds: 2, rungs: plan.rungs, audio: true) == nil)
        #expect(tasks.write(plan) && tasks.plan == plan)
        let now = 1_000_000.0
        #expect(tasks.open(timeout: 30, now: now) == ["audio", "video-0", "video-1"])
        #expect(tasks.claim("video-0", worker: "w1", timeout: 30, now: now))
        #expect(!tasks.claim("video-0", worker: "w2", timeout: 30, now: now + 10))  // w1 is alive
        #expect(tasks.open(timeout: 30, now: now + 10) == ["audio", "video-1"])
        // w1 stops renewing (killed): after the timeout the task is open again and w2 takes it, once.
        #expect(tasks.open(timeout: 30, now: now + 31) == ["audio", "video-0", "video-1"])
        #expect(tasks.claim("video-0", worker: "w2", timeout: 30, now: now + 31))
        #expect(!tasks.claim("video-0", worker: "w3", timeout: 30, now: now + 31))
        #expect(tasks.holds("video-0", worker: "w2") && !tasks.holds("video-0", worker: "w1"))
        let work = tasks.newWork("video-0")
        #expect(tasks.complete("video-0", ChunkResult(task: "video-0", worker: "w2", seconds: 1, firstFrameSeconds: 0), from: work))
        #expect(tasks.result("video-0")?.worker == "w2" && tasks.lease("video-0") == nil)
        #expect(tasks.open(timeout: 30, now: now + 100) == ["audio", "video-1"])
    }
}

@Suite struct RemoteWorkerTests {
    @Test func aWorkerWithoutTheSpoolTakesChunksOverHTTP() throws {
        let s = try StackFixture(origins: 1)
        let path = s.dir.appendingPathComponent("remote.mp4").path
        makeSource(path, size: "640x360", rate: 25, seconds: 16)
        let job = String(try Spool.sha256(of: path).prefix(20))
        let first = try s.worker(replicas: 1, name: "w1") { $0.chunkSeconds = 4; $0.listen = "127.0.0.1:0" }
        let listener = try #require(try StatusListener.serve(first.config, worker: first))
        defer { listener.stop() }
        let port = listener.server.port
        func post(_ target: String, token: String?, body: String = "{}") throws -> HTTPClientConnection.Response {
            try HTTPClientConnection(host: "127.0.0.1", port: port).request("POST", target, headers: token.map { [("Authorization", "Bearer \($0)")] } ?? [],
                                                                            body: Array(body.utf8))
        }
        #expect(try post("/api/tasks/claim", token: nil).status == 401)
        #expect(try post("/api/tasks/claim", token: "wrong").status == 401)
        #expect(try post("/api/tasks/claim", token: StackFixture.token).status == 204)  // nothing to do yet
        #expect(try post("/api/tasks/\(job)/video-0/heartbeat?key=guess", token: StackFixture.token).status == 410)

        try s.drop(path, as: "remote.mp4")
        let finished = DispatchSemaphore(value: 0)
        Thread { first.runOnce(); finished.signal() }.start()
        for _ in 0..<500 where !FileManager.default.fileExists(atPath: "\(s.spool)/claimed/\(job)/chunks/plan.json") { usleep(20_000) }
        // A worker that uploads a file whose checksum does not match, cannot complete, and goes silent:
        // its upload is refused, and its task goes to another worker once the lease times out.
        let claimed = try post("/api/tasks/claim", token: StackFixture.token, body: #"{"worker": "liar"}"#)
        let assignment = try #require(APIJSON.decode(TaskAssignment.self, claimed.body), "\(claimed.status)")
        let file = try #require(assignment.work?.files.first)
        let upload = try HTTPClientConnection(host: "127.0.0.1", port: port)
            .request("PUT", "\(assignment.base)/files/\(file)?key=\(assignment.key)", headers: [("X-Content-SHA256", String(repeating: "ab", count: 32))],
                     body: Array("not what the checksum says".utf8))
        #expect(upload.status == 422)
        #expect(try post("\(assignment.base)/complete?key=\(assignment.key)", token: nil, body: #"{"task": "", "worker": "", "seconds": 1}"#).status == 409)
        let remote = RemoteWorker(server: .init(host: "127.0.0.1", port: port), token: StackFixture.token, name: "r1", idleSeconds: 0.05, log: { _ in })
        Thread { remote.run() }.start()
        defer { remote.stop() }
        #expect(finished.wait(timeout: .now() + 120) == .success)
        let record = try #require(JSONDecoder.read(JobRecord.self, at: "\(s.spool)/done/\(job).json"), "\(s.log.all)")
        let workers = Set((record.chunks ?? []).map(\.worker))
        #expect(workers.contains("remote:r1") && workers.contains("w1") && !workers.contains("remote:liar"), "\(record.chunks ?? [])")
        #expect(record.chunks?.contains { $0.task == assignment.task } == true)
        for rung in record.manifest.renditions where rung.type == .video {
            let file = "\(s.origins[0].media)/\(job)/\(rung.file)"
            #expect(streamField(file, "nb_frames") == "400")
            #expect(keyframeTimes(file) == ["0.000000", "2.000000", "4.000000", "6.000000", "8.000000", "10.000000", "12.000000", "14.000000"])
            #expect(run(["ffmpeg", "-v", "error", "-xerror", "-i", file, "-f", "null", "-"]) != nil)
        }
    }
}
