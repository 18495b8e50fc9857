import DTLS
import Testing

@Suite("Fingerprints (RFC 8122 §5) and certificates")
struct DTLSFingerprintTests {
    @Test func parsesSDPValue() throws {
        let text = "sha-256 " + Array(repeating: "ab", count: 32).joined(separator: ":")
        let fingerprint = try #require(DTLSFingerprint(sdpValue: text))
        #expect(fingerprint.algorithm == "sha-256")
        #expect(fingerprint.value == Array(repeating: "AB", count: 32).joined(separator: ":"))
        #expect(fingerprint.digest == Array(repeating: 0xAB, count: 32))
        #expect(fingerprint.sdpValue == "sha-256 " + fingerprint.value)
        #expect(DTLSFingerprint(sdpValue: "SHA-256 01:02") == DTLSFingerprint(algorithm: "sha-256", value: "01:02"))
        #expect(DTLSFingerprint(algorithm: "sha-1", digest: [0x0A, 0xFF]).value == "0A:FF")
    }

    @Test func rejectsMalformedSDPValues() {
        for text in ["", "sha-256", "sha-256 ", "sha-256 AB:C", "sha-256 AB::CD", "sha-256 AB:CD:",
                     "sha-256 GG", "sha 256 AB", "sha-256 AB CD", "sha/256 AB", "sha-256 ABCD"] {
            #expect(DTLSFingerprint(sdpValue: text) == nil, "\(text)")
        }
    }

    @Test func capsDigestAndAttributeLength() {
        let sixtyFour = "sha-512 " + Array(repeating: "00", count: 64).joined(separator: ":")
        #expect(sixtyFour.utf8.count <= DTLSFingerprint.maxSDPValueLength)
        #expect(DTLSFingerprint(sdpValue: sixtyFour)?.digest?.count == 64)
        let sixtyFive = "sha-512 " + Array(repeating: "00", count: 65).joined(separator: ":")
        #expect(DTLSFingerprint(sdpValue: sixtyFive) == nil)
        let atLimit = String(repeating: "a", count: 253) + " 00"
        #expect(atLimit.utf8.count == DTLSFingerprint.maxSDPValueLength)
        #expect(DTLSFingerprint(sdpValue: atLimit) != nil)
        #expect(DTLSFingerprint(sdpValue: "a" + atLimit) == nil)
    }

    @Test func generatedCertificatesHaveDistinctSHA256Fingerprints() throws {
        let first = try DTLSCertificate.generate()
        let second = try DTLSCertificate.generate(commonName: "other")
        #expect(first.fingerprint.algorithm == "sha-256")
        #expect(first.fingerprint.digest?.count == 32)
        #expect(first.fingerprint.value.count == 32 * 3 - 1)
        #expect(first.fingerprint != second.fingerprint)
        #expect(DTLSFingerprint(sdpValue: first.fingerprint.sdpValue) == first.fingerprint)
    }

    @Test func rejectsInvalidCommonNames() {
        #expect(throws: DTLSError.invalidCommonName) { try DTLSCertificate.generate(commonName: "") }
        #expect(throws: DTLSError.invalidCommonName) {
            try DTLSCertificate.generate(commonName: String(repeating: "x", count: 65))
        }
        #expect(throws: DTLSError.invalidCommonName) { try DTLSCertificate.generate(commonName: "caf\u{e9}") }
    }
}
