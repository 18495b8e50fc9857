import ICE
import Testing

@Suite struct ICETCPFramerTests {
    @Test func splitsFramesAcrossAnyReadBoundaries() throws {
        let payloads: [[UInt8]] = [[1], Array(repeating: 7, count: 300), [0, 1, 2, 3]]
        let stream = payloads.flatMap { ICETCPFramer.frame($0) ?? [] }
        for chunk in [1, 2, 3, 5, 64, stream.count] {
            var framer = ICETCPFramer(maxFrameBytes: 1500)
            var frames: [[UInt8]] = []
            var index = 0
            while index < stream.count {
                let end = min(index + chunk, stream.count)
                frames += try framer.append(stream[index..<end])
                index = end
            }
            #expect(frames == payloads, "chunk \(chunk)")
            #expect(framer.bufferedBytes == 0)
        }
    }

    @Test func frameAtTheCapPassesAndOnePastFails() throws {
        var framer = ICETCPFramer(maxFrameBytes: 1500)
        let atCap = [UInt8](repeating: 9, count: 1500)
        #expect(try framer.append(ICETCPFramer.frame(atCap) ?? []) == [atCap])
        var past = ICETCPFramer(maxFrameBytes: 1500)
        #expect(throws: ICETCPFramer.Failure.badLength(1501)) { try past.append([0x05, 0xdd]) }
        var empty = ICETCPFramer(maxFrameBytes: 1500)
        #expect(throws: ICETCPFramer.Failure.badLength(0)) { try empty.append([0, 0, 1]) }
    }

    @Test func buffersNoMoreThanOneFrame() throws {
        var framer = ICETCPFramer(maxFrameBytes: 100)
        let frame = ICETCPFramer.frame([UInt8](repeating: 1, count: 100)) ?? []
        #expect(try framer.append(frame.prefix(50)).isEmpty)
        #expect(framer.bufferedBytes == 50)
        let rest = try framer.append(frame.dropFirst(50) + [0x00])
        #expect(rest.count == 1 && framer.bufferedBytes == 1)
    }

    @Test func framingEncodesTheLength() {
        #expect(ICETCPFramer.frame([0xaa, 0xbb]) == [0, 2, 0xaa, 0xbb])
        #expect(ICETCPFramer.frame([UInt8](repeating: 0, count: 65535))?.prefix(2) == [0xff, 0xff])
        #expect(ICETCPFramer.frame([UInt8](repeating: 0, count: 65536)) == nil)
        #expect(ICETCPFramer.frame([UInt8]()) == nil)
        #expect(ICETCPFramer(maxFrameBytes: 1_000_000).maxFrameBytes == 65535)
    }
}
