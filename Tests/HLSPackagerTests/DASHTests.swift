import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import HLSPackager

/// The MPD parses as XML, every URL it implies exists, and ffmpeg's DASH
/// demuxer decodes every frame of every stream from it.
@Suite struct DASHTests {
    /// Collects SegmentTemplate attributes and S elements of each Representation.
    final class MPDReader: NSObject, XMLParserDelegate {
        struct Template { var initialization = "", media = "", segments = 0 }
        var templates: [Template] = []
        var attributes: [String: [String: String]] = [:]
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            switch name {
            case "SegmentTemplate": templates.append(Template(initialization: attributes["initialization"] ?? "", media: attributes["media"] ?? ""))
            case "S": templates[templates.count - 1].segments += 1 + (Int(attributes["r"] ?? "0") ?? 0)
            default: self.attributes[name] = attributes
            }
        }
    }

    @Test(arguments: ["h264_bframes_aac.mp4", "audio_only.m4a", "hevc.mp4", "ac3.mp4", "hevc_pq.mp4", "hevc_hlg_dolby_vision.mp4"])
    func mpdIsValidAndComplete(file: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let set = try MediaSet.load(path: fixture(file), name: "v", targetDuration: 1)
        try writePackage(set, to: dir)
        let mpd = dir.appendingPathComponent("dash/v/manifest.mpd")
        let parser = try #require(XMLParser(contentsOf: mpd))
        let reader = MPDReader()
        parser.delegate = reader
        #expect(parser.parse(), "the MPD is not well-formed XML")
        #expect(reader.attributes["MPD"]?["type"] == "static")
        #expect(reader.templates.count == set.tracks.count)
        for (template, track) in zip(reader.templates, set.tracks) {
            #expect(template.segments == track.segmentCount)
            let base = mpd.deletingLastPathComponent()
            #expect(FileManager.default.fileExists(atPath: base.appendingPathComponent(template.initialization).standardized.path))
            for n in 1...template.segments {
                let url = base.appendingPathComponent(template.media.replacingOccurrences(of: "$Number$", with: "\(n)")).standardized
                #expect(FileManager.default.fileExists(atPath: url.path), "missing \(url.path)")
            }
        }
        if let audio = set.audio {
            #expect(reader.attributes["AudioChannelConfiguration"]?["value"] == "\(audio.track.track.sampleEntry?.channelCount ?? 0)")
        }
        for (stream, kind) in [("v:0", PackagedTrack.Kind.video), ("a:0", .audio)] where set.tracks.contains(where: { $0.track.kind == kind }) {
            let frames = try decodedFrameTimes(mpd.path, stream: stream)
            #expect(frames.count == (try decodedFrameTimes(fixture(file), stream: stream)).count, "\(file) \(stream) via DASH")
        }
    }

    @Test func ac3ChannelsAreWhatTheSampleEntrySays() throws {
        let set = try MediaSet.load(path: fixture("ac3.mp4"), name: "v")
        #expect(DASHManifest.mpd(set).contains("audio_channel_configuration:2011\" value=\"6\""))
    }
}
