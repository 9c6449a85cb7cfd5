// libFuzzer entry point for the MP4 parser: every input must be read or
// refused with an MP4Error, and whatever is read must be safe to walk.
// Built by fuzz/run.sh with `swiftc -sanitize=fuzzer,address` over Sources/MP4Box.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMP4(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    ParserExercise.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
