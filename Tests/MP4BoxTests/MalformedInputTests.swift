import Foundation
import Testing
@testable import MP4Box

/// Hand-built broken files: each is refused with a typed error that names the
/// box path, before anything is allocated from the bad count.
@Suite struct MalformedInputTests {
    /// A minimal one-track movie; `stbl` lets a test put in whatever sample table it likes.
    static func movie(stbl: (inout ByteWriter) -> Void, mdhdTimescale: UInt32 = 1000, extraTrakDepth: Int = 0) -> [UInt8] {
        var w = ByteWriter()
        w.write(FileTypeBox(brands: Brands(major: "isom", compatible: ["isom"])))
        w.box("moov") { moov in
            moov.write(MovieHeaderBox(timescale: 1000, duration: 0, nextTrackID: 2))
            moov.box("trak") { trak in
                trak.write(TrackHeaderBox(trackID: 1, duration: 0))
                trak.box("mdia") { mdia in
                    mdia.write(MediaHeaderBox(timescale: mdhdTimescale, duration: 0))
                    mdia.write(HandlerBox(handlerType: "vide", name: "v"))
                    mdia.box("minf") { minf in minf.box("stbl", stbl) }
                }
            }
        }
        return w.bytes
    }

    func error(_ bytes: [UInt8]) -> MP4Error? {
        do { _ = try Movie.read(from: MemoryByteSource(bytes)); return nil } catch { return error }
    }

    @Test func hugeEntryCountIsRefusedWithItsPath() {
        let file = Self.movie { stbl in
            stbl.write(TimeToSampleBox(entries: [.init(count: 1, delta: 1)]))
            stbl.write(SampleToChunkBox(entries: [.init(firstChunk: 1, samplesPerChunk: 1, sampleDescriptionIndex: 1)]))
            stbl.box("stsz") { $0.versionAndFlags(0, 0); $0.u32(0); $0.u32(0xFFFF_FFFF); $0.u32(1) }
            stbl.write(ChunkOffsetBox(offsets: [0]))
        }
        let e = error(file)
        #expect(e?.description == "moov/trak[0]/mdia/minf/stbl/stsz: entry count 4294967295 exceeds the box (4 bytes left, 4 per entry)")
        #expect(e?.kind == .invalid)
    }

    @Test(arguments: ["stts", "ctts", "stss", "stsc", "stco", "co64", "stsd"])
    func everyTableCountIsChecked(type: String) {
        let file = Self.movie { stbl in
            stbl.box(FourCC(type)) { $0.versionAndFlags(0, 0); $0.u32(0x7FFF_FFFF) }
        }
        let e = error(file)
        #expect(e?.message.contains("exceeds the box") == true, "\(type): \(String(describing: e))")
        #expect(e?.path.hasSuffix(type) == true || type == "stsd")
    }

    /// A table whose count says fewer entries than its box holds is out of step: refused
    /// with its path. Zeros after the fields are padding and accepted.
    @Test func aBoxWithBytesLeftAfterItsFieldsIsRefused() {
        func file(_ tail: [UInt8]) -> [UInt8] {
            Self.movie { stbl in
                stbl.box("stts") { $0.versionAndFlags(0, 0); $0.u32(1); $0.u32(1); $0.u32(1); $0.append(tail) }
                stbl.write(SampleToChunkBox(entries: [.init(firstChunk: 1, samplesPerChunk: 1, sampleDescriptionIndex: 1)]))
                stbl.write(SampleSizeBox(constantSize: 1, sampleCount: 1))
                stbl.write(ChunkOffsetBox(offsets: [0]))
            }
        }
        let e = error(file([0, 0, 0, 2, 0, 0, 0, 7]))
        #expect(e?.path == "moov/trak[0]/mdia/minf/stbl/stts" && e?.kind == .invalid, "\(String(describing: e))")
        #expect(e?.message.contains("8 bytes left") == true)
        #expect(error(file([0, 0, 0, 0])) == nil)
    }

    @Test func nestingDeeperThanTheLimitIsRefused() {
        var w = ByteWriter()
        func nest(_ w: inout ByteWriter, _ depth: Int) { w.box("moov") { if depth > 0 { nest(&$0, depth - 1) } } }
        nest(&w, 20)
        var reader = ByteReader(w.bytes)
        reader.maxDepth = 16
        var depth = 0
        do {
            while reader.remaining >= 8 {
                reader = try reader.nextBox().1
                depth += 1
            }
            Issue.record("nesting of \(depth) levels was followed")
        } catch {
            #expect(error.kind == .limitExceeded && depth <= 16, "\(error) at depth \(depth)")
        }
    }

    @Test func editListCountIsChecked() {
        var w = ByteWriter()
        w.box("elst") { $0.versionAndFlags(1, 0); $0.u32(1000) }
        #expect(throws: MP4Error.self) { _ = try EditListBox.decode(w.bytes) }
    }

    /// Samples past the end of the file (a cut-off file, or an index that lies) are left out and
    /// counted; nothing points outside the file.
    @Test func samplePastTheEndOfTheFile() throws {
        let file = Self.movie { stbl in
            stbl.write(TimeToSampleBox(entries: [.init(count: 1, delta: 1)]))
            stbl.write(SampleToChunkBox(entries: [.init(firstChunk: 1, samplesPerChunk: 1, sampleDescriptionIndex: 1)]))
            stbl.write(SampleSizeBox(sizes: [100]))
            stbl.write(ChunkOffsetBox(offsets: [1 << 31]))
        }
        let movie = try Movie.read(from: MemoryByteSource(file))
        #expect(movie.tracks[0].samples.isEmpty && movie.tracks[0].samplesPastEnd == 1)
    }

    @Test func missingTablesAndBadTimescale() {
        let noStts = Self.movie { stbl in stbl.write(SampleSizeBox(sizes: [1])); stbl.write(ChunkOffsetBox(offsets: [0])) }
        #expect(error(noStts)?.message.contains("missing mandatory") == true)
        let zeroTimescale = Self.movie(stbl: { _ in }, mdhdTimescale: 0)
        #expect(error(zeroTimescale)?.path == "moov/trak[0]/mdia/mdhd")
    }

    @Test func boxHeadersThatLie() {
        // A box smaller than its own header.
        #expect(error([0, 0, 0, 4] + FourCC("moov").bytes)?.message.contains("smaller than its header") == true)
        // A moov that claims more bytes than the file has.
        #expect(error([0, 0, 1, 0] + FourCC("moov").bytes + [0, 0])?.kind == .truncated)
        // A 64-bit size that cannot be.
        #expect(error([0, 0, 0, 1] + FourCC("moov").bytes + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])?.kind == .invalid)
        // No moov at all.
        #expect(error([0, 0, 0, 8] + FourCC("free").bytes)?.message.contains("no 'moov'") == true)
        // Random bytes.
        #expect(error(Array("this is not an mp4 file at all, just text".utf8)) != nil)
    }

    @Test func deeplyNestedSampleEntryBoxesAreBounded() {
        var entry = ByteWriter()
        entry.box("mp4a") { e in
            e.zeros(6); e.u16(1); e.zeros(8); e.u16(2); e.u16(16); e.zeros(4); e.u32(48000 << 16)
            func nest(_ w: inout ByteWriter, _ depth: Int) { w.box("wave") { if depth > 0 { nest(&$0, depth - 1) } } }
            nest(&e, 1000)
        }
        var r = ByteReader([0, 0, 0, 0, 0, 0, 0, 1] + entry.bytes)
        #expect(throws: MP4Error.self) { _ = try SampleDescriptionBox(payload: &r, handler: "soun") }
    }

    @Test func fragmentRunLargerThanItsBox() {
        var w = ByteWriter()
        w.box("trun") { $0.versionAndFlags(0, 0x300); $0.u32(1_000_000); $0.u32(5) }
        #expect(throws: MP4Error.self) { _ = try TrackRunBox.decode(w.bytes) }
    }
}
