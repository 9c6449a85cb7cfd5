import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import TranscodeService
import VODKit

@Suite struct LadderTests {
    @Test func neverUpscaleKeepAspectEvenSizes() {
        let rungs = RungConfig.defaults
        #expect(Ladder.plan(rungs, width: 1920, height: 1080).map { "\($0.width)x\($0.height)" } == ["1920x1080", "1280x720", "854x480", "640x360"])
        #expect(Ladder.plan(rungs, width: 1280, height: 720).map(\.height) == [720, 480, 360])
        // 4:3, odd results rounded to even.
        #expect(Ladder.plan(rungs, width: 1440, height: 1080).map { "\($0.width)x\($0.height)" } == ["1440x1080", "960x720", "640x480", "480x360"])
        // Portrait (a rotated phone video, upright): heights are the long side.
        // Portrait and square: rungs by the shorter side, never upscaled.
        #expect(Ladder.plan(rungs, width: 1080, height: 1920).map { "\($0.width)x\($0.height)" } == ["1080x1920", "720x1280", "480x854", "360x640"])
        #expect(Ladder.plan(rungs, width: 1080, height: 1920).map(\.file) == ["video_1080.mp4", "video_720.mp4", "video_480.mp4", "video_360.mp4"])
        #expect(Ladder.plan(rungs, width: 2160, height: 3840).first.map { "\($0.width)x\($0.height)" } == "1080x1920")
        #expect(Ladder.plan(rungs, width: 1080, height: 1080).map { "\($0.width)x\($0.height)" } == ["1080x1080", "720x720", "480x480", "360x360"])
        #expect(Ladder.plan(rungs, width: 720, height: 1280).map(\.height) == [1280, 854, 640])
        // Smaller than every rung: one rung at its own (even) size.
        #expect(Ladder.plan(rungs, width: 321, height: 241).map { "\($0.width)x\($0.height)" } == ["322x242"])
        #expect(Ladder.plan(rungs, width: 321, height: 241).first?.file == "video_242.mp4")
    }
}

@Suite(.serialized) struct TranscodeTests {
    @Test func aDroppedFileEndsUpOnExactlyMOriginsPlayableAndAligned() throws {
        let s = try StackFixture(origins: 3)
        let source = s.dir.appendingPathComponent("talk.mp4").path
        makeSource(source, size: "640x360", rate: 25, seconds: 6)
        try s.drop(source, as: "talk.mp4")
        let worker = try s.worker(replicas: 2)
        worker.runOnce()
        let jobs = s.doneJobs()
        try #require(jobs.count == 1, "\(s.log.all)")
        let video = jobs[0]
        #expect(video == String(try Spool.sha256(of: source).prefix(20)))
        // Exactly M of N, and the ones the rendezvous rank names.
        let holders = s.holders(video)
        #expect(holders.count == 2)
        let ranked = Placement.rank(s.urls, for: video).prefix(2).map { url in s.urls.firstIndex(of: url)! }
        #expect(Set(holders) == Set(ranked))
        let media = "\(s.origins[holders[0]].media)/\(video)"
        let files = try FileManager.default.contentsOfDirectory(atPath: media).sorted()
        #expect(files == ["audio.mp4", "manifest.json", "video_144.mp4", "video_240.mp4", "video_360.mp4"])
        // Real decoders: every output decodes, keyframes at the same times in every rung, durations within a frame.
        let keys = keyframeTimes("\(media)/video_360.mp4")
        #expect(keys.count == 3 && keys.first == "0.000000")
        for rung in ["video_144.mp4", "video_240.mp4", "video_360.mp4"] {
            #expect(run(["ffmpeg", "-v", "error", "-xerror", "-i", "\(media)/\(rung)", "-f", "null", "-"]) != nil)
            #expect(keyframeTimes("\(media)/\(rung)") == keys, "\(rung)")
            #expect(streamField("\(media)/\(rung)", "nb_frames") == streamField(source, "nb_frames"))
            let duration = Double(streamField("\(media)/\(rung)", "duration")) ?? 0
            #expect(abs(duration - (Double(streamField(source, "duration")) ?? 0)) <= 0.04 + 0.001, "\(rung): \(duration)")
        }
        #expect(streamField("\(media)/video_240.mp4", "width") == "426" && streamField("\(media)/video_240.mp4", "height") == "240")
        // Audio: AAC stereo, starting with the video, as long as the source within one AAC frame.
        #expect(streamField("\(media)/audio.mp4", "codec_name", stream: "a") == "aac" && streamField("\(media)/audio.mp4", "channels", stream: "a") == "2")
        #expect(abs((Double(streamField("\(media)/audio.mp4", "start_time", stream: "a")) ?? 9)) < 0.001)
        #expect(abs((Double(streamField("\(media)/audio.mp4", "duration", stream: "a")) ?? 0) - 6) < 0.05)
        // Through the origin, as players get it.
        let origin = s.origins[holders[0]]
        #expect(run(["ffmpeg", "-v", "error", "-xerror", "-i", "http://127.0.0.1:\(origin.port)/hls/\(video)/master.m3u8", "-map", "0", "-f", "null", "-"]) != nil)
        // The record and the spool afterwards.
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(s.spool)/done/\(video).json"))) as? [String: Any]
        #expect((record?["replicas"] as? [String])?.count == 2 && record?["source"] as? String == "talk.mp4")
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(s.spool)/incoming").isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(s.spool)/claimed").isEmpty)
        // The same file dropped again is not done again.
        try s.drop(source, as: "talk-again.mp4")
        worker.runOnce()
        #expect(s.doneJobs() == [video] && s.log.all.contains { $0.contains("already ran") })
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(s.spool)/incoming").isEmpty)
    }

    @Test func rotatedAudioOnlyAndVideoOnlySources() throws {
        let s = try StackFixture(origins: 1)
        let rotated = s.dir.appendingPathComponent("phone.mp4").path
        let plain = s.dir.appendingPathComponent("plain.mp4").path
        makeSource(plain, size: "320x180", seconds: 2)
        run(["ffmpeg", "-v", "error", "-y", "-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90", rotated])
        let audioOnly = s.dir.appendingPathComponent("song.m4a").path
        makeSource(audioOnly, seconds: 2, video: false)
        let videoOnly = s.dir.appendingPathComponent("silent.mp4").path
        makeSource(videoOnly, size: "320x180", seconds: 2, audio: false)
        for (file, name) in [(rotated, "phone.mp4"), (audioOnly, "song.m4a"), (videoOnly, "silent.mp4")] { try s.drop(file, as: name) }
        try s.worker(replicas: 1).runOnce()
        let jobs = s.doneJobs()
        #expect(jobs.count == 3, "\(s.log.all)")
        func files(_ source: String) throws -> [String] {
            let job = String(try Spool.sha256(of: source).prefix(20))
            return try FileManager.default.contentsOfDirectory(atPath: "\(s.origins[0].media)/\(job)").sorted()
        }
        #expect(try files(audioOnly) == ["audio.mp4", "manifest.json"])
        // The test ladder is 360, 240 and 144 lines: a 180-line source gets the 144 rung only.
        #expect(try files(videoOnly) == ["manifest.json", "video_144.mp4"])
        // Upright: the 320x180 picture turned a quarter is 180x320, portrait, so its rung is chosen by its
        // 180-pixel width: the 144 rung, 144x256.
        #expect(try files(rotated) == ["audio.mp4", "manifest.json", "video_144.mp4"])
        let job = String(try Spool.sha256(of: rotated).prefix(20))
        let top = "\(s.origins[0].media)/\(job)/video_144.mp4"
        #expect(streamField(top, "width") == "144" && streamField(top, "height") == "256")
        #expect(!(run(["ffprobe", "-v", "error", "-show_streams", top]) ?? "").contains("rotation"))
        // Turned the right way: close to ffmpeg's own auto-rotated picture, far from the upside-down one.
        func psnr(_ filter: String) -> Double {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["ffmpeg", "-i", rotated, "-i", top, "-filter_complex", "[0:v]scale=144:256\(filter)[a];[a][1:v]psnr", "-f", "null", "-"]
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try? p.run()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return text.components(separatedBy: "average:").last.flatMap { Double($0.prefix { $0 == "." || $0.isNumber }) } ?? 0
        }
        #expect(psnr("") > 30 && psnr(",hflip,vflip") < 15)
    }

    @Test func audioAndVideoOfDifferentLengthsAreFine() throws {
        // Common in real files: the audio ends a second before the picture. Each output is
        // checked against its own source stream, so this is no "truncated" source.
        let s = try StackFixture(origins: 1)
        let path = s.dir.appendingPathComponent("uneven.mp4").path
        run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=4", "-f", "lavfi", "-i",
             "sine=duration=3", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", path])
        try s.drop(path, as: "uneven.mp4")
        try s.worker(replicas: 1).runOnce()
        let job = try #require(s.doneJobs().first, "\(s.log.all)")
        let media = "\(s.origins[0].media)/\(job)"
        #expect(abs((Double(streamField("\(media)/video_144.mp4", "duration")) ?? 0) - 4) < 0.05)
        #expect(abs((Double(streamField("\(media)/audio.mp4", "duration", stream: "a")) ?? 0) - 3) < 0.06)
    }

    @Test func badInputsFailWithAReasonAndKeepTheSource() throws {
        let s = try StackFixture(origins: 1)
        // Seeded noise: a random draw now and then probes as some format with no stream
        // (a different, also clear reason), which made this test fail one run in many.
        var state: UInt64 = 42
        var random = [UInt8]()
        while random.count < 50_000 {  // SplitMix64
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            withUnsafeBytes(of: z.littleEndian) { random.append(contentsOf: $0) }
        }
        try Data(random).write(to: s.dir.appendingPathComponent("noise.mp4"))
        try Data().write(to: s.dir.appendingPathComponent("empty.mp4"))
        let whole = s.dir.appendingPathComponent("whole.mp4").path
        makeSource(whole, size: "320x180", seconds: 4)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: whole))
        try bytes.prefix(bytes.count / 2).write(to: s.dir.appendingPathComponent("truncated.mp4"))
        run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=64x64", "-frames:v", "1", s.dir.appendingPathComponent("picture.png").path])
        try FileManager.default.moveItem(atPath: s.dir.appendingPathComponent("picture.png").path, toPath: s.dir.appendingPathComponent("picture.mp4").path)
        for name in ["noise.mp4", "empty.mp4", "truncated.mp4", "picture.mp4"] { try s.drop(s.dir.appendingPathComponent(name).path, as: name) }
        try s.worker(replicas: 1).runOnce()
        let failed = try FileManager.default.contentsOfDirectory(atPath: "\(s.spool)/failed")
        #expect(failed.count == 4, "\(s.log.all)")
        #expect(s.doneJobs().isEmpty && s.holders("x").isEmpty)
        var reasons: [String: String] = [:]
        for job in failed {
            let error = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(s.spool)/failed/\(job)/error.json"))) as? [String: Any]
            let source = try FileManager.default.contentsOfDirectory(atPath: "\(s.spool)/failed/\(job)").filter { $0.hasPrefix("source") }
            #expect(source.count == 1, "the source is kept")
            reasons[error?["source"] as? String ?? "?"] = "\(error?["stage"] ?? "") \(error?["reason"] ?? "")"
        }
        #expect(reasons["noise.mp4"]?.hasPrefix("probe") == true, "\(reasons)")
        #expect(reasons["empty.mp4"]?.hasPrefix("probe") == true, "\(reasons)")
        #expect(reasons["picture.mp4"]?.contains("no video or audio stream") == true, "\(reasons)")
        #expect(reasons["truncated.mp4"]?.contains("truncated or damaged MP4") == true, "\(reasons)")
        #expect(reasons["noise.mp4"]?.contains("not a media file") == true, "\(reasons)")
        // Every origin is still empty: nothing of a failed job was published.
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.origins[0].media).filter { !$0.hasPrefix(".") }.isEmpty)
    }

    @Test func aSourceOverMaxDurationFailsAtProbeWithItsReason() throws {
        let s = try StackFixture(origins: 1)
        let path = s.dir.appendingPathComponent("long.mp4").path
        makeSource(path, size: "160x90", seconds: 4)
        try s.drop(path, as: "long.mp4")
        try s.worker(replicas: 1) { $0.maxDurationSeconds = 2 }.runOnce()
        let job = String(try Spool.sha256(of: path).prefix(20))
        let failure = try #require(JSONDecoder.read(FailureRecord.self, at: "\(s.spool)/failed/\(job)/error.json"), "\(s.log.all)")
        #expect(failure.stage == .probe && failure.reason == "4 s long, over the limit of 2 s (maxDurationSeconds)", "\(failure)")
        #expect(s.doneJobs().isEmpty && s.holders(job).isEmpty)
    }

    @Test func twoWorkersOnOneSpoolDoEachJobOnce() throws {
        let s = try StackFixture(origins: 1)
        for i in 0..<10 {
            let path = s.dir.appendingPathComponent("clip\(i).mp4").path
            makeSource(path, size: "160x90", rate: 10, seconds: 1 + Double(i) * 0.1, audio: i % 2 == 0)
            try s.drop(path, as: "clip\(i).mp4")
        }
        let workers = [try s.worker(replicas: 1, name: "a"), try s.worker(replicas: 1, name: "b")]
        let group = DispatchGroup()
        for w in workers {
            group.enter()
            Thread { w.runOnce(); w.runOnce(); group.leave() }.start()
        }
        group.wait()
        #expect(s.doneJobs().count == 10, "\(s.log.all)")
        let claims = s.log.all.filter { $0.contains(": claimed ") }
        #expect(claims.count == 10)
        #expect(Set(claims.map { $0.split(separator: " ").last! }).count == 10)
        #expect(s.log.all.filter { $0.contains(" done: ") }.count == 10)
    }

    @Test func anAbandonedJobIsTakenOverAndNothingPartialWasPublished() throws {
        let s = try StackFixture(origins: 1)
        let path = s.dir.appendingPathComponent("clip.mp4").path
        makeSource(path, size: "320x180", seconds: 3)
        try s.drop(path, as: "clip.mp4")
        // Worker "dead" claims it, starts, and dies: its lease stops beating, half an output is left behind.
        let dead = try Spool(root: s.spool, worker: "dead", log: { _ in })
        guard case .claimed(let job) = dead.claim("clip.mp4") else { Issue.record("no claim"); return }
        try FileManager.default.createDirectory(atPath: "\(s.spool)/claimed/\(job)/out.tmp", withIntermediateDirectories: true)
        try Data("half a file".utf8).write(to: URL(fileURLWithPath: "\(s.spool)/claimed/\(job)/out.tmp/video_180.mp4"))
        var lease = try #require(dead.lease(job))
        lease.heartbeat -= 60
        lease.state = "transcoding"
        dead.writeLease(job, lease)
        #expect(s.holders(job).isEmpty)
        let worker = try s.worker(replicas: 1, name: "alive")
        worker.runOnce()
        #expect(s.doneJobs() == [job], "\(s.log.all)")
        #expect(s.log.all.contains { $0.contains("took over job \(job) from dead") })
        #expect(s.holders(job) == [0])
        #expect(run(["ffmpeg", "-v", "error", "-xerror", "-i", "\(s.origins[0].media)/\(job)/video_144.mp4", "-f", "null", "-"]) != nil)
        // A live lease is not taken.
        let path2 = s.dir.appendingPathComponent("clip2.mp4").path
        makeSource(path2, size: "160x90", seconds: 1)
        try s.drop(path2, as: "clip2.mp4")
        guard case .claimed(let job2) = dead.claim("clip2.mp4") else { Issue.record("no claim"); return }
        worker.runOnce()
        #expect(!s.doneJobs().contains(job2) && dead.lease(job2)?.worker == "dead")
    }

    @Test func replicationWaitsForOriginsAndGoesDownTheRank() throws {
        let s = try StackFixture(origins: 3)
        let path = s.dir.appendingPathComponent("clip.mp4").path
        makeSource(path, size: "320x180", seconds: 2)
        let job = String(try Spool.sha256(of: path).prefix(20))
        let ranked = Placement.rank(s.urls, for: job).map { url in s.urls.firstIndex(of: url)! }
        // The first-ranked origin is down: the video goes to the second and third.
        s.stopOrigin(ranked[0])
        try s.drop(path, as: "clip.mp4")
        let worker = try s.worker(replicas: 2) { $0.replicationRetrySeconds = 0 }
        worker.runOnce()
        #expect(s.doneJobs() == [job], "\(s.log.all)")
        #expect(Set(s.holders(job)) == Set([ranked[1], ranked[2]]))

        // Only one origin up with M = 2: under-replicated, kept claimed and not published anywhere
        // (the up origin has the files but no manifest: no playlist names them), done once another returns.
        let s2 = try StackFixture(origins: 2)
        let path2 = s2.dir.appendingPathComponent("clip.mp4").path
        makeSource(path2, size: "320x180", seconds: 2)
        s2.stopOrigin(1)
        try s2.drop(path2, as: "clip.mp4")
        let w2 = try s2.worker(replicas: 2) { $0.replicationRetrySeconds = 0 }
        w2.runOnce()
        let job2 = String(try Spool.sha256(of: path2).prefix(20))
        #expect(s2.doneJobs().isEmpty)
        #expect(w2.spool.lease(job2)?.state == "under-replicated" && (w2.spool.lease(job2)?.replicas ?? []).isEmpty)
        #expect(s2.holders(job2).isEmpty)
        #expect(FileManager.default.fileExists(atPath: "\(s2.origins[0].media)/\(job2)/audio.mp4"))
        try s2.startOrigin(1)
        w2.runOnce()
        #expect(s2.doneJobs() == [job2], "\(s2.log.all)")
        #expect(Set(s2.holders(job2)) == [0, 1])
    }

    @Test func retentionDeletesOldPublishedVideosFromEveryOriginAndNothingElse() throws {
        let s = try StackFixture(origins: 2)
        let path = s.dir.appendingPathComponent("clip.mp4").path
        makeSource(path, size: "320x180", seconds: 2)
        try s.drop(path, as: "clip.mp4")
        try s.worker(replicas: 2).runOnce()
        let job = try #require(s.doneJobs().first)
        #expect(Set(s.holders(job)) == [0, 1])
        // A video put on an origin by other means (no transcoder's createdAt) is never touched.
        let bare = "\(s.origins[0].media)/bare.mp4"
        try FileManager.default.copyItem(atPath: path, toPath: bare)
        let log = LogLines()
        let origins = try s.config().upstreams()
        let retention = VideoRetention(hours: 1, origins: origins, token: StackFixture.token, log: { log.add($0) })
        let now = Date().timeIntervalSince1970
        #expect(retention.sweep(now: now).isEmpty)  // younger than an hour
        // A refused DELETE (wrong token) deletes nothing and is said in the log.
        let refused = VideoRetention(hours: 1, origins: origins, token: "wrong", log: { log.add($0) })
        #expect(refused.sweep(now: now + 7200).isEmpty)
        #expect(Set(s.holders(job)) == [0, 1] && log.all.contains { $0.contains("did not delete \(job) (answered 401)") }, "\(log.all)")
        // Two hours on: gone from both origins, the bare file kept.
        #expect(retention.sweep(now: now + 7200) == [job], "\(log.all)")
        #expect(s.holders(job).isEmpty)
        #expect(FileManager.default.fileExists(atPath: bare))
        let gone = try HTTPClientConnection(host: "127.0.0.1", port: s.origins[1].port).request("GET", "/hls/\(job)/master.m3u8")
        #expect(gone.status == 404)
        #expect(retention.sweep(now: now + 7200).isEmpty)
    }

    @Test func repairCopiesVideosToTheirCurrentTopM() throws {
        let s = try StackFixture(origins: 3)
        let path = s.dir.appendingPathComponent("clip.mp4").path
        makeSource(path, size: "320x180", seconds: 2)
        try s.drop(path, as: "clip.mp4")
        try s.worker(replicas: 1).runOnce()
        let job = try #require(s.doneJobs().first)
        let ranked = Placement.rank(s.urls, for: job).map { url in s.urls.firstIndex(of: url)! }
        #expect(s.holders(job) == [ranked[0]])
        // M goes up to 2 (or an origin joined): repair copies the video to the second-ranked origin.
        let log = LogLines()
        let replicator = Replicator(origins: try s.config().upstreams(), replicas: 2, token: StackFixture.token, log: { log.add($0) })
        let result = Repair(replicator: replicator, scratch: s.dir.appendingPathComponent("repair").path, log: { log.add($0) }).run()
        #expect(result.videos == 1 && result.copies == 1 && result.short == 0, "\(log.all)")
        #expect(Set(s.holders(job)) == Set(ranked.prefix(2)))
        let copy = "\(s.origins[ranked[1]].media)/\(job)"
        #expect(FileManager.default.contents(atPath: "\(copy)/video_144.mp4") == FileManager.default.contents(atPath: "\(s.origins[ranked[0]].media)/\(job)/video_144.mp4"))
        // The manifest is copied as stored: title, duration, codecs and the source's hash kept (a rebuilt one once lost them).
        let original = try #require(FileManager.default.contents(atPath: "\(s.origins[ranked[0]].media)/\(job)/manifest.json"))
        #expect(FileManager.default.contents(atPath: "\(copy)/manifest.json") == original)
        let manifest = try VideoManifest.decode(original)
        #expect(manifest.title == "clip.mp4" && manifest.duration ?? 0 > 1.9 && manifest.sourceSha256?.count == 64 && manifest.renditions.allSatisfy { $0.codecs != nil })
        #expect(run(["ffmpeg", "-v", "error", "-xerror", "-i", "http://127.0.0.1:\(s.origins[ranked[1]].port)/hls/\(job)/master.m3u8", "-map", "0", "-f", "null", "-"]) != nil)
        // Run again: nothing left to do.
        #expect(Repair(replicator: replicator, scratch: s.dir.appendingPathComponent("repair").path, log: { _ in }).run().copies == 0)

        // The third origin holds an early version (a manifest with pending renditions: it was down when
        // the whole video was published): repair replaces it with the whole video.
        let stale = "\(s.origins[ranked[2]].media)/\(job)"
        try FileManager.default.createDirectory(atPath: stale, withIntermediateDirectories: true)
        var early = manifest
        early.renditions = manifest.renditions.filter { $0.type == .audio }
        early.pending = ["video_144.mp4"]
        try FileManager.default.copyItem(atPath: "\(copy)/audio.mp4", toPath: "\(stale)/audio.mp4")
        try early.encoded().write(to: URL(fileURLWithPath: "\(stale)/manifest.json"))
        usleep(1_100_000)  // the origin's catalog remembers a video's files for a second
        let repaired = Repair(replicator: replicator, scratch: s.dir.appendingPathComponent("repair").path, log: { log.add($0) }).run()
        #expect(repaired.copies == 1, "\(log.all)")
        #expect(FileManager.default.contents(atPath: "\(stale)/manifest.json") == original)
        #expect(FileManager.default.fileExists(atPath: "\(stale)/video_144.mp4"))
    }

    @Test func theWebhookHearsOfFailuresAndSuccesses() throws {
        struct Recorder: HTTPHandler {
            let bodies: LogLines
            func reply(to request: HTTPRequest) -> HTTPReply {
                bodies.add("\(request.head.method) \(request.head.path) \(String(decoding: request.body, as: UTF8.self))")
                return .response(.text(200, "ok"))
            }
        }
        let bodies = LogLines()
        var c = HTTPServer.Config()
        c.port = 0
        let hook = try HTTPServer(config: c, handler: Recorder(bodies: bodies))
        hook.start()
        defer { hook.stop() }
        let s = try StackFixture(origins: 1)
        try Data("not a video".utf8).write(to: s.dir.appendingPathComponent("junk.mp4"))
        try s.drop(s.dir.appendingPathComponent("junk.mp4").path, as: "junk.mp4")
        let good = s.dir.appendingPathComponent("good.mp4").path
        makeSource(good, size: "160x90", seconds: 1)
        try s.drop(good, as: "good.mp4")
        try s.worker(replicas: 1) { $0.webhook = "http://127.0.0.1:\(hook.port)/hooks/vod" }.runOnce()
        let events = bodies.all
        #expect(events.count == 2, "\(events)")
        #expect(events.contains { $0.hasPrefix("POST /hooks/vod ") && $0.contains(#""event":"failed""#) && $0.contains("junk.mp4") && $0.contains(#""stage":"probe""#) })
        #expect(events.contains { $0.contains(#""event":"done""#) && $0.contains("good.mp4") })
    }

    @Test func configFileAndFlags() throws {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/transcoder.json").path
        let c = try TranscoderConfig.from(arguments: ["--config", shipped, "--spool", "/tmp/s", "--replicas", "3", "--origins", "http://a:1,http://b:2"])
        #expect(c.spool == "/tmp/s" && c.replicas == 3 && c.origins == ["http://a:1", "http://b:2"] && c.ladder.count == 4 && c.encode.gopSeconds == 2)
        let partial = FileManager.default.temporaryDirectory.appendingPathComponent("tc-\(UUID().uuidString).json")
        try Data(#"{"encode": {"preset": "fast"}}"#.utf8).write(to: partial)
        #expect(try TranscoderConfig.from(arguments: ["--config", partial.path]).encode == { var e = EncodeSettings(); e.preset = "fast"; return e }())
        try Data(#"{"encode": {"preest": "fast"}}"#.utf8).write(to: partial)
        #expect { try TranscoderConfig.from(arguments: ["--config", partial.path]) } throws: { "\($0)".contains("encode.preest") }
    }
}

/// The verifier measures a track to its last frame's own end (not a decode-order gap)
/// and refuses an output longer than its source by more than a frame, as well as a short one.
@Suite struct VerifierDurationTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures").path

    func source(videoSeconds: Double) -> SourceInfo {
        var info = SourceInfo(container: "mov,mp4", duration: videoSeconds)
        info.video = SourceInfo.Video(codec: "h264", width: 320, height: 180, frameRate: 30, rotation: 0, duration: videoSeconds)
        return info
    }

    @Test func variableFrameRateWithBFrames() throws {
        // vfr_bframes.mp4 lasts 3.2 s; a decode-order gap of 2 s sits on a frame near its end.
        let output = Pipeline.Output(file: "vfr_bframes.mp4", kind: "video", rung: nil)
        let renditions = try Verifier.check([output], in: Self.fixtures, source: source(videoSeconds: 3.2))
        #expect(abs((renditions.first?.duration ?? 0) - 3.2) < 0.01, "\(renditions)")
        #expect(throws: TranscodeError.self) { try Verifier.check([output], in: Self.fixtures, source: source(videoSeconds: 2.9)) }
        #expect(throws: TranscodeError.self) { try Verifier.check([output], in: Self.fixtures, source: source(videoSeconds: 3.5)) }
    }
}

/// Claiming takes the file first and hashes it after: of many workers that see one drop,
/// exactly one reads it; a worker that dies while hashing gives the file back.
@Suite struct SpoolClaimTests {
    func spoolDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func oneOfManyWorkersTakesAndHashesADrop() throws {
        let root = try spoolDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let spools = try (0..<6).map { try Spool(root: root, worker: "w\($0)", log: { _ in }) }
        let bytes = Data((0..<(8 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try bytes.write(to: URL(fileURLWithPath: "\(root)/incoming/drop.mp4"))
        let results = Locked<[Spool.ClaimResult]>([])
        DispatchQueue.concurrentPerform(iterations: spools.count) { i in
            let r = spools[i].claim("drop.mp4")
            results.mutate { $0.append(r) }
        }
        let claimed = results.value.compactMap { if case .claimed(let job) = $0 { job } else { nil } }
        #expect(claimed.count == 1 && results.value.filter { $0 == .lost }.count == spools.count - 1, "\(results.value)")
        let job = try #require(claimed.first)
        #expect(job == String(try Spool.sha256(of: "\(root)/claimed/\(job)/source.mp4").prefix(20)))
        #expect(spools[0].lease(job)?.sourceSha256?.hasPrefix(job) == true)
        // Nothing is left in the middle: no take directories, nothing in incoming.
        let left = try FileManager.default.contentsOfDirectory(atPath: "\(root)/claimed").filter { $0.hasPrefix(".") }
        let incoming = try FileManager.default.contentsOfDirectory(atPath: "\(root)/incoming")
        #expect(left.isEmpty && incoming.isEmpty)
    }

    @Test func aTakerThatDiedGivesTheFileBack() throws {
        let root = try spoolDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let spool = try Spool(root: root, worker: "alive", log: { _ in })
        // A worker took movie.mp4 and died while hashing it 100 s ago; another is still within its time.
        for (dir, age) in [(".taking-1", 100.0), (".taking-2", 1.0)] {
            try FileManager.default.createDirectory(atPath: "\(root)/claimed/\(dir)", withIntermediateDirectories: true)
            try Data(#"{"worker":"dead","heartbeat":\#(Date().timeIntervalSince1970 - age),"original":"movie\#(dir.suffix(1)).mp4"}"#.utf8)
                .write(to: URL(fileURLWithPath: "\(root)/claimed/\(dir)/taker.json"))
            try Data("x".utf8).write(to: URL(fileURLWithPath: "\(root)/claimed/\(dir)/movie\(dir.suffix(1)).mp4"))
        }
        spool.returnAbandonedTakes(timeout: 30)
        #expect(FileManager.default.fileExists(atPath: "\(root)/incoming/movie1.mp4"))
        #expect(!FileManager.default.fileExists(atPath: "\(root)/claimed/.taking-1"))
        #expect(FileManager.default.fileExists(atPath: "\(root)/claimed/.taking-2/movie2.mp4"))
    }
}
