/// Writes an initialization segment: `ftyp` and a `moov` whose tracks carry
/// their sample entries (copied byte for byte from the source) but no samples,
/// plus `mvex`/`trex` so the samples can come in fragments.
public enum InitSegmentWriter {
    public struct TrackInput: Sendable {
        public var track: Track
        /// Track id in the output (defaults to the source's).
        public var trackID: UInt32
        /// Edit list for the output, e.g. to hide a B-frame delay; none by default.
        public var editList: EditListBox?

        public init(track: Track, trackID: UInt32? = nil, editList: EditListBox? = nil) {
            self.track = track
            self.trackID = trackID ?? track.id
            self.editList = editList
        }
    }

    public static let cmafBrands = Brands(major: "iso6", minorVersion: 0, compatible: ["iso6", "cmfc", "mp41", "dash"])

    /// `fragmentDuration` (in `movieTimescale`), when known, goes into `mehd`: what a progressive
    /// reader shows as the duration of a file made of fragments.
    public static func write(tracks: [TrackInput], movieTimescale: UInt32 = 1000, brands: Brands = cmafBrands, fragmentDuration: UInt64? = nil) -> [UInt8] {
        var w = ByteWriter(capacity: 1024)
        w.write(FileTypeBox(brands: brands))
        w.box("moov") { moov in
            let highest = tracks.map(\.trackID).max() ?? 0
            let next = highest == .max ? .max : highest + 1  // 0xFFFFFFFF: readers search for a free id
            moov.write(MovieHeaderBox(timescale: movieTimescale, duration: 0, nextTrackID: next))
            for input in tracks { writeTrack(input, to: &moov) }
            moov.box("mvex") { mvex in
                if let fragmentDuration {
                    mvex.box("mehd") { mehd in mehd.versionAndFlags(1, 0); mehd.u64(fragmentDuration) }
                }
                for input in tracks { mvex.write(TrackExtendsBox(trackID: input.trackID)) }
            }
        }
        return w.bytes
    }

    private static func writeTrack(_ input: TrackInput, to w: inout ByteWriter) {
        let track = input.track
        w.box("trak") { trak in
            var tkhd = track.header
            tkhd.trackID = input.trackID
            tkhd.duration = 0
            tkhd.flags = 3
            trak.write(tkhd)
            if let elst = input.editList { trak.box("edts") { $0.write(elst) } }
            trak.box("mdia") { mdia in
                var mdhd = track.mediaHeader
                mdhd.duration = 0
                mdia.write(mdhd)
                mdia.write(track.handler)
                mdia.box("minf") { minf in
                    minf.mediaHeaderAndSelfReference(for: track.mediaType)
                    minf.box("stbl") { stbl in
                        stbl.write(track.sampleDescription)
                        stbl.write(TimeToSampleBox(entries: []))
                        stbl.write(SampleToChunkBox(entries: []))
                        stbl.write(SampleSizeBox(sizes: []))
                        stbl.write(ChunkOffsetBox(offsets: []))
                    }
                }
            }
        }
    }
}
