import Testing
@testable import RTP

@Suite struct UnwrapperTests {
    @Test func sequenceNumbersWrapForward() {
        var unwrapper = SequenceNumberUnwrapper()
        #expect([65534, 65535, 0, 1, 2].map { unwrapper.unwrap($0) } == [65534, 65535, 65536, 65537, 65538])
    }

    @Test func sequenceNumbersWrapBackwardAndReorder() {
        var unwrapper = SequenceNumberUnwrapper()
        #expect(unwrapper.unwrap(1) == 1)
        #expect(unwrapper.unwrap(65535) == -1)  // reordered packet from before the wrap
        #expect(unwrapper.unwrap(2) == 2)
        #expect(unwrapper.unwrap(0) == 0)
        #expect(unwrapper.unwrapped(40000) == 40000 - 65536)  // more than half away: backwards
        #expect(unwrapper.last == 0)
    }

    @Test func sequenceNumbersSurviveManyWraps() {
        var unwrapper = SequenceNumberUnwrapper()
        var value: Int64 = 0
        for step in 0..<(3 * 65536 / 1000) {
            value = unwrapper.unwrap(UInt16(truncatingIfNeeded: step * 1000))
        }
        #expect(value == Int64((3 * 65536 / 1000 - 1) * 1000))
    }

    @Test func timestampsWrapBothWays() {
        var unwrapper = TimestampUnwrapper()
        #expect(unwrapper.unwrap(0xFFFF_FF00) == 0xFFFF_FF00)
        #expect(unwrapper.unwrap(0x0000_0100) == 0x1_0000_0100)
        #expect(unwrapper.unwrap(0xFFFF_FFF0) == 0xFFFF_FFF0)  // reordered back across the wrap
        #expect(unwrapper.unwrap(0x8000_0000) == 0x1_8000_0000 - 0x1_0000_0000)
    }
}
