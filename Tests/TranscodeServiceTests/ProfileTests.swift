import Foundation
import Testing
@testable import TranscodeService
import VODKit

/// Profiles: named ladders; a job's profile comes from its spool sub-folder or its upload,
/// and the job id covers the content and the profile.
@Suite struct ProfileTests {
    @Test func theSameFileWithAnotherProfileIsAnotherJobAndWithTheSameOneANoOp() throws {
        let s = try StackFixture(origins: 1)
        let path = s.dir.appendingPathComponent("clip.mp4").path
        makeSource(path, size: "320x180", seconds: 2)
        let hash = try Spool.sha256(of: path)
        let small: (inout TranscoderConfig) -> Void = { $0.profiles = ["small": Profile(ladder: [RungConfig(height: 144, videoKbps: 100, codec: .hevc)])] }
        try s.drop(path, as: "clip.mp4")
        try s.drop(path, as: "small/clip.mp4")
        let worker = try s.worker(replicas: 1, adjust: small)
        worker.runOnce()
        let plain = String(hash.prefix(20)), other = Profile.jobID(sha256: hash, profile: "small")
        #expect(plain != other && other.count == 20)
        #expect(s.doneJobs() == [plain, other].sorted(), "\(s.log.all)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(s.origins[0].media)/\(plain)").sorted() == ["audio.mp4", "manifest.json", "video_144.mp4"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(s.origins[0].media)/\(other)").sorted() == ["audio.mp4", "manifest.json", "video_hevc_144.mp4"])
        // Dropped again with the same profile: a no-op, the copy removed and the reason logged.
        try s.drop(path, as: "small/again.mp4")
        worker.runOnce()
        #expect(s.doneJobs() == [plain, other].sorted())
        #expect(!FileManager.default.fileExists(atPath: "\(s.spool)/incoming/small/again.mp4"))
        #expect(s.log.all.contains { $0.contains("same content and profile (small) as job \(other)") })
    }

    @Test func aFileRenamedIntoAProfileFolderWakesTheWatcherWithItsPath() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("watch-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: "\(dir)/modern", withIntermediateDirectories: true)
        let watcher = DirectoryWatcher(dir, subfolders: ["modern"])
        for (temporary, name) in [("\(dir)/.a.part", "\(dir)/a.mp4"), ("\(dir)/modern/.b.part", "\(dir)/modern/b.mp4")] {
            _ = FileManager.default.createFile(atPath: temporary, contents: Data("x".utf8))
            try FileManager.default.moveItem(atPath: temporary, toPath: name)
        }
        // (Foundation writes a file by renaming a temporary into place, so the .part names show too: the spool skips them.)
        #expect(Set(watcher.wait(seconds: 2).filter { Spool.isCandidate(($0 as NSString).lastPathComponent) }) == ["a.mp4", "modern/b.mp4"])
    }

    @Test func badProfilesAreRefusedAtStartUpWithTheKeyNamed() throws {
        func refusal(_ json: String) -> String {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("profiles-\(UUID().uuidString).json").path
            _ = FileManager.default.createFile(atPath: path, contents: Data(json.utf8))
            defer { try? FileManager.default.removeItem(atPath: path) }
            do { _ = try TranscoderConfig.from(arguments: ["--config", path]); return "" } catch { return "\(error)" }
        }
        #expect(refusal(#"{"defaultProfile": "fast"}"#).contains("defaultProfile: \"fast\" is not among the profiles"))
        #expect(refusal(#"{"profiles": {"../x": {}}}"#).contains("\"../x\" is not a usable name"))
        #expect(refusal(#"{"profiles": {"tiny": {"ladder": []}}}"#).contains("profiles.tiny.ladder: no rungs"))
        #expect(refusal(#"{"profiles": {"tiny": {"ladder": [{"height": 0, "videoKbps": 1}]}}}"#).contains("profiles.tiny.ladder: a rung needs"))
        #expect(refusal(#"{"profiles": {"tiny": {"ladr": []}}}"#).contains("unknown key(s) profiles.tiny.ladr"))
        #expect(refusal(#"{"profiles": {"dl": {"downloads": [{"format": "avi", "height": 720, "videoKbps": 900, "video": "vp9"}]}}}"#)
                .contains("profiles.dl.downloads[0]: avi carries video mpeg4, not vp9"))
        #expect(refusal(#"{"profiles": {"dl": {"downloads": [{"format": "flv", "height": 720, "videoKbps": 900}]}}}"#).contains("wrong type"))
        #expect(refusal(#"{"profiles": {"dl": {"downloads": [{"format": "mkv", "height": 720, "videoKbps": 900, "vidoe": "hevc"}]}}}"#)
                .contains("unknown key(s) vidoe in a download"))
        #expect(refusal(#"{"ladder": [{"height": 720, "videoKbps": 900, "codc": "hevc"}]}"#).contains("unknown key(s) codc in a ladder rung"))
        let config = try TranscoderConfig.from(arguments: ["--profile", "modern"], defaultFile: "/nonexistent/transcoder.json")
        #expect(config.ladder(profile: nil)?.contains { $0.codec == .av1 } == true && config.ladder(profile: "default") == RungConfig.defaults)
        #expect(config.ladder(profile: "nope") == nil)
    }

    @Test func anUploadNamesItsProfile() throws {
        let f = try UploadFixture(limits: UploadLimits(maxBytes: 10 << 20, expirySeconds: 3600, maxActive: 10, maxPerToken: 5,
                                                       profiles: ["default", "small"], defaultProfile: "default"))
        func create(_ profile: String) throws -> HTTPClientConnection.Response {
            try f.request("POST", "/api/uploads", [("Upload-Length", "5"),
                                                   ("Upload-Metadata", "filename \(Data("a.mp4".utf8).base64EncodedString()),profile \(Data(profile.utf8).base64EncodedString())")])
        }
        let unknown = try create("huge")
        #expect(unknown.status == 400 && String(decoding: unknown.body, as: UTF8.self).contains("unknown profile \"huge\""))
        let created = try create("small")
        #expect(created.status == 201)
        let location = created.headers["Location"] ?? ""
        #expect(try f.patch(location, offset: 0, Array("hello".utf8)).status == 204)
        let status = try #require(f.queued(location))
        let hash = SHA256.hex(SHA256.hash(Array("hello".utf8)))
        #expect(status.job == Profile.jobID(sha256: hash, profile: "small"))
        #expect(FileManager.default.fileExists(atPath: "\(f.dir)/incoming/small/a.mp4"))
    }
}
