// libFuzzer entry point for the MP4 parser: every input must be read or
// refused with an MP4Error, and whatever is read must be safe to walk.
// Built by fuzz/run.sh with `swiftc -sanitize=fuzzer,address` over Sources/MP4Box.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMP4(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let movie = try? Movie.read(from: MemoryByteSource(bytes)) else { return 0 }
    for track in movie.tracks {
        let timeline = PresentationTimeline(track: track, movieTimescale: movie.timescale)
        var checksum: Int64 = 0
        timeline.forEach { checksum &+= $0.dts &+ $0.pts }
        _ = track.codecString
        _ = track.sampleEntry?.channelCount
        _ = InitSegmentWriter.write(tracks: [.init(track: track)])
        if !track.samples.isEmpty {
            let samples = track.samples.samples(0..<min(track.samples.count, 50))
            _ = FragmentWriter.write(sequenceNumber: 1, runs: [.init(trackID: 1, baseDecodeTime: 0, samples: samples.map {
                .init(offset: $0.offset, size: $0.size, duration: $0.duration, compositionOffset: $0.compositionOffset, isSync: $0.isSync)
            })])
        }
    }
    _ = MovieReport(movie: movie, includeSamples: true)
    return 0
}
