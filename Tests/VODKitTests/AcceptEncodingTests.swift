import Testing
@testable import VODKit

@Suite struct AcceptEncodingTests {
    @Test func gzipIsAllowedWhenNamedOrCoveredByAStar() {
        for value in ["gzip", "gzip, deflate, br, zstd", "deflate, GZIP", "br;q=1.0, gzip;q=0.8", "x-gzip", "*", "identity, *;q=0.5", " gzip ; q=1 "] {
            #expect(AcceptEncoding.allowsGzip(value), "\(value)")
        }
    }

    @Test func gzipIsRefusedByWeightZeroAbsenceOrNoHeader() {
        for value in ["", "identity", "br, deflate", "gzip;q=0", "gzip;q=0.000, br", "*;q=0", "gzip;q=0, *", "*, gzip;q=0", "gzipped", "g zip", ",,;", "gzip;q="] {
            #expect(!AcceptEncoding.allowsGzip(value), "\(value)")
        }
        #expect(!AcceptEncoding.allowsGzip(nil))
    }

    @Test func compressionGainsOnPlaylistsAndGivesUpOnTinyOrRandomBytes() {
        let playlist = Array((0..<600).map { "#EXTINF:6.000,\n\($0 + 1).m4s\n" }.joined().utf8)
        let coded = Gzip.compress(playlist)
        #expect(coded.map { $0.count * 4 < playlist.count } == true)
        #expect(coded.map { Array($0.prefix(3)) } == [0x1f, 0x8b, 8])  // a gzip member, deflate
        var state: UInt64 = 7
        let noise = (0..<4096).map { _ -> UInt8 in state = state &* 6364136223846793005 &+ 1442695040888963407; return UInt8(truncatingIfNeeded: state >> 56) }
        #expect(Gzip.compress(noise) == nil)
        #expect(Gzip.compress([]) == nil)
    }
}
