// libFuzzer entry point for index files (MP4Box.MovieIndexFile): every input is read as
// the index file of a real MP4 and, when it is taken, packaged into every playlist, the
// MPD and the first CMAF and TS segments (HLSPackager.PackagerExercise.run(indexBytes:)).
// Errors are fine; a trap is a crash. Seeds are the fixtures' index files (fuzz/run.sh).
// Built by fuzz/run.sh with MP4Box and HLSPackager compiled as one module.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIndex(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    PackagerExercise.run(indexBytes: Array(UnsafeBufferPointer(start: data, count: size)), sourcePath: "Tests/Fixtures/h264_bframes_aac.mp4")
    return 0
}
