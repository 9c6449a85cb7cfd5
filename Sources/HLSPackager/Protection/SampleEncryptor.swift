import MP4Box

/// Encrypts the samples of one track as ISO/IEC 23001-7 says for its scheme and codec.
///
/// Video (AVC, HEVC: length-prefixed NAL units): NAL units other than coded slices stay
/// clear; of each slice, the length prefix, the NAL header and the slice header stay clear
/// (H.264: read to its last bit with the parameter sets, `AVCParameterSets`; HEVC, or a
/// slice that cannot be read: the 32 bytes after the NAL header, which Apple's SAMPLE-AES
/// also leaves), and the rest is protected in whole 16-byte blocks (what is left over joins
/// the clear bytes of the next subsample).
/// Audio: the whole sample (`cenc`), or its whole blocks (`cbcs`).
struct SampleEncryptor {
    let scheme: EncryptionScheme
    let key: ContentKey
    /// The NAL length size for NAL-structured video, nil for whole-sample encryption.
    let nalLengthSize: Int?
    let isHEVC: Bool
    /// Distinguishes the IVs of different source tracks under one key (`cenc`).
    let trackTag: UInt16
    /// H.264: the parameter sets of the sample entry, to find where each slice header ends.
    let parameterSets: AVCParameterSets?

    /// Bytes of each coded slice left clear after its NAL header.
    static let sliceHeaderAllowance = 32
    /// The `cbcs` pattern for video: 1 block encrypted, 9 clear.
    static let crypt = 1, skip = 9

    /// Nil for codecs whose samples this cannot encrypt as the spec says (AV1, VP9…).
    init?(track: PackagedTrack, protection: Protection) {
        guard let entry = track.track.sampleEntry else { return nil }
        scheme = protection.scheme
        key = protection.key
        trackTag = UInt16(truncatingIfNeeded: track.track.id)
        parameterSets = entry.avcC.map { AVCParameterSets(avcC: $0) }
        switch track.kind {
        case .audio:
            nalLengthSize = nil
            isHEVC = false
        case .video:
            if let avcC = entry.avcC { nalLengthSize = avcC.nalLengthSize; isHEVC = false }
            else if let hvcC = entry.hvcC { nalLengthSize = hvcC.nalLengthSize; isHEVC = true }
            else { return nil }
        }
    }

    var ivSize: Int { scheme == .cenc ? 8 : 0 }

    /// The 8-byte IV of source sample `index` (`cenc`): track tag and sample number, unique per
    /// sample under the key however the sample is cut into segments or clips.
    func iv(sourceSample index: Int32) -> [UInt8] {
        let value = UInt64(trackTag) << 48 | UInt64(UInt32(bitPattern: index))
        return (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
    }

    /// Encrypts the sample at `sample` in `buffer` in place; returns its subsamples (nil for
    /// whole-sample encryption), and whether libcrypto did it.
    func encrypt(_ buffer: inout [UInt8], sample: Range<Int>, sourceSample index: Int32) -> (ok: Bool, subsamples: [SampleEncryptionInput.Subsample]?) {
        let map = nalLengthSize.map { subsampleMap(buffer[sample], lengthSize: $0) }
        var ranges: [Range<Int>] = []
        if let map {
            var at = sample.lowerBound
            for s in map {
                at += Int(s.clear)
                if s.protected > 0 { ranges.append(at..<at + Int(s.protected)) }
                at += Int(s.protected)
            }
        } else {
            ranges = [sample.lowerBound..<sample.lowerBound + (scheme == .cenc ? sample.count : sample.count / 16 * 16)]
        }
        let ok: Bool
        switch scheme {
        case .cenc: ok = AESCipher.ctr(&buffer, ranges: ranges, key: key.key, iv: iv(sourceSample: index) + [UInt8](repeating: 0, count: 8))
        case .cbcs: ok = AESCipher.cbcPattern(&buffer, ranges: ranges, key: key.key, iv: key.iv, crypt: map == nil ? 1 : Self.crypt, skip: map == nil ? 0 : Self.skip)
        case .aes128: ok = false
        }
        return (ok, map)
    }

    /// Clear and protected byte counts over the sample's NAL units.
    func subsampleMap(_ sample: ArraySlice<UInt8>, lengthSize: Int) -> [SampleEncryptionInput.Subsample] {
        var pairs: [(clear: Int, protected: Int)] = []
        var clear = 0
        let base = sample.startIndex, count = sample.count
        var sets = parameterSets  // in-band SPS/PPS apply to the slices after them
        var at = 0
        while at < count {
            guard at + lengthSize <= count else { clear += count - at; break }
            var size = 0
            for k in 0..<lengthSize { size = size << 8 | Int(sample[base + at + k]) }
            let total = min(lengthSize + size, count - at)
            let nal = sample[(base + at + lengthSize)..<(base + at + total)]
            if !isHEVC, let first = nal.first, first & 0x1F == 7 || first & 0x1F == 8 { sets?.add(nal) }
            let header = (!isHEVC ? sets?.sliceHeaderLength(nal) : nil) ?? ((isHEVC ? 2 : 1) + Self.sliceHeaderAllowance)
            let leader = lengthSize + header
            if total > lengthSize, isSlice(sample[base + at + lengthSize]), total >= leader + 16 {
                let protected = (total - leader) / 16 * 16
                pairs.append((clear + total - protected, protected))
                clear = 0
            } else {
                clear += total
            }
            at += total
        }
        if clear > 0 || pairs.isEmpty { pairs.append((clear, 0)) }
        // Entries hold a 16-bit clear count and at most `maxSubsamples` fit in `saiz`: split
        // long clear runs, and leave the first slices clear when there are too many.
        var out: [SampleEncryptionInput.Subsample] = []
        for (c, p) in pairs {
            var c = c
            while c > Int(UInt16.max) { out.append(.init(clear: .max, protected: 0)); c -= Int(UInt16.max) }
            out.append(.init(clear: UInt16(c), protected: UInt32(clamping: p)))
        }
        while out.count > SampleEncryptionInput.maxSubsamples {
            let first = out.removeFirst()
            let merged = Int(first.clear) + Int(first.protected) + Int(out[0].clear)
            if merged > Int(UInt16.max) { out.insert(.init(clear: first.clear, protected: first.protected), at: 0); break }
            out[0].clear = UInt16(merged)
        }
        return out
    }

    /// Whether the NAL unit whose header starts with `byte` is a coded slice.
    func isSlice(_ byte: UInt8) -> Bool {
        if isHEVC { return (byte >> 1) & 0x3F <= 31 }
        let type = byte & 0x1F
        return type >= 1 && type <= 5
    }
}
