import MP4Box

/// How one track's samples become a TS elementary stream: the stream type in
/// the PMT, the PES stream id, and the bytes added to each sample (Annex B
/// start codes, and for video an access unit delimiter and, on keyframes,
/// parameter sets, each only when the access unit does not carry its own;
/// ADTS headers for AAC). Packet counts are predicted from sample sizes alone,
/// taking every access unit to be like the track's first (`InBand`), so they
/// are exact when the encoder is consistent, as encoders are.
struct ElementaryStream: Sendable {
    /// Which NAL units a video track's access units carry themselves.
    struct InBand: Sendable, Equatable {
        var accessUnitDelimiter = false
        var parameterSets = false
    }

    enum Codec: Sendable { case h264, hevc, aac, ac3, eac3 }

    let codec: Codec
    let pid: UInt16
    let streamType: UInt8
    let streamID: UInt8
    /// Annex B parameter sets (with start codes) put before every keyframe.
    let parameterSets: [UInt8]
    let accessUnitDelimiter: [UInt8]
    let nalLengthSize: Int
    /// ADTS header fields: profile, sampling index, channel configuration.
    let adts: (profile: UInt8, samplingIndex: UInt8, channels: UInt8)?
    /// The source, for error messages.
    let file: String
    /// What the track's first access unit carries (set by `learnInBand`).
    private(set) var inBand = InBand()

    var isVideo: Bool { codec == .h264 || codec == .hevc }

    init(track: PackagedTrack, pid: UInt16) throws(PackagerError) {
        self.pid = pid
        let entry = track.track.sampleEntry
        let file = track.sourcePath
        self.file = file
        switch entry?.format.description ?? "" {
        case "avc1", "avc3":
            guard let avcC = entry?.avcC else { throw .brokenTrack(file: file, reason: "H.264 track without avcC") }
            codec = .h264; streamType = 0x1B; streamID = 0xE0
            parameterSets = (avcC.sequenceParameterSets + avcC.pictureParameterSets).flatMap { [0, 0, 0, 1] + $0 }
            accessUnitDelimiter = [0, 0, 0, 1, 0x09, 0xF0]
            nalLengthSize = avcC.nalLengthSize
            adts = nil
        case "hvc1", "hev1":
            guard let hvcC = entry?.hvcC else { throw .brokenTrack(file: file, reason: "HEVC track without hvcC") }
            codec = .hevc; streamType = 0x24; streamID = 0xE0
            let order: [UInt8] = [32, 33, 34]  // VPS, SPS, PPS
            parameterSets = order.flatMap { type in hvcC.arrays.filter { $0.nalType == type }.flatMap { $0.units.flatMap { [0, 0, 0, 1] + $0 } } }
            accessUnitDelimiter = [0, 0, 0, 1, 0x46, 0x01, 0x50]
            nalLengthSize = hvcC.nalLengthSize
            adts = nil
        case "mp4a":
            guard let asc = entry?.esds?.audioSpecificConfig else {
                throw .unsupportedCodec(file: file, codec: track.codec + " in MPEG-TS (no AudioSpecificConfig)")
            }
            // ADTS can carry only AAC Main, LC, SSR and LTP (object types 1–4), HE-AAC as its core
            // with implicit SBR/PS; anything else (xHE-AAC/USAC is 42) would get a wrong header.
            guard (1...4).contains(asc.coreObjectType) else {
                throw .unsupportedCodec(file: file, codec: track.codec + " in MPEG-TS (ADTS carries AAC object types 1–4 only)")
            }
            guard let index = AudioSpecificConfigRates.index(of: asc.sampleRate), asc.channelConfiguration > 0, asc.channelConfiguration < 8 else {
                throw .unsupportedCodec(file: file, codec: track.codec + " in MPEG-TS (no ADTS header for \(asc.sampleRate) Hz, channel configuration \(asc.channelConfiguration))")
            }
            codec = .aac; streamType = 0x0F; streamID = 0xC0
            adts = (UInt8(asc.coreObjectType - 1), UInt8(index), UInt8(asc.channelConfiguration))
            parameterSets = []; accessUnitDelimiter = []; nalLengthSize = 0
        case "ac-3":
            codec = .ac3; streamType = 0x81; streamID = 0xBD
            adts = nil; parameterSets = []; accessUnitDelimiter = []; nalLengthSize = 0
        case "ec-3":
            codec = .eac3; streamType = 0x87; streamID = 0xBD
            adts = nil; parameterSets = []; accessUnitDelimiter = []; nalLengthSize = 0
        default:
            throw .unsupportedCodec(file: file, codec: track.codec + " in MPEG-TS")
        }
    }

    /// Bytes of the elementary stream for a sample of `size` bytes, when that is
    /// knowable from the size alone (4-byte NAL lengths become 4-byte start codes).
    func payloadSize(sampleSize: Int, isSync: Bool) -> Int? {
        switch codec {
        case .h264, .hevc:
            guard nalLengthSize == 4 else { return nil }
            return (inBand.accessUnitDelimiter ? 0 : accessUnitDelimiter.count) + (isSync && !inBand.parameterSets ? parameterSets.count : 0) + sampleSize
        case .aac: return 7 + sampleSize
        case .ac3, .eac3: return sampleSize
        }
    }

    /// What one sample's PES payload is made of, found by one pass over its NAL units (video).
    struct Payload {
        /// Bytes of the elementary stream for the sample.
        let length: Int
        /// The sample's own access unit delimiter (its range in the sample), moved to the front.
        let delimiter: Range<Int>?
        let addsParameterSets: Bool
    }

    /// The payload of one sample: start codes, the sample's own NAL units, an ADTS header and
    /// the frame. A length-prefixed unit that overruns its sample is an error.
    func payload(of sample: UnsafeRawBufferPointer, isSync: Bool) throws(PackagerError) -> Payload {
        switch codec {
        case .h264, .hevc:
            var delimiter: Range<Int>?, hasParameterSets = false, units = 0
            let overrun = forEachNALUnit(in: sample) { unit in
                let type = nalType(sample, unit)
                if type == delimiterType {
                    if delimiter == nil { delimiter = unit }
                } else {
                    units += Self.startCode.count + unit.count
                    if type == sequenceParameterSetType { hasParameterSets = true }
                }
            }
            if let overrun { throw .brokenTrack(file: file, reason: "NAL unit of \(overrun) bytes overruns its sample") }
            let adds = isSync && !hasParameterSets
            // The delimiter opens the access unit (H.264 7.4.1.2.3): the sample's own, moved to
            // the front (FFmpeg's libx264 puts its version SEI before it), or ours.
            let opening = delimiter.map { Self.startCode.count + $0.count } ?? accessUnitDelimiter.count
            return Payload(length: opening + (adds ? parameterSets.count : 0) + units, delimiter: delimiter, addsParameterSets: adds)
        case .aac:
            guard adts != nil else { return Payload(length: sample.count, delimiter: nil, addsParameterSets: false) }
            guard sample.count + 7 < 1 << 13 else { throw .brokenTrack(file: file, reason: "AAC frame of \(sample.count) bytes is too long for ADTS") }
            return Payload(length: sample.count + 7, delimiter: nil, addsParameterSets: false)
        case .ac3, .eac3:
            return Payload(length: sample.count, delimiter: nil, addsParameterSets: false)
        }
    }

    /// Writes the payload of one sample, as `payload(of:)` found it, into the PES begun last.
    func write(_ sample: UnsafeRawBufferPointer, _ payload: Payload, into writer: inout TSPacketWriter) {
        switch codec {
        case .h264, .hevc:
            if let delimiter = payload.delimiter {
                Self.startCode.withUnsafeBytes { writer.write($0) }
                writer.write(UnsafeRawBufferPointer(rebasing: sample[delimiter]))
            } else {
                accessUnitDelimiter.withUnsafeBytes { writer.write($0) }
            }
            if payload.addsParameterSets { parameterSets.withUnsafeBytes { writer.write($0) } }
            _ = forEachNALUnit(in: sample) { unit in
                guard nalType(sample, unit) != delimiterType else { return }
                Self.startCode.withUnsafeBytes { writer.write($0) }
                writer.write(UnsafeRawBufferPointer(rebasing: sample[unit]))
            }
        case .aac:
            if let adts {
                let length = sample.count + 7
                let header: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (
                    0xFF, 0xF1, adts.profile << 6 | adts.samplingIndex << 2 | adts.channels >> 2,
                    (adts.channels & 3) << 6 | UInt8(truncatingIfNeeded: length >> 11), UInt8(truncatingIfNeeded: length >> 3),
                    UInt8(truncatingIfNeeded: length & 7) << 5 | 0x1F, 0xFC)
                withUnsafeBytes(of: header) { writer.write($0) }
            }
            writer.write(sample)
        case .ac3, .eac3:
            writer.write(sample)
        }
    }

    static let startCode: [UInt8] = [0, 0, 0, 1]
}

extension ElementaryStream {
    /// NAL unit types of the access unit delimiter and the sequence parameter set.
    var delimiterType: UInt8 { codec == .hevc ? 35 : 9 }
    var sequenceParameterSetType: UInt8 { codec == .hevc ? 33 : 7 }

    func nalType(_ sample: UnsafeRawBufferPointer, _ unit: Range<Int>) -> UInt8 {
        guard !unit.isEmpty else { return 0xFF }
        let first = sample[unit.lowerBound]
        return codec == .hevc ? first >> 1 & 0x3F : first & 0x1F
    }

    /// Calls `body` with the range of each NAL unit of a length-prefixed sample, in order;
    /// returns the length of a unit that overruns the sample (after the units before it), else nil.
    func forEachNALUnit(in sample: UnsafeRawBufferPointer, _ body: (Range<Int>) -> Void) -> Int? {
        guard nalLengthSize > 0 else { return nil }
        var p = 0
        while p + nalLengthSize <= sample.count {
            var length = 0
            for k in 0..<nalLengthSize { length = length << 8 | Int(sample[p + k]) }
            p += nalLengthSize
            guard length <= sample.count - p else { return length }
            body(p..<p + length)
            p += length
        }
        return nil
    }

    /// Takes what the first access unit (a keyframe) carries as what every one carries,
    /// for predicting sizes. A sample that cannot be split leaves the defaults.
    mutating func learnInBand(from firstKeyframe: ArraySlice<UInt8>) {
        guard isVideo else { return }
        var learned = InBand()
        let overrun = firstKeyframe.withUnsafeBytes { sample in
            forEachNALUnit(in: sample) { unit in
                let type = nalType(sample, unit)
                if type == delimiterType { learned.accessUnitDelimiter = true }
                if type == sequenceParameterSetType { learned.parameterSets = true }
            }
        }
        if overrun == nil { inBand = learned }
    }
}

enum AudioSpecificConfigRates {
    static let rates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350]
    static func index(of rate: Int) -> Int? { rates.firstIndex(of: rate) }
}
