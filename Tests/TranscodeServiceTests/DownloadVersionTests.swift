import Foundation
import TestSupport
import Testing
@testable import TranscodeService
import VODKit

/// Download versions: MP4, WebM, MKV, OGG and AVI files made beside the ladder, checked with
/// ffprobe and `ffmpeg -xerror`, listed in the manifest, replicated, and served by the origin
/// at `/download/<video>/<file>` as attachments with their media type and byte ranges.
@Suite struct DownloadVersionTests {
    static let everyFormat = DownloadFormat.allCases.map { DownloadConfig(format: $0, height: 180, videoKbps: 300) }
        + [DownloadConfig(format: .mkv, height: 144, videoKbps: 150, video: .hevc, audio: .opus)]

    /// ffprobe's answer for `url`: container names, and per stream its codec.
    func probe(_ url: String) -> (format: String, codecs: [String]) {
        let format = run(["ffprobe", "-v", "error", "-show_entries", "format=format_name", "-of", "default=nw=1:nk=1", url])?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let codecs = (run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", url]) ?? "").split(separator: "\n").map(String.init)
        return (format, codecs)
    }

    /// Frames `ffmpeg -xerror` decodes from the video of `url` (nil: it failed).
    func decodedFrames(_ url: String) -> Int? {
        guard let out = try? runProgram(["ffmpeg", "-v", "error", "-xerror", "-i", url, "-map", "0:v", "-f", "framemd5", "-"]), out.status == 0 else { return nil }
        return String(decoding: out.output, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }.count
    }

    @Test func everyFormatDecodesAndIsServedAsAnAttachmentFromAChunkedJob() throws {
        let s = try StackFixture(origins: 1)
        let path = s.dir.appendingPathComponent("clip.mp4").path
        makeSource(path, size: "320x180", rate: 25, seconds: 6)
        try s.drop(path, as: "dl/clip.mp4")
        let worker = try s.worker(replicas: 1) {
            $0.profiles = ["dl": Profile(ladder: [RungConfig(height: 144, videoKbps: 150)], downloads: Self.everyFormat)]
            $0.chunkSeconds = 2  // three chunks: the downloads are a task of their own
        }
        worker.runOnce()
        let job = try #require(s.doneJobs().first, "\(s.log.all)")
        let record = try #require(JSONDecoder.read(JobRecord.self, at: "\(s.spool)/done/\(job).json"))
        #expect(record.chunks?.contains { $0.task == "downloads" } == true)
        let downloads = try #require(record.manifest.downloads)
        #expect(downloads.map(\.file) == ["download_180.mp4", "download_180.webm", "download_180.mkv", "download_180.ogg", "download_180.avi",
                                          "download_144_hevc_opus.mkv"])
        #expect(downloads.map(\.codecs) == ["h264,aac", "vp9,opus", "h264,aac", "theora,vorbis", "mpeg4,mp3", "hevc,opus"])
        let origin = "http://127.0.0.1:\(s.origins[0].port)"
        let formats = ["mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "matroska,webm", "ogg", "avi", "matroska,webm"]
        for (download, format) in zip(downloads, formats) {
            let url = "\(origin)/download/\(job)/\(download.file)"
            let probed = probe(url)
            #expect(probed.format == format && probed.codecs.joined(separator: ",") == download.codecs, "\(download.file): \(probed)")
            #expect(decodedFrames(url) == 150, "\(download.file)")
            #expect(abs(download.duration - 6) < 0.1, "\(download.file) \(download.duration)")
            #expect(download.width == (download.file.contains("144") ? 256 : 320))
        }
        // Headers: the media type, an attachment, byte ranges.
        let head = run(["curl", "-s", "-D", "-", "-o", "/dev/null", "-r", "0-99", "\(origin)/download/\(job)/download_180.webm"]) ?? ""
        #expect(head.hasPrefix("HTTP/1.1 206") && head.contains("Content-Type: video/webm") && head.contains("Content-Length: 100"), "\(head)")
        #expect(head.contains("Content-Disposition: attachment; filename=\"download_180.webm\""))
        let avi = run(["curl", "-s", "-D", "-", "-o", "/dev/null", "\(origin)/download/\(job)/download_180.avi"]) ?? ""
        #expect(avi.contains("Content-Type: video/x-msvideo"), "\(avi)")
        // Only what the manifest lists as a download.
        for name in ["video_144.mp4", "nope.webm", "manifest.json", "..%2Fmanifest.json"] {
            #expect(run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "\(origin)/download/\(job)/\(name)"]).map { $0 == "404" || $0 == "400" } == true, "\(name)")
        }
        let info = try #require(APIJSON.decode(VideoDescription.self, Array((run(["curl", "-sf", "\(origin)/api/videos/\(job)"]) ?? "").utf8)))
        #expect(info.downloads?.first == "/download/\(job)/download_180.mp4" && info.downloads?.count == 6)
    }

    @Test func aPortraitSourceGetsUprightVersionsNeverUpscaledAndAnAudioOnlySourceItsAudio() throws {
        let s = try StackFixture(origins: 1)
        let portrait = s.dir.appendingPathComponent("portrait.mp4").path, sound = s.dir.appendingPathComponent("sound.m4a").path
        makeSource(portrait, size: "180x320", rate: 30, seconds: 2)
        makeSource(sound, seconds: 2, video: false)
        try s.drop(portrait, as: "dl/portrait.mp4")
        try s.drop(sound, as: "dl/sound.m4a")
        let worker = try s.worker(replicas: 1) {
            $0.profiles = ["dl": Profile(ladder: [RungConfig(height: 144, videoKbps: 150)],
                                         downloads: [DownloadConfig(format: .mp4, height: 144, videoKbps: 200), DownloadConfig(format: .ogg, height: 720, videoKbps: 900)])]
        }
        worker.runOnce()
        #expect(s.doneJobs().count == 2, "\(s.log.all)")
        var files: [String: VideoManifest.Download] = [:]
        for job in s.doneJobs() {
            let record = try #require(JSONDecoder.read(JobRecord.self, at: "\(s.spool)/done/\(job).json"))
            for d in record.manifest.downloads ?? [] {
                files[d.file] = d
                let path = "\(s.origins[0].media)/\(job)/\(d.file)"
                if d.width != nil { #expect(decodedFrames(path) == 60, "\(d.file)") }
                #expect(run(["ffmpeg", "-v", "error", "-xerror", "-i", path, "-f", "null", "-"]) != nil, "\(d.file)")
            }
        }
        // 144 on the shorter side: 144×256; 720 asked of a 180×320 source: its own size, not more.
        #expect(files["download_144.mp4"].map { [$0.width, $0.height] } == [144, 256])
        #expect(files["download_180.ogg"].map { [$0.width, $0.height] } == [180, 320])
        #expect(files["download_audio.mp4"]?.codecs == "aac" && files["download_audio.ogg"]?.codecs == "vorbis", "\(files.keys.sorted())")
    }

    @Test func aStillEndingInTheoraIsNotTakenForATruncatedVideo() throws {
        // Two seconds of motion, then the last picture held for two: libtheora codes each held
        // frame as an empty packet, which Ogg leaves out, so the Theora stream ends early.
        let s = try StackFixture(origins: 1)
        let path = s.dir.appendingPathComponent("still.mp4").path
        makeSource(path, size: "320x180", rate: 25, seconds: 2, audio: false, extra: ["-vf", "tpad=stop_mode=clone:stop_duration=2"])
        try s.drop(path, as: "dl/still.mp4")
        let worker = try s.worker(replicas: 1) {
            $0.profiles = ["dl": Profile(ladder: [RungConfig(height: 144, videoKbps: 150)], downloads: [DownloadConfig(format: .ogg, height: 180, videoKbps: 300)])]
        }
        worker.runOnce()
        let job = try #require(s.doneJobs().first, "\(s.log.all)")
        let ogg = "\(s.origins[0].media)/\(job)/download_180.ogg"
        let last = (run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "packet=pts_time", "-of", "csv=p=0", ogg]) ?? "")
            .split(separator: "\n").compactMap { Double($0) }.max() ?? 0
        // Ending more than the usual 1.5 frames (+ 0.05 s) before the source's 4 s, and still accepted.
        #expect(last + 0.04 < 3.8, "the held frames are left out of the Ogg stream (last packet at \(last) s)")
        #expect(run(["ffmpeg", "-v", "error", "-xerror", "-i", ogg, "-f", "null", "-"]) != nil)
    }

    @Test func versionsArePlannedByTheShorterSideAndNamedByTheirCodecs() {
        let configs = [DownloadConfig(format: .webm, height: 720, videoKbps: 2000), DownloadConfig(format: .mkv, height: 480, videoKbps: 1, video: .hevc),
                       DownloadConfig(format: .mkv, height: 480, videoKbps: 1, video: .hevc)]
        let planned = DownloadVersion.plan(configs, width: 1080, height: 1920)
        #expect(planned.map(\.file) == ["download_720.webm", "download_480_hevc.mkv"])
        #expect(planned.map { [$0.width, $0.height] } == [[720, 1280], [480, 854]])
        // Smaller than asked: its own size, the bitrate scaled by pixels.
        let small = DownloadVersion.plan([DownloadConfig(format: .mp4, height: 720, videoKbps: 2000)], width: 640, height: 360)
        #expect(small.map(\.file) == ["download_360.mp4"] && small.first?.videoKbps == 500)
        #expect(DownloadConfig(format: .avi, height: 720, videoKbps: 1, video: .vp9).problem == "avi carries video mpeg4, not vp9")
        #expect(DownloadConfig(format: .webm, height: 720, videoKbps: 1, audio: .aac).problem == "webm carries audio opus, not aac")
    }

    @Test func aRemoteWorkerMayUploadTheDownloadsTasksFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("remote-dl-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spool = try Spool(root: dir, worker: "w1", log: { _ in })
        let tasks = ChunkTasks(spool: spool, job: "job1")
        let versions = DownloadVersion.plan([DownloadConfig(format: .webm, height: 180, videoKbps: 300)], width: 320, height: 180)
        let plan = try #require(ChunkPlan.make(duration: 12, chunkSeconds: 4, gopSeconds: 2, rungs: [Rung(width: 320, height: 180, videoKbps: 300)],
                                               audio: true, downloads: versions))
        #expect(plan.tasks == ["audio", "downloads", "video-0", "video-1", "video-2"] && plan.work("downloads")?.files == ["download_180.webm"])
        #expect(tasks.write(plan) && tasks.claim("downloads", worker: "remote:r1", timeout: 30))
        tasks.renew("downloads", ChunkTasks.Lease(worker: "remote:r1", heartbeat: Date().timeIntervalSince1970, key: "k1"))
        let api = TaskAPI(spool: spool, token: "t", settings: EncodeSettings(), leaseSeconds: 30)
        func put(_ name: String) -> HTTPBodyHandling {
            api.bodyHandling(for: HTTPRequestHead(method: "PUT", target: "/api/tasks/job1/downloads/files/\(name)?key=k1", minorVersion: 1,
                                                  headers: HTTPHeaders([("X-Content-SHA256", String(repeating: "ab", count: 32))]), framing: .none, keepAlive: true))
        }
        if case .stream = put("download_180.webm") {} else { Issue.record("a .webm output of the downloads task is refused") }
        if case .reject(let r) = put("download_180.exe") { #expect(r.status == 404) } else { Issue.record("a .exe upload is taken") }
    }
}
