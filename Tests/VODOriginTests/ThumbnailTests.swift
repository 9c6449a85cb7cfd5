import Foundation
import HLSPackager
import TestSupport
import Testing
@testable import VODKit
@testable import VODOrigin

/// `/thumb/<video>/<ms>.jpg` and the sprites on a live origin: each thumbnail is the frame
/// ffmpeg shows at that time (PSNR over 30 dB against `ffmpeg -ss T -frames:v 1`), made once
/// and then served from memory; the sprites' WebVTT covers the whole video.
@Suite(.serialized) struct ThumbnailTests {
    func origin() throws -> OriginFixture { try OriginFixture.withLanguages(cueFiles: []) }

    /// PSNR (dB, average over planes) of picture `a` against `b`, as ffmpeg's psnr filter measures it.
    func psnr(_ a: String, _ b: String) throws -> Double {
        let (_, out) = try runProgram(["ffmpeg", "-v", "error", "-i", a, "-i", b, "-lavfi", "[0:v][1:v]psnr=stats_file=-", "-f", "null", "-"])
        let line = String(decoding: out, as: UTF8.self)
        guard let field = line.split(separator: " ").first(where: { $0.hasPrefix("psnr_avg:") }) else { return 0 }
        return field.dropFirst(9) == "inf" ? 99 : Double(field.dropFirst(9)) ?? 0
    }

    @Test func thumbnailsAreTheFramesAtTheirTimes() throws {
        let o = try origin()
        let base = "http://127.0.0.1:\(o.server.port)"
        let (_, probe) = try runProgram(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time", "-of", "csv=p=0", fixture("languages.mp4")])
        let times = String(decoding: probe, as: UTF8.self).split(separator: "\n").compactMap { Double($0.trimmingCharacters(in: .init(charactersIn: ","))) }
        #expect(times.count == 180)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vod-thumbs-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for k in [0, 17, 35, 52, 70, 88, 105, 123, 140, 179] {
            let t = times[k]
            let ms = Int64((t * 1000).rounded(.up))
            let reference = dir.appendingPathComponent("ref-\(k).png").path
            let (status, _) = try runProgram(["ffmpeg", "-v", "error", "-y", "-ss", String(format: "%.4f", max(0, t - 0.001)), "-i", fixture("languages.mp4"),
                                              "-frames:v", "1", reference])
            #expect(status == 0)
            let r = try o.get("/thumb/langs/\(ms).jpg")
            #expect(r.status == 200 && r.headers["Content-Type"] == "image/jpeg" && r.headers["Cache-Control"]?.contains("immutable") == true)
            let db = try psnr("\(base)/thumb/langs/\(ms).jpg", reference)
            #expect(db > 30, "frame \(k) at \(t) s (\(ms) ms): \(db) dB")
            // One frame later is a different picture (the check can fail).
            if k + 1 < times.count {
                let next = try psnr("\(base)/thumb/langs/\(Int64((times[k + 1] * 1000).rounded(.up))).jpg", reference)
                #expect(next < db, "frame \(k + 1) is not frame \(k): \(next) dB vs \(db) dB")
            }
        }
        // Made once, then from memory: the same bytes and ETag.
        let first = try o.get("/thumb/langs/2500.jpg"), again = try o.get("/thumb/langs/2500.jpg")
        #expect(first.body == again.body && first.headers["ETag"] == again.headers["ETag"])
        let small = try o.get("/thumb/langs/2500.jpg?w=100")
        let (_, size) = try runProgram(["ffprobe", "-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", "\(base)/thumb/langs/2500.jpg?w=100"])
        #expect(small.status == 200 && String(decoding: size, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "100,56")
        // Errors: after the end, a bad width, a sheet that does not exist.
        #expect(try o.get("/thumb/langs/6000.jpg").status == 404)
        #expect(try o.get("/thumb/langs/100.jpg?w=abc").status == 400)
        #expect(try o.get("/thumb/langs/100.jpg?w=8").status == 400)
        #expect(try o.get("/thumb/langs/0100.jpg").status == 404)
        #expect(try o.get("/thumb/langs/sprite-2.jpg").status == 404)
        #expect(try o.get("/thumb/nosuch/100.jpg").status == 404)
    }

    @Test func spritesCoverTheWholeVideo() throws {
        let o = try origin()
        let base = "http://127.0.0.1:\(o.server.port)"
        let vtt = String(decoding: try o.get("/thumb/langs/sprites.vtt").body, as: UTF8.self)
        let cues = vtt.components(separatedBy: "\n\n").dropFirst().filter { !$0.isEmpty }
        func ms(_ s: Substring) -> Int {
            let p = s.split(separator: ":"), sec = p[2].split(separator: ".")
            return (Int(p[0])! * 3600 + Int(p[1])! * 60 + Int(sec[0])!) * 1000 + Int(sec[1])!
        }
        var end = 0
        for cue in cues {
            let lines = cue.split(separator: "\n")
            let times = lines[0].components(separatedBy: " --> ")
            #expect(ms(Substring(times[0])) == end, "cues leave no gap: \(lines[0])")
            end = ms(Substring(times[1]))
            #expect(lines[1].hasPrefix("sprite-1.jpg#xywh="))
        }
        #expect(cues.count == 6 && end == 6000, "\(vtt)")
        let (_, size) = try runProgram(["ffprobe", "-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", "\(base)/thumb/langs/sprite-1.jpg"])
        #expect(String(decoding: size, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "1600,90")
        // The fourth tile is the frame at 3 s (a keyframe here), cut out of the sheet.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vod-sprites-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let reference = dir.appendingPathComponent("ref.png").path
        _ = try runProgram(["ffmpeg", "-v", "error", "-y", "-ss", "2.999", "-i", fixture("languages.mp4"), "-frames:v", "1", "-vf", "scale=160:90", reference])
        let (_, out) = try runProgram(["ffmpeg", "-v", "error", "-i", "\(base)/thumb/langs/sprite-1.jpg", "-i", reference, "-lavfi",
                                       "[0:v]crop=160:90:480:0[a];[a][1:v]psnr=stats_file=-", "-f", "null", "-"])
        let db = String(decoding: out, as: UTF8.self).split(separator: " ").first { $0.hasPrefix("psnr_avg:") }.flatMap { Double($0.dropFirst(9)) } ?? 0
        #expect(db > 25, "tile 4: \(db) dB")
    }
}
