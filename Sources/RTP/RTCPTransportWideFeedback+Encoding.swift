import RTCBase

extension RTCPTransportWideFeedback {
    /// Receive delta in 250 µs ticks, rounded to nearest and clamped to the 16-bit signed range.
    static func ticks(_ microseconds: Int64) -> Int16 {
        let half = tickMicroseconds / 2
        let rounded = microseconds >= 0
            ? microseconds.addingReportingOverflow(half).partialValue / tickMicroseconds
            : microseconds.subtractingReportingOverflow(half).partialValue / tickMicroseconds
        return Int16(clamping: rounded)
    }

    /// Status symbol per packet plus the ticks of each received one.
    private var encodedSymbols: (symbols: [UInt8], ticks: [Int16]) {
        var symbols: [UInt8] = []
        var ticks: [Int16] = []
        symbols.reserveCapacity(packets.count)
        ticks.reserveCapacity(packets.count)
        for packet in packets.prefix(Int(UInt16.max)) {
            guard let delta = packet.deltaMicroseconds else {
                symbols.append(Symbol.notReceived.rawValue)
                continue
            }
            let tick = Self.ticks(delta)
            symbols.append(tick >= 0 && tick <= 255 ? Symbol.smallDelta.rawValue : Symbol.largeDelta.rawValue)
            ticks.append(tick)
        }
        return (symbols, ticks)
    }

    /// Packs status symbols into chunks: a run-length chunk for runs of 14 or more (or a run that
    /// ends the list), a 14-symbol one-bit vector when no large delta is near, otherwise a
    /// 7-symbol two-bit vector.
    static func chunks(for symbols: [UInt8]) -> [UInt16] {
        var chunks: [UInt16] = []
        var index = 0
        while index < symbols.count {
            let symbol = symbols[index]
            var run = 1
            while index + run < symbols.count, run < 0x1FFF, symbols[index + run] == symbol { run += 1 }
            if run >= 14 || index + run == symbols.count {
                chunks.append(UInt16(symbol) << 13 | UInt16(run))
                index += run
                continue
            }
            let window = symbols[index..<min(index + 14, symbols.count)]
            if window.allSatisfy({ $0 <= 1 }) {
                var chunk: UInt16 = 0x8000
                for (bit, value) in window.enumerated() { chunk |= UInt16(value) << (13 - bit) }
                chunks.append(chunk)
                index += window.count
            } else {
                let pair = symbols[index..<min(index + 7, symbols.count)]
                var chunk: UInt16 = 0xC000
                for (slot, value) in pair.enumerated() { chunk |= UInt16(value & 0x3) << (12 - 2 * slot) }
                chunks.append(chunk)
                index += pair.count
            }
        }
        return chunks
    }

    func write(into out: inout [UInt8]) {
        let (symbols, ticks) = encodedSymbols
        let start = RTCPWriter.beginPacket(&out, count: Self.format, packetType: RTCPPacket.transportFeedbackType)
        out.appendUInt32(senderSSRC)
        out.appendUInt32(mediaSSRC)
        out.appendUInt16(baseSequenceNumber)
        out.appendUInt16(UInt16(clamping: symbols.count))
        out.appendUInt24(referenceTime & 0xFF_FFFF)
        out.append(feedbackCount)
        for chunk in Self.chunks(for: symbols) { out.appendUInt16(chunk) }
        for tick in ticks {
            if tick >= 0 && tick <= 255 {
                out.append(UInt8(tick))
            } else {
                out.appendUInt16(UInt16(bitPattern: tick))
            }
        }
        // libwebrtc pads feedback with RFC 3550 padding (P bit), so do the same.
        RTCPWriter.finishPacket(&out, start: start, paddingBit: true)
    }
}
