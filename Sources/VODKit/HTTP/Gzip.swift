import CZlib

/// The gzip content coding (RFC 1952, RFC 9110 8.4.1.3) from zlib: playlists and
/// manifests are compressed once when built and sent to clients that accept it
/// (`AcceptEncoding`). A 600-segment media playlist goes from 37 KB to under 2 KB.
public enum Gzip {
    /// Below this, compressing saves less than the headers it adds.
    public static let minimumBytes = 1024

    /// `bytes` as one gzip member, or nil when zlib fails or the result is not smaller.
    /// Level 6 is zlib's default; on playlists level 1 is as small within a few per cent.
    public static func compress(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8]? {
        guard bytes.count < Int(UInt32.max / 2) else { return nil }  // zlib counts one call's input in 32 bits
        var stream = z_stream()
        guard vod_gzip_deflate_init(&stream, level) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(bytes.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let status = bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        // deflateBound leaves room for one Z_FINISH call to end the stream.
        guard status == Z_STREAM_END, Int(stream.total_out) < bytes.count else { return nil }
        output.removeSubrange(Int(stream.total_out)...)
        return output
    }
}
