import CCrypto

/// OpenSSL 3 loads its default provider on the first digest a process asks for (about 1 ms
/// on this machine) and sets a cipher up on its first use (about 0.5 ms): done once at
/// start-up, so that the first player after a restart does not wait for it (a playlist's
/// ETag is a SHA-256, encrypted segments are AES-128 CBC or CTR, and an edge checksums every
/// object it writes).
public enum CryptoStart {
    public static func prepare() {
        _ = SHA256.hash([])
        guard let context = EVP_CIPHER_CTX_new() else { return }
        defer { EVP_CIPHER_CTX_free(context) }
        let zeros = [UInt8](repeating: 0, count: 16)
        _ = EVP_EncryptInit_ex(context, EVP_aes_128_cbc(), nil, zeros, zeros)
        _ = EVP_EncryptInit_ex(context, EVP_aes_128_ctr(), nil, zeros, zeros)
    }
}
