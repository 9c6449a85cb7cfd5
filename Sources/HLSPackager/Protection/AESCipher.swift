import CCrypto

/// AES-128 from libcrypto in the modes segment encryption needs. Encryption happens while
/// segments are cut, on the worker pool.
enum AESCipher {
    /// AES-128-CBC with PKCS#7 padding: a whole HLS AES-128 segment.
    static func cbcPadded(_ data: [UInt8], key: [UInt8], iv: [UInt8]) -> [UInt8] {
        guard let context = EVP_CIPHER_CTX_new() else { return [] }
        defer { EVP_CIPHER_CTX_free(context) }
        guard EVP_EncryptInit_ex(context, EVP_aes_128_cbc(), nil, key, iv) == 1 else { return [] }
        var out = [UInt8](repeating: 0, count: data.count + 16)
        var written: Int32 = 0, final: Int32 = 0
        let ok = out.withUnsafeMutableBufferPointer { o in
            data.withUnsafeBufferPointer { i in
                EVP_EncryptUpdate(context, o.baseAddress, &written, i.baseAddress, Int32(clamping: i.count)) == 1
                    && EVP_EncryptFinal_ex(context, o.baseAddress.map { $0 + Int(written) }, &final) == 1
            }
        }
        guard ok else { return [] }
        out.removeLast(out.count - Int(written) - Int(final))
        return out
    }

    /// `cenc`: AES-128-CTR over the protected ranges of one sample, in place, the counter
    /// running on from one range to the next (they are one stream to the decryptor).
    static func ctr(_ sample: inout [UInt8], ranges: [Range<Int>], key: [UInt8], iv: [UInt8]) -> Bool {
        guard let context = EVP_CIPHER_CTX_new() else { return false }
        defer { EVP_CIPHER_CTX_free(context) }
        guard EVP_EncryptInit_ex(context, EVP_aes_128_ctr(), nil, key, iv) == 1 else { return false }
        return sample.withUnsafeMutableBufferPointer { buffer in
            ranges.allSatisfy { range in
                guard let base = buffer.baseAddress, range.lowerBound >= 0, range.upperBound <= buffer.count else { return false }
                var written: Int32 = 0
                return EVP_EncryptUpdate(context, base + range.lowerBound, &written, base + range.lowerBound, Int32(clamping: range.count)) == 1
            }
        }
    }

    /// `cbcs`: AES-128-CBC in place over each protected range, the chain restarting from
    /// `iv` in every range; of every `crypt + skip` blocks the first `crypt` are encrypted
    /// (`skip` 0: every whole block), a trailing partial block stays clear.
    static func cbcPattern(_ sample: inout [UInt8], ranges: [Range<Int>], key: [UInt8], iv: [UInt8], crypt: Int, skip: Int) -> Bool {
        guard let context = EVP_CIPHER_CTX_new() else { return false }
        defer { EVP_CIPHER_CTX_free(context) }
        return sample.withUnsafeMutableBufferPointer { buffer in
            ranges.allSatisfy { range in
                guard let base = buffer.baseAddress, range.lowerBound >= 0, range.upperBound <= buffer.count,
                      EVP_EncryptInit_ex(context, EVP_aes_128_cbc(), nil, key, iv) == 1 else { return false }
                EVP_CIPHER_CTX_set_padding(context, 0)
                let blocks = range.count / 16
                var block = 0
                while block < blocks {
                    let run = skip == 0 ? blocks - block : min(crypt, blocks - block)
                    var written: Int32 = 0
                    let at = base + range.lowerBound + block * 16
                    guard EVP_EncryptUpdate(context, at, &written, at, Int32(clamping: run * 16)) == 1 else { return false }
                    block += run + skip
                }
                return true
            }
        }
    }
}

/// SHA-256 for IVs derived in the packager.
enum Digest {
    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = EVP_Digest(bytes, bytes.count, &out, &length, EVP_sha256(), nil)
        return out
    }
}
