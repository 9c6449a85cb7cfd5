// libFuzzer entry point for the packager behind the parser: every input is read,
// laid out, planned and packaged into every playlist, the MPD and the first CMAF and
// TS segments (HLSPackager.PackagerExercise). Errors are fine; a trap is a crash.
// Built by fuzz/run.sh with MP4Box and HLSPackager compiled as one module.
import Foundation

let fuzzPath = NSTemporaryDirectory() + "vod-fuzz-packager-\(getpid()).mp4"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPackager(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Segments read sample bytes from the file, as the origin does.
    guard FileManager.default.createFile(atPath: fuzzPath, contents: Data(bytes)) else { return 0 }
    PackagerExercise.run(path: fuzzPath, bytes: bytes)
    return 0
}
