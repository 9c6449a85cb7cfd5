import Foundation
import Testing
@testable import MP4Box

/// Writing a box and reading it back gives the same value, for every box type:
/// every box found in the test media, and built values that exercise the
/// optional fields and 64-bit versions the media lacks.
@Suite struct BoxRoundTripTests {
    static let codecs: [FourCC: any BoxCodable.Type] = [
        "ftyp": FileTypeBox.self, "styp": SegmentTypeBox.self, "mvhd": MovieHeaderBox.self, "tkhd": TrackHeaderBox.self,
        "elst": EditListBox.self, "mdhd": MediaHeaderBox.self, "hdlr": HandlerBox.self, "stsd": SampleDescriptionBox.self,
        "stts": TimeToSampleBox.self, "ctts": CompositionOffsetBox.self, "stss": SyncSampleBox.self, "stsc": SampleToChunkBox.self,
        "stsz": SampleSizeBox.self, "stz2": CompactSampleSizeBox.self, "stco": ChunkOffsetBox.self, "co64": ChunkLargeOffsetBox.self,
        "sdtp": SampleDependencyTypeBox.self, "mehd": MovieExtendsHeaderBox.self, "trex": TrackExtendsBox.self,
        "mfhd": MovieFragmentHeaderBox.self, "tfhd": TrackFragmentHeaderBox.self, "tfdt": TrackFragmentDecodeTimeBox.self,
        "trun": TrackRunBox.self, "sidx": SegmentIndexBox.self, "avcC": AVCConfigurationBox.self, "hvcC": HEVCConfigurationBox.self,
        "esds": ESDescriptorBox.self, "dac3": AC3SpecificBox.self, "dec3": EC3SpecificBox.self, "dOps": OpusSpecificBox.self,
        "pasp": PixelAspectRatioBox.self, "colr": ColourInformationBox.self, "btrt": BitRateBox.self,
    ]
    static let containers: Set<FourCC> = ["moov", "trak", "mdia", "minf", "stbl", "edts", "mvex", "moof", "traf", "dinf"]
    static let sampleEntryFormats: Set<FourCC> = ["avc1", "avc3", "hvc1", "hev1", "mp4a", "ac-3", "ec-3", "Opus"]

    func roundTrip<B: BoxCodable>(_ type: B.Type, payload: ByteReader) throws -> Bool {
        var reader = payload
        let value = try B(payload: &reader)
        let again = try B.decode(value.encoded())
        return value == again && value.encoded() == again.encoded()
    }

    /// Walks every box of a file (inside moov, moof and sample entries) and round-trips each typed one.
    func walk(_ reader: ByteReader, seen: inout Set<FourCC>, file: String) throws {
        var r = reader
        for (header, payload) in try r.boxes() {
            if let codec = Self.codecs[header.type] {
                #expect(try roundTrip(codec, payload: payload), "\(file): \(payload.path) changes when written and read back")
                seen.insert(header.type)
            }
            if Self.containers.contains(header.type) { try walk(payload, seen: &seen, file: file) }
            if header.type == "stsd" {
                var p = payload
                try p.skip(8)
                try walk(p, seen: &seen, file: file)
            }
            if Self.sampleEntryFormats.contains(header.type) {
                var p = payload
                try p.skip(header.type == "mp4a" || header.type == "ac-3" || header.type == "ec-3" || header.type == "Opus" ? 28 : 78)
                try walk(p, seen: &seen, file: file)
            }
        }
    }

    @Test func everyBoxInTheMediaRoundTrips() throws {
        var seen = Set<FourCC>()
        for path in Media.allFiles {
            guard (try? Movie.read(path: path)) != nil else { continue }  // the malformed ones
            let data = try bytes(of: path)
            let movie = try Movie.read(path: path)
            for box in movie.topLevelBoxes where box.type == "moov" || box.type == "moof" || box.type == "ftyp" {
                let whole = Array(data[Int(box.offset)..<Int(box.end)])
                try walk(ByteReader(whole), seen: &seen, file: URL(fileURLWithPath: path).lastPathComponent)
            }
        }
        for expected: FourCC in ["ftyp", "mvhd", "tkhd", "elst", "mdhd", "hdlr", "stsd", "stts", "ctts", "stss", "stsc", "stsz",
                                 "stco", "co64", "trex", "mfhd", "tfhd", "trun", "avcC", "hvcC", "esds", "dac3", "dec3", "dOps", "tfdt", "sdtp"] {
            #expect(seen.contains(expected), "no '\(expected)' in the test media")
        }
    }

    @Test func builtValuesRoundTrip() throws {
        func check<B: BoxCodable>(_ value: B) throws {
            let again = try B.decode(value.encoded())
            #expect(again == value, "\(B.type) differs after a round trip")
        }
        try check(MovieHeaderBox(timescale: 1000, duration: 1 << 40, nextTrackID: 3))
        try check(TrackHeaderBox(trackID: 7, duration: 1 << 33, width: 1920 << 16, height: 1080 << 16))
        try check(MediaHeaderBox(timescale: 90000, duration: 1 << 35, language: "fra"))
        try check(EditListBox(entries: [.init(segmentDuration: 1 << 34, mediaTime: -1), .init(segmentDuration: 10, mediaTime: 1 << 33)]))
        try check(CompositionOffsetBox(entries: [.init(count: 2, offset: -1024), .init(count: 1, offset: 2048)]))
        try check(CompactSampleSizeBox(fieldSize: 4, sizes: [1, 2, 3, 15, 7]))
        try check(CompactSampleSizeBox(fieldSize: 16, sizes: [1000, 2, 65535]))
        try check(SampleSizeBox(constantSize: 1024, sampleCount: 9))
        try check(ChunkLargeOffsetBox(offsets: [1 << 40, 5]))
        try check(MovieExtendsHeaderBox(fragmentDuration: 1 << 36))
        var tfhd = TrackFragmentHeaderBox(trackID: 2, defaultBaseIsMoof: false)
        tfhd.baseDataOffset = 1 << 35; tfhd.sampleDescriptionIndex = 1; tfhd.defaultSampleDuration = 1001
        tfhd.defaultSampleSize = 77; tfhd.defaultSampleFlags = .nonSync; tfhd.durationIsEmpty = true
        try check(tfhd)
        try check(TrackFragmentDecodeTimeBox(baseMediaDecodeTime: 1 << 40))
        try check(TrackRunBox(version: 1, dataOffset: 120, firstSampleFlags: .sync,
                              samples: [.init(duration: 1, size: 2, flags: .nonSync, compositionOffset: -5), .init(duration: 3, size: 4, flags: .sync, compositionOffset: 9)]))
        try check(SegmentIndexBox(referenceID: 1, timescale: 90000, earliestPresentationTime: 1 << 34, firstOffset: 0,
                                  references: [.init(size: 1000, duration: 540000), .init(size: 5, duration: 6, startsWithSAP: false, sapType: 0)]))
        try check(SegmentTypeBox(brands: FragmentWriter.segmentBrands))
        try check(ESDescriptorBox(objectTypeIndication: 0x40, decoderSpecificInfo: [0x12, 0x10]))
        try check(PixelAspectRatioBox(hSpacing: 4, vSpacing: 3))
        try check(BitRateBox(bufferSize: 1, maxBitrate: 2, averageBitrate: 3))
        try check(try AV1ConfigurationBox.decode([0, 0, 0, 12, 0x61, 0x76, 0x31, 0x43, 0x81, 0x4D, 0x4C, 0x00]))
        try check(try VPCodecConfigurationBox.decode([0, 0, 0, 20, 0x76, 0x70, 0x63, 0x43, 1, 0, 0, 0, 2, 41, 0xA7, 9, 16, 9, 0, 0]))
    }

    /// Codec strings of AV1 and VP9 from their configuration boxes (main 10-bit 4:2:0 at level
    /// 5.1 high tier with BT.2020 PQ colour; VP9 profile 2, level 4.1, 10 bits, full range).
    @Test func av1AndVP9CodecStrings() throws {
        let av1 = try AV1ConfigurationBox.decode([0, 0, 0, 12, 0x61, 0x76, 0x31, 0x43, 0x81, 0x0D, 0xCC, 0x00])
        #expect(av1.codecString(colour: nil) == "av01.0.13H.10")
        var colour = try ColourInformationBox.decode([0, 0, 0, 19, 0x63, 0x6F, 0x6C, 0x72, 0x6E, 0x63, 0x6C, 0x78, 0, 9, 0, 16, 0, 9, 0])
        colour.fullRange = false
        #expect(av1.codecString(colour: colour) == "av01.0.13H.10.0.110.09.16.09.0")
        let vp9 = try VPCodecConfigurationBox.decode([0, 0, 0, 20, 0x76, 0x70, 0x63, 0x43, 1, 0, 0, 0, 2, 41, 0xA3, 9, 16, 9, 0, 0])
        #expect(vp9.codecString(format: "vp09") == "vp09.02.41.10.01.09.16.09.01")
    }

    @Test func largeSizesAndUUIDHeaders() throws {
        var w = ByteWriter()
        w.u32(1); w.fourCC("free"); w.u64(24); w.zeros(8)                    // 64-bit size
        w.u32(24 + 4); w.fourCC("uuid"); w.append(Array(repeating: 0xAB, count: 16)); w.u32(7)
        w.u32(0); w.fourCC("mdat"); w.zeros(5)                                 // to the end
        var r = ByteReader(w.bytes)
        let boxes = try r.boxes()
        #expect(boxes.map { $0.0.type } == ["free", "uuid", "mdat"])
        #expect(boxes[0].0.headerSize == 16 && boxes[0].0.size == 24)
        #expect(boxes[1].0.userType == Array(repeating: 0xAB, count: 16) && boxes[1].1.remaining == 4)
        #expect(boxes[2].0.size == 13)
    }

    @Test func codecStrings() throws {
        let expected = ["h264_bframes_aac.mp4": ["avc1.64000d", "mp4a.40.2"], "hevc.mp4": ["hvc1.1.6.L60.90"],
                        "ac3.mp4": ["ac-3"], "opus.mp4": ["opus"], "audio_only.m4a": ["mp4a.40.2"],
                        "av1.mp4": ["av01.0.00M.08", "opus"], "vp9.mp4": ["vp09.00.11.08.01.02.02.02.00", "mp4a.40.2"],
                        "he_aac.m4a": ["mp4a.40.5"], "he_aac_implicit.m4a": ["mp4a.40.5"], "xhe_aac.m4a": ["mp4a.40.42"]]
        for (file, codecs) in expected {
            let movie = try Movie.read(path: Media.fixture(file))
            #expect(movie.tracks.map(\.codecString) == codecs, "\(file)")
        }
        let eac3 = try Movie.read(path: Media.shared.appendingPathComponent("exo_sample_eac3.mp4").path)
        #expect(eac3.tracks[0].codecString == "ec-3" && eac3.tracks[0].sampleEntry?.channelCount == 6)
    }

    @Test func rotationAndLanguage() throws {
        let rotated = try Movie.read(path: Media.fixture("rotated.mp4"))
        #expect(rotated.tracks[0].header.matrix.rotationDegrees == 90)
        let phone = try Movie.read(path: Media.shared.appendingPathComponent("exo_portrait_4k60.mp4").path)
        #expect(phone.tracks[0].header.matrix.rotationDegrees == 90)
        let jp = try Movie.read(path: Media.shared.appendingPathComponent("mp4parser_MOV00006.3gp").path)
        #expect(jp.tracks[0].language == "jpn")
    }
}

@Suite struct OpaqueBoxTests {
    @Test func unknownBoxesAreKeptAsFileRanges() throws {
        let path = Media.fixture("h264_bframes_aac.mp4")
        let movie = try Movie.read(path: path)
        let udta = try #require(movie.otherBoxes.first { $0.header.type == "udta" })
        #expect(udta.path == "moov/udta")
        let data = try bytes(of: path)
        // The range really is the box: its first bytes are its size and type.
        let start = Int(udta.range.offset)
        #expect(Int64(ByteReader.u32(data, at: start)) == udta.range.length)
        #expect(FourCC(rawValue: ByteReader.u32(data, at: start + 4)) == "udta")
    }
}
