import MP4Box

/// The encrypted forms of a protected video's segments, made on a worker (they read and
/// encrypt every sample byte). Nothing here ever returns a clear segment of a protected track.
extension SegmentedTrack {
    /// `init.mp4` of a protected track: clear for `aes-128` (its playlist puts EXT-X-MAP before
    /// the first EXT-X-KEY), with `encv`/`enca`, `sinf` and `pssh` for CENC.
    public func initSegment(protection: Protection) throws(PackagerError) -> ResponseBody {
        if protection.scheme == .aes128 { return initSegment() }
        guard SampleEncryptor(track: track, protection: protection) != nil else { throw cannotEncrypt(protection) }
        return ResponseBody(try ProtectedInitSegment.write(track, protection))
    }

    /// Media segment `segment` (0-based) encrypted: the whole segment for `aes-128` (IV from
    /// `segmentIV`), its samples with `senc`/`saiz`/`saio` for CENC.
    public func mediaSegment(_ segment: Int, protection: Protection, set: String) throws(PackagerError) -> ResponseBody {
        if protection.scheme == .aes128 {
            let body = try mediaSegment(segment)
            let clear: [UInt8]
            do throws(MP4Error) { clear = try body.materialize() } catch { throw .unreadable(file: track.sourcePath, error) }
            return ResponseBody(try Self.sealed(clear, protection, iv: protection.segmentIV(set: set, track: track.name, segment: segment), file: track.sourcePath))
        }
        guard segment >= 0 && segment < segmentCount else { throw .noSuchSegment(segment + 1) }
        guard let encryptor = SampleEncryptor(track: track, protection: protection) else { throw cannotEncrypt(protection) }
        var (runs, sidx) = fragmentInput(segment)
        let inputs = runs[0].samples
        // The samples' bytes in one buffer (a read per run of adjacent samples), encrypted in place.
        var ranges: [FileRange] = []
        for input in inputs { ranges.appendMerging(FileRange(offset: input.offset, length: Int64(input.size))) }
        var payload: [UInt8] = []
        payload.reserveCapacity(inputs.reduce(0) { $0 + Int($1.size) })
        do throws(MP4Error) {
            let source = try FileByteSource(path: track.sourcePath)
            for range in ranges { payload += try source.read(at: range.offset, count: Int(range.length)) }
        } catch { throw .unreadable(file: track.sourcePath, error) }
        var ivs: [[UInt8]] = [], subsamples: [[SampleEncryptionInput.Subsample]] = []
        var at = 0
        for (input, i) in zip(inputs, samples(of: segment)) {
            let sourceIndex = Int32(truncatingIfNeeded: track.sourceIndex(i))
            let (ok, subs) = encryptor.encrypt(&payload, sample: at..<at + Int(input.size), sourceSample: sourceIndex)
            guard ok else { throw .cannotProtect(file: track.sourcePath, reason: "libcrypto could not encrypt a sample") }
            if encryptor.ivSize > 0 { ivs.append(encryptor.iv(sourceSample: sourceIndex)) }
            if let subs { subsamples.append(subs) }
            at += Int(input.size)
        }
        // With a constant IV and whole samples (cbcs audio) there is no per-sample information: no senc.
        if encryptor.ivSize > 0 || encryptor.nalLengthSize != nil {
            runs[0].encryption = SampleEncryptionInput(ivSize: encryptor.ivSize, ivs: ivs, subsamples: encryptor.nalLengthSize == nil ? nil : subsamples)
        }
        let fragment = FragmentWriter.write(sequenceNumber: UInt32(truncatingIfNeeded: segment + 1), runs: runs, sidx: sidx)
        return ResponseBody(parts: [.bytes(fragment.header), .bytes(payload)])
    }

    /// A whole segment (TS or CMAF) encrypted with AES-128-CBC and PKCS#7 padding.
    public static func sealed(_ clear: [UInt8], _ protection: Protection, iv: [UInt8], file: String) throws(PackagerError) -> [UInt8] {
        let sealed = AESCipher.cbcPadded(clear, key: protection.key.key, iv: iv)
        guard !sealed.isEmpty else { throw .cannotProtect(file: file, reason: "libcrypto could not encrypt a segment") }
        return sealed
    }

    func cannotEncrypt(_ protection: Protection) -> PackagerError {
        .cannotProtect(file: track.sourcePath, reason: "track \(track.name) (\(track.codec)) cannot be encrypted with \(protection.scheme.rawValue)")
    }
}
