/// Appends the samples of `moof`/`traf`/`trun` boxes to the tracks' indexes.
/// Defaults come from `tfhd`, then `trex`. Where the data is follows
/// ISO/IEC 14496-12 §8.8.7–8.8.8: each `traf` has a base data offset (explicit
/// in `tfhd`, else the `moof`'s start under default-base-is-moof or for the
/// first `traf`, else the end of the previous `traf`'s data); a `trun` with a
/// `data_offset` starts at base + data_offset, one without it right after the
/// previous run's data (the base for the first run).
struct FragmentIndexer {
    private var tracks: [Track]
    private let trackExtends: [UInt32: TrackExtendsBox]
    private let fileSize: Int64
    private let limits: ParseLimits
    private var sequence = 0

    init(movie: Movie, limits: ParseLimits) {
        tracks = movie.tracks
        trackExtends = movie.trackExtends
        fileSize = movie.fileSize
        self.limits = limits
    }

    mutating func add(moof r: inout ByteReader, header moof: BoxHeader) throws(MP4Error) {
        sequence += 1
        var implicitOffset = moof.offset
        for (h, child) in try r.boxes() where h.type == "traf" {
            var traf = child
            try addTrackFragment(&traf, moofOffset: moof.offset, implicitOffset: &implicitOffset)
        }
    }

    private mutating func addTrackFragment(_ r: inout ByteReader, moofOffset: Int64, implicitOffset: inout Int64) throws(MP4Error) {
        var tfhd: TrackFragmentHeaderBox?
        var tfdt: TrackFragmentDecodeTimeBox?
        var runs: [(TrackRunBox, String)] = []
        for (h, child) in try r.boxes() {
            var body = child
            switch h.type {
            case "tfhd": tfhd = try body.whole(TrackFragmentHeaderBox.self)
            case "tfdt": tfdt = try body.whole(TrackFragmentDecodeTimeBox.self)
            case "trun": runs.append((try body.whole(TrackRunBox.self), child.path))
            default: break
            }
        }
        guard let tfhd else { throw r.error(.invalid, "no 'tfhd' box") }
        guard let t = tracks.firstIndex(where: { $0.id == tfhd.trackID }) else { return }  // FFmpeg ignores unknown tracks too
        let trex = trackExtends[tfhd.trackID] ?? TrackExtendsBox(trackID: tfhd.trackID)
        let isAudio = tracks[t].mediaType == .audio
        let base = tfhd.baseDataOffset.map { Int64(bitPattern: $0) } ?? (tfhd.defaultBaseIsMoof ? moofOffset : implicitOffset)
        var nextRun = base
        if let tfdt {
            guard tfdt.baseMediaDecodeTime <= UInt64(Int64.max), tracks[t].samples.moveEnd(to: Int64(tfdt.baseMediaDecodeTime)) else {
                throw r.error(.invalid, "tfdt \(tfdt.baseMediaDecodeTime) goes back before the previous fragment's samples")
            }
        }
        for (run, path) in runs {
            var offset = run.dataOffset.map { base &+ Int64($0) } ?? nextRun
            let total = tracks[t].samples.count + run.samples.count
            guard total <= limits.maxSamplesPerTrack, Int64(total) <= fileSize else {
                throw MP4Error(.limitExceeded, path: path, "track \(tfhd.trackID) has more samples than the limit (\(limits.maxSamplesPerTrack)) or the file size allows")
            }
            for (i, s) in run.samples.enumerated() {
                let size = s.size ?? tfhd.defaultSampleSize ?? trex.defaultSampleSize
                let duration = s.duration ?? tfhd.defaultSampleDuration ?? trex.defaultSampleDuration
                let flags = (i == 0 ? run.firstSampleFlags : nil) ?? s.flags ?? tfhd.defaultSampleFlags ?? trex.defaultSampleFlags
                guard size <= limits.maxSampleSize else {
                    throw MP4Error(.limitExceeded, path: path, "sample \(i) size \(size) exceeds \(limits.maxSampleSize)")
                }
                guard offset >= 0 else {
                    throw MP4Error(.invalid, path: path, "sample \(i) (offset \(offset), \(size) bytes) lies outside the file (\(fileSize) bytes)")
                }
                // A recording cut off inside its last fragment: this and every later sample of the track are left out.
                guard offset <= fileSize - Int64(size), tracks[t].samplesPastEnd == 0 else {
                    tracks[t].samplesPastEnd += run.samples.count - i
                    break
                }
                // FFmpeg: audio samples are always sync; video ones unless flagged non-sync or dependent.
                let sync = isAudio || flags.rawValue & 0x0101_0000 == 0
                let compositionOffset = s.compositionOffset ?? 0
                tracks[t].samples.append(offset: offset, size: size, duration: duration,
                                         compositionOffset: compositionOffset, isSync: sync)
                // FFmpeg's mov_update_dts_shift: negative offsets (trun v1) push presentation times later.
                if compositionOffset < 0 {
                    tracks[t].compositionShift = max(tracks[t].compositionShift, compositionOffset == .min ? Int64(Int32.max) : -Int64(compositionOffset))
                }
                offset += Int64(size)
            }
            nextRun = offset
            implicitOffset = offset
        }
    }

    func finish() -> [Track] {
        tracks.map { track in
            var t = track
            t.samples.shrink()
            t.compositionCoverage = t.samples.hasCompositionOffsets ? t.samples.count : 0
            t.hasCompositionTable = t.samples.hasCompositionOffsets
            t.samplesFromFragments = true
            return t
        }
    }
}
