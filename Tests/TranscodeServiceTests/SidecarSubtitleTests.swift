import Foundation
import Testing
@testable import TranscodeService

/// Cue files dropped beside a video in `incoming/` go with it: never a job of their own,
/// taken by the video's claim, published when they read (a broken one left out and logged).
@Suite struct SidecarSubtitleTests {
    @Test func cueFilesGoWithTheirVideo() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vod-sidecars-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let spool = try Spool(root: root, worker: "w1", log: { _ in })
        let incoming = spool.incoming
        try Data("not really a video".utf8).write(to: URL(fileURLWithPath: "\(incoming)/movie.mp4"))
        try Data("1\n00:00:00,500 --> 00:00:01,800\nBonjour\n".utf8).write(to: URL(fileURLWithPath: "\(incoming)/movie.fr.srt"))
        try Data("WEBVTT\n\n00:01.000 --> later\nkaputt\n".utf8).write(to: URL(fileURLWithPath: "\(incoming)/movie.de.VTT"))
        try Data("WEBVTT\n\n00:01.000 --> 00:02.000\nother\n".utf8).write(to: URL(fileURLWithPath: "\(incoming)/other.en.vtt"))
        // Only the video is a candidate; the cue files wait for it.
        #expect(spool.readyFiles(settle: 0, now: Date().timeIntervalSince1970 + 10) == ["movie.mp4"])
        guard case .claimed(let job) = spool.claim("movie.mp4") else { Issue.record("not claimed"); return }
        let dir = "\(spool.claimed)/\(job)"
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/cues").sorted() == ["de.VTT", "fr.srt"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: incoming).sorted() == ["other.en.vtt"])
        // Published: the one that reads; the broken one is named with its line.
        let out = "\(dir)/out.tmp"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var logged: [String] = []
        #expect(SidecarSubtitles.publish(job: dir, into: out) { logged.append($0) } == ["subtitles/fr.srt"])
        #expect(logged.count == 1 && logged[0].contains("de.VTT, line 3"), "\(logged)")
        #expect(FileManager.default.contents(atPath: "\(out)/subtitles/fr.srt") == FileManager.default.contents(atPath: "\(dir)/cues/fr.srt"))
    }
}
