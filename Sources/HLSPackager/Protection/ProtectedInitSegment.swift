import MP4Box

/// The init segment of a `cenc` or `cbcs` track: its sample entry renamed `encv`/`enca`
/// with a `sinf` (`frma` the original format, `schm` the scheme, `tenc` the KID and IV
/// rules), and a W3C common `pssh` naming the KID (what ClearKey and EME read).
enum ProtectedInitSegment {
    /// W3C "Common PSSH box format" system id, 1077efec-c0b2-4d02-ace3-3c1e52e2fb4b.
    static let commonSystemID: [UInt8] = [0x10, 0x77, 0xef, 0xec, 0xc0, 0xb2, 0x4d, 0x02, 0xac, 0xe3, 0x3c, 0x1e, 0x52, 0xe2, 0xfb, 0x4b]

    static func write(_ track: PackagedTrack, _ protection: Protection) throws(PackagerError) -> [UInt8] {
        guard var entry = track.track.sampleEntry, entry.raw.count >= 8, entry.raw[0...3] != [0, 0, 0, 1] else {
            throw .unsupportedCodec(file: track.sourcePath, codec: track.codec)
        }
        var raw = entry.raw
        raw.replaceSubrange(4..<8, with: Array((track.kind == .video ? "encv" : "enca").utf8))
        raw += sinf(format: entry.format, scheme: protection.scheme, key: protection.key, video: track.kind == .video)
        let size = UInt32(clamping: raw.count)
        raw.replaceSubrange(0..<4, with: [UInt8(size >> 24), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)])
        entry.raw = raw
        var protected = track.track
        protected.sampleDescription = SampleDescriptionBox(entries: [entry])
        var bytes = InitSegmentWriter.write(tracks: [.init(track: protected, trackID: 1)])
        // The moov is the last box: the pssh goes at its end.
        let ftyp = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        let pssh = self.pssh(protection.key)
        let moov = bytes.count - ftyp + pssh.count
        bytes.replaceSubrange(ftyp..<ftyp + 4, with: [UInt8(moov >> 24 & 0xFF), UInt8(moov >> 16 & 0xFF), UInt8(moov >> 8 & 0xFF), UInt8(moov & 0xFF)])
        return bytes + pssh
    }

    static func sinf(format: FourCC, scheme: EncryptionScheme, key: ContentKey, video: Bool) -> [UInt8] {
        var w = ByteWriter(capacity: 96)
        w.box("sinf") { sinf in
            sinf.box("frma") { $0.fourCC(format) }
            sinf.box("schm") { schm in
                schm.versionAndFlags(0, 0)
                schm.fourCC(scheme == .cbcs ? "cbcs" : "cenc")
                schm.u32(0x0001_0000)
            }
            sinf.box("schi") { schi in
                schi.box("tenc") { tenc in
                    let cbcs = scheme == .cbcs
                    tenc.versionAndFlags(cbcs ? 1 : 0, 0)
                    tenc.u8(0)
                    tenc.u8(cbcs && video ? UInt8(SampleEncryptor.crypt << 4 | SampleEncryptor.skip) : 0)
                    tenc.u8(1)
                    tenc.u8(cbcs ? 0 : 8)
                    tenc.append(key.id)
                    if cbcs { tenc.u8(16); tenc.append(key.iv) }
                }
            }
        }
        return w.bytes
    }

    static func pssh(_ key: ContentKey) -> [UInt8] {
        var w = ByteWriter(capacity: 52)
        w.box("pssh") { p in
            p.versionAndFlags(1, 0)
            p.append(commonSystemID)
            p.u32(1)
            p.append(key.id)
            p.u32(0)
        }
        return w.bytes
    }
}
