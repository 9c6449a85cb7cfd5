import Foundation
import Testing
@testable import HLSPackager

@Suite struct DecimalTextTests {
    /// The same text as printf's `%.6f` (and `%.3f`), ties included.
    @Test func writesWhatPrintfWrites() {
        var values: [Double] = [0, 1e-9, 4.9e-7, 5e-7, 5.0000001e-7, 1, 6, 0.0078125, 0.5, 1.5, 2.5, 1e11, 999_999.999_999_5,
                                Double(1) / 128, Double(3) / 1024, Double(5) / 2_097_152, 1.000_000_5, 6.006, 5.973_333_333]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let timescale = [1000, 1001, 24000, 30000, 44100, 48000, 90000, 1 << 20, 12800, 600][Int(generator.next() % 10)]
            values.append(Double(generator.next() % 100_000_000) / Double(timescale))
            values.append(Double(generator.next() % (1 << 30)) / Double(1 << (generator.next() % 40)))  // exact binary ties
        }
        for value in values {
            #expect(DecimalText.fixed(value, digits: 6) == String(format: "%.6f", value), "\(value)")
            #expect(DecimalText.fixed(value, digits: 3) == String(format: "%.3f", value), "\(value)")
        }
        #expect(DecimalText.fixed(-1.25, digits: 6) == "-1.250000" && DecimalText.fixed(.infinity, digits: 6) == String(format: "%.6f", Double.infinity))
    }
}
