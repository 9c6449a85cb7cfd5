import Foundation
import Testing
@testable import MP4Box

/// Every fixture cut short at many points is either read or refused with an
/// `MP4Error`; never a crash, a hang or an unbounded allocation.
@Suite struct TruncationTests {
    @Test(arguments: Media.allFiles)
    func truncatedFilesAreReadOrRejected(path: String) throws {
        let whole = try bytes(of: path)
        var cuts = Set(stride(from: 0, to: whole.count, by: max(1, whole.count / 97)))
        // Cut densely around every top-level box boundary, where parsers are most fragile.
        if let movie = try? Movie.read(from: MemoryByteSource(whole)) {
            for box in movie.topLevelBoxes {
                for d in -20...40 { cuts.insert(Int(box.offset) + d) }
                for d in -20...20 { cuts.insert(Int(box.end) + d) }
            }
        }
        var read = 0, rejected = 0
        for cut in cuts.sorted() where cut >= 0 && cut < whole.count {
            do {
                let movie = try Movie.read(from: MemoryByteSource(Array(whole[..<cut])))
                // Whatever was read must only point inside the bytes that are there.
                for track in movie.tracks where !track.samples.isEmpty {
                    let last = track.samples.count - 1
                    #expect(track.samples.offset(at: last) + Int64(track.samples.size(at: last)) <= Int64(cut))
                }
                read += 1
            } catch {
                #expect(!error.description.isEmpty)
                rejected += 1
            }
        }
        #expect(read + rejected > 50)
    }
}
