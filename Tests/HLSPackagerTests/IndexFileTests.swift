import Foundation
import MP4Box
import Testing
@testable import HLSPackager

/// A movie read back from its index file must package exactly as the MP4 parsed again:
/// every playlist, the MPD and segments of every track and TS rendition, for every fixture
/// and shared file that keeps an index (not fragmented ones).
@Suite struct IndexFileTests {
    @Test func aMovieFromItsIndexFilePackagesAsTheParsedOne() throws {
        var compared = 0, withRuns = 0
        for file in SampleMapTests.files {
            guard let parsed = try? Movie.read(path: file), let parsedSet = try? MediaSet.load(movie: parsed, path: file, name: "v", targetDuration: 2) else { continue }
            guard let bytes = try MovieIndexFile.make(path: file, build: 7) else {
                #expect(parsed.isFragmented, "\(file) keeps no index but is not fragmented")
                continue
            }
            let identity = try #require(MovieIndexFile.SourceIdentity(path: file))
            let stored = try #require(try MovieIndexFile.read(bytes: bytes, identity: identity, build: 7), "\(file)")
            #expect(stored.tracks.count == parsed.tracks.count)
            for (a, b) in zip(stored.tracks, parsed.tracks) {
                #expect(a.indexed == b.indexed && a.timescale == b.timescale && a.codecString == b.codecString && a.language == b.language
                        && a.editList?.entries == b.editList?.entries, "\(file) track \(b.id)")
                #expect(a.knownRun == PresentationTimeline(track: b, movieTimescale: parsed.timescale).presentedRun(), "\(file) track \(b.id)")
                #expect(a.dataFileWanted == TrackDataFile.wants(b) && !b.dataFileWanted, "\(file) track \(b.id)")
                if a.knownRun != nil { withRuns += 1 }
            }
            let set = try MediaSet.load(movie: stored, path: file, name: "v", targetDuration: 2)
            #expect(Self.responses(set) == Self.responses(parsedSet), "\(file): packaged differently from its index file")
            #expect(set.skipped.map(\.reason) == parsedSet.skipped.map(\.reason) && set.warnings == parsedSet.warnings, "\(file)")
            compared += 1
        }
        #expect(compared >= 25 && withRuns >= 30, "\(compared) files, \(withRuns) tracks with a known run")
    }

    /// Another build, another version of the source: no index (made again); the same file: the movie.
    @Test func anIndexFileIsOnlyForItsSourceAndBuild() throws {
        let file = fixture("h264_bframes_aac.mp4")
        let bytes = try #require(try MovieIndexFile.make(path: file, build: 1))
        var identity = try #require(MovieIndexFile.SourceIdentity(path: file))
        #expect(try MovieIndexFile.read(bytes: bytes, identity: identity, build: 1) != nil)
        #expect(try MovieIndexFile.read(bytes: bytes, identity: identity, build: 2) == nil)
        identity.modifiedNanoseconds += 1
        #expect(try MovieIndexFile.read(bytes: bytes, identity: identity, build: 1) == nil)
        #expect(try MovieIndexFile.read(bytes: Array(bytes.prefix(40)), identity: nil, build: 1) == nil)
    }

    /// Cut off anywhere, or any byte of its header, records or arrays altered: refused or read, never a trap;
    /// a sample placed outside the source is refused.
    @Test func aDamagedIndexFileIsRefused() throws {
        let file = fixture("h264_bframes_aac.mp4")
        let bytes = try #require(try MovieIndexFile.make(path: file, build: 1))
        var refused = 0
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) {
            do { if try MovieIndexFile.read(bytes: Array(bytes.prefix(cut)), identity: nil, build: 1) == nil { refused += 1 } } catch { refused += 1 }
        }
        #expect(refused >= 97)
        for position in stride(from: 0, to: min(bytes.count, 4096), by: 3) {
            var damaged = bytes
            damaged[position] ^= 0xA5
            if let movie = try? MovieIndexFile.read(bytes: damaged, identity: nil, build: 1), let set = try? MediaSet.load(movie: movie, path: file, name: "v", targetDuration: 2) {
                _ = Self.responses(set)
            }
        }
        // The source claimed 1,000 bytes long: every sample lies past its end.
        var small = bytes
        let size = withUnsafeBytes(of: Int64(1000).bigEndian) { Array($0) }
        small.replaceSubrange(24..<32, with: size)
        #expect(throws: MP4Error.self) { try MovieIndexFile.read(bytes: small, identity: nil, build: 1) }
    }

    /// Every track that wants a data file (interleaved a frame or a few at a time), written and
    /// read back in its place: the video packages exactly as from the MP4, and its CMAF segments
    /// are one range of the data file each. A file of another source version, build or track,
    /// or cut short, does not match.
    @Test func tracksReadFromTheirDataFilesPackageAsFromTheMP4() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("trackdata-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var placed = 0
        for file in SampleMapTests.files {
            guard var movie = try? Movie.read(path: file), !movie.isFragmented,
                  let parsedSet = try? MediaSet.load(movie: movie, path: file, name: "v", targetDuration: 2) else { continue }
            let identity = try #require(MovieIndexFile.SourceIdentity(path: file))
            var paths: [UInt32: String] = [:]
            for (i, track) in movie.tracks.enumerated() where TrackDataFile.wants(track) {
                let path = dir.appendingPathComponent("\(placed)-\(track.id)").path
                let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o644)
                defer { close(fd) }
                #expect(TrackDataFile.write(track, source: file, identity: identity, build: 3, to: fd, bufferSize: 1 << 16), "\(file)")
                #expect(TrackDataFile.matches(fd: fd, track: track, identity: identity, build: 3))
                #expect(!TrackDataFile.matches(fd: fd, track: track, identity: identity, build: 4))
                var other = identity
                other.inode += 1
                #expect(!TrackDataFile.matches(fd: fd, track: track, identity: other, build: 3))
                if let sibling = movie.tracks.first(where: { $0.id != track.id }) { #expect(!TrackDataFile.matches(fd: fd, track: sibling, identity: identity, build: 3)) }
                #expect(ftruncate(fd, off_t(TrackDataFile.headerSize)) == 0 && !TrackDataFile.matches(fd: fd, track: track, identity: identity, build: 3))
                #expect(TrackDataFile.write(track, source: file, identity: identity, build: 3, to: fd, bufferSize: 1 << 16))  // written again (from the start)
                TrackDataFile.place(&movie.tracks[i])
                paths[track.id] = path
                placed += 1
            }
            guard !paths.isEmpty else { continue }
            let set = try MediaSet.load(movie: movie, path: file, name: "v", targetDuration: 2, trackData: paths)
            let (a, b) = (Self.responses(set), Self.responses(parsedSet))
            #expect(a == b, "\(file): packaged differently from its track data files: \(zip(a, b).enumerated().filter { $0.element.0 != $0.element.1 }.map { "\($0.offset): \($0.element.0.prefix(300)) vs \($0.element.1.prefix(300))" })")
            for track in set.tracks where paths[track.track.track.id] != nil {
                for n in 0..<track.segmentCount {
                    let files = try track.mediaSegment(n).parts.filter { if case .file = $0 { true } else { false } }
                    #expect(files.count <= 1, "\(file) track \(track.track.track.id) segment \(n): \(files.count) ranges")
                }
            }
        }
        #expect(placed >= 10, "\(placed) tracks placed in data files")
    }

    /// What a player can ask of `set`: playlists, the MPD, init and media segments (first three and
    /// last) of every track, and the TS renditions' playlists and first segments.
    static func responses(_ set: MediaSet) -> [String] {
        var out = [HLSPlaylist.multivariant(set), DASHManifest.mpd(set)]
        for track in set.tracks {
            out.append(HLSPlaylist.media(track, video: set.name, protection: nil))
            if track.track.kind == .video { out.append(HLSPlaylist.iFrames(track, video: set.name)) }
            out.append("\(track.firstSamples)")
            for n in Set([0, 1, 2, track.segmentCount - 1]).sorted() where n >= 0 && n < track.segmentCount {
                out.append((try? track.mediaSegment(n).materialize()).map { "\($0.count) \($0.hashValue)" } ?? "none")
            }
        }
        for rendition in (try? set.tsRenditions()) ?? [] {
            out.append(TSPlaylist.media(rendition, video: set.name, protection: nil))
            out.append((try? rendition.segment(0).materialize()).map { "\($0.count) \($0.hashValue)" } ?? "none")
        }
        return out
    }
}
