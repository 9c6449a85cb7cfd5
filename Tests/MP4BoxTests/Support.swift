import Foundation
import TestSupport
@testable import MP4Box

/// Paths of the test media: our generated fixtures and the shared real-world files.
enum Media {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = repoRoot.appendingPathComponent("Tests/Fixtures")
    static let shared = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/media")

    static func files(in dir: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".mp4") || $0.hasSuffix(".m4a") || $0.hasSuffix(".3gp") }.sorted()
            .map { dir.appendingPathComponent($0).path }
    }

    static var fixtureFiles: [String] { files(in: fixtures) }
    static var sharedFiles: [String] { files(in: shared) }
    static var allFiles: [String] { fixtureFiles + sharedFiles }
    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }
}

/// Runs a program and returns its exit status and standard output.
@discardableResult
func run(_ arguments: [String]) throws -> (status: Int32, output: Data) { try runProgram(arguments) }

/// A packet as ffprobe reports it.
struct ProbePacket: Equatable {
    var stream: Int
    var offset: Int64
    var size: Int64
    var dts: Int64
    var pts: Int64
    var key: Bool
    var discard: Bool
}

/// `ffprobe -show_packets`, or nil when FFmpeg cannot open the file.
func probePackets(_ path: String) throws -> [ProbePacket]? {
    let (status, data) = try run(["ffprobe", "-v", "error", "-show_packets", "-of", "json", path])
    guard status == 0 else { return nil }
    let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    let packets = json?["packets"] as? [[String: Any]] ?? []
    return packets.map { p in
        func int(_ key: String) -> Int64 { Int64(p[key] as? String ?? "") ?? Int64(p[key] as? Int ?? 0) }
        let flags = p["flags"] as? String ?? ""
        return ProbePacket(stream: p["stream_index"] as? Int ?? -1, offset: int("pos"), size: int("size"),
                           dts: int("dts"), pts: int("pts"), key: flags.contains("K"), discard: flags.contains("D"))
    }
}

/// Counts decoded frames of the first video stream, or nil when ffmpeg reports an error.
func decodedFrameCount(_ path: String, stream: String = "v:0") throws -> Int? {
    let (status, data) = try run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", stream,
                                  "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path])
    guard status == 0 else { return nil }
    return Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
}

/// Reads the whole file.
func bytes(of path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
