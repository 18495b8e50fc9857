import TestSupport

/// Bytes from a hex string with optional spaces (test vectors).
func hexBytes(_ text: String) -> [UInt8] {
    let digits = Array(text.utf8.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n") })
    var out: [UInt8] = []
    var index = 0
    while index + 1 < digits.count {
        let pair = String(decoding: digits[index...index + 1], as: UTF8.self)
        out.append(UInt8(pair, radix: 16) ?? 0)
        index += 2
    }
    return out
}

/// One RTP packet as the depacketizers see it.
struct TestPacket {
    var payload: [UInt8]
    var sequenceNumber: UInt16
    var rtpTimestamp: UInt32
    var marker: Bool
}
