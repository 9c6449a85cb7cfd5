// libFuzzer entry point for the HTTP/1.1 request parser, chunked decoder, response-head parser, cache policy and tus headers.
// Built by fuzz/run.sh with `swiftc -sanitize=fuzzer,address` over Sources/VODKit/HTTP.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    HTTPParserExercise.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
