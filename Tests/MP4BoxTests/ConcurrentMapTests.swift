import Testing
import MP4Box

@Suite struct ConcurrentMapTests {
    @Test func resultsInOrderOptionalsKept() {
        let numbers = Array(0..<200)
        #expect(numbers.concurrentMap { $0 * 3 } == numbers.map { $0 * 3 })
        let optional: [Int?] = numbers.concurrentMap { $0 % 3 == 0 ? nil : $0 }
        #expect(optional.count == 200 && optional[0] == nil && optional[1] == 1 && optional[3] == nil)
        #expect([7].concurrentMap { $0 + 1 } == [8] && [Int]().concurrentMap { $0 }.isEmpty)
    }
}
