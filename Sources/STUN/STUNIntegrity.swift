import CRTCShim

/// HMAC-SHA1 for MESSAGE-INTEGRITY (RFC 8489 §14.5) through OpenSSL's one-shot HMAC.
enum STUNIntegrity {
    static let length = 20

    /// Writes HMAC-SHA1(key, message) into `output` (20 bytes). False if OpenSSL failed.
    static func hmacSHA1(key: [UInt8], message: UnsafeBufferPointer<UInt8>,
                         into output: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        guard output.count >= length, let outBase = output.baseAddress else { return false }
        // OpenSSL wants non-null pointers even for empty inputs.
        var empty: UInt8 = 0
        return key.withUnsafeBufferPointer { keyBuffer in
            withUnsafePointer(to: &empty) { emptyPointer in
                let keyPointer = keyBuffer.baseAddress ?? emptyPointer
                let dataPointer = message.baseAddress ?? emptyPointer
                return rtc_hmac_sha1(keyPointer, keyBuffer.count, dataPointer, message.count, outBase) == 1
            }
        }
    }

    /// Compares without an early exit, so timing does not reveal how many bytes matched.
    static func constantTimeEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
