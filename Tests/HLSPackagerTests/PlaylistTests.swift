import Foundation
import Testing
@testable import HLSPackager

/// The playlists of one fixture are golden files, read by hand once; run with
/// UPDATE_GOLDEN=1 to write them again after a deliberate change.
@Suite struct PlaylistTests {
    static let golden = repoRoot.appendingPathComponent("Tests/HLSPackagerTests/Golden")

    func check(_ text: String, _ name: String) throws {
        let url = Self.golden.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(text == expected, "\(name) differs from its golden file")
    }

    @Test func goldenPlaylists() throws {
        let set = try MediaSet.load(path: fixture("h264_bframes_aac.mp4"), name: "h264_bframes_aac", targetDuration: 1)
        try check(HLSPlaylist.multivariant(set), "h264_bframes_aac.master.m3u8")
        try check(HLSPlaylist.media(set.videos[0], video: "h264_bframes_aac"), "h264_bframes_aac.video.m3u8")
        try check(HLSPlaylist.media(try #require(set.audio), video: "h264_bframes_aac"), "h264_bframes_aac.audio.m3u8")
    }

    @Test(arguments: PackagingTests.files)
    func mediaPlaylistsFollowRFC8216(path: String) throws {
        let set = try MediaSet.load(path: path, name: "v")
        for track in set.tracks {
            let text = HLSPlaylist.media(track, video: "v")
            let lines = text.split(separator: "\n").map(String.init)
            #expect(lines.first == "#EXTM3U" && lines.last == "#EXT-X-ENDLIST")
            let durations = lines.filter { $0.hasPrefix("#EXTINF:") }.compactMap { Double($0.dropFirst(8).dropLast()) }
            #expect(durations.count == track.segmentCount)
            let target = lines.first { $0.hasPrefix("#EXT-X-TARGETDURATION:") }.flatMap { Int($0.split(separator: ":")[1]) }
            #expect(target == Int((durations.max() ?? 0).rounded(.up)))
            #expect(durations.allSatisfy { $0 > 0 })
            let total = durations.reduce(0, +)
            let span = Double(track.plan.end - track.plan.start(0)) / Double(track.plan.timescale)
            #expect(abs(total - span) < 0.001 * Double(durations.count))
            let uris = lines.filter { !$0.hasPrefix("#") }
            #expect(uris == (1...track.segmentCount).map { "../../../cmaf/v/\(track.track.name)/\($0).m4s" })
        }
        let master = HLSPlaylist.multivariant(set)
        #expect(master.hasPrefix("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"))
        #expect(master.contains("BANDWIDTH=") && master.contains("CODECS=\""))
    }
}

/// Each entry of an I-frame playlist is a byte range that, after the init
/// segment, decodes to exactly one picture.
@Suite struct IFramePlaylistTests {
    @Test(arguments: ["h264_bframes_aac.mp4", "hevc.mp4", "video_only.mp4"])
    func everyEntryDecodesToOnePicture(file: String) throws {
        let set = try MediaSet.load(path: fixture(file), name: "v", targetDuration: 1)
        let video = try #require(set.videos.first)
        let text = HLSPlaylist.iFrames(video, video: "v")
        #expect(text.contains("#EXT-X-I-FRAMES-ONLY"))
        let ranges = text.split(separator: "\n").filter { $0.hasPrefix("#EXT-X-BYTERANGE:") }
            .compactMap { Int64($0.dropFirst(17).split(separator: "@")[0]) }
        #expect(ranges.count == video.segmentCount)
        let initBytes = try video.initSegment().materialize()
        for (n, length) in ranges.enumerated() {
            let segment = try video.mediaSegment(n).materialize()
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("iframe-\(getpid())-\(file)-\(n).mp4")
            try Data(initBytes + segment[0..<Int(length)]).write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }
            let (_, out) = try run(["ffprobe", "-v", "quiet", "-select_streams", "v:0", "-show_entries", "frame=key_frame", "-of", "csv=p=0", url.path])
            #expect(out.split(separator: "\n").filter { !$0.isEmpty }.map { String($0.prefix(1)) } == ["1"], "\(file) I-frame \(n)")
        }
        #expect(HLSPlaylist.multivariant(set).contains("#EXT-X-I-FRAME-STREAM-INF:"))
    }
}
