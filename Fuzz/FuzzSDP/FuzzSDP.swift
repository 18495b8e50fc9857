// libFuzzer target for the SDP parser and answerer (RFC 8866, RFC 8829 §5.3) and for trickle-ICE
// SDP fragments (RFC 8840 §9, as in WHIP/WHEP PATCH bodies).
//
// Single source file on purpose: a plain `swift build` compiles it as the executable's main file
// (an empty program), while `--sanitize=fuzzer` builds it as a library whose entry point is
// libFuzzer's driver calling `LLVMFuzzerTestOneInput`. See Fuzz/README.md.
import SDP

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    SDPFuzzHarness.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// Parses the input as an offer; when it parses, checks the round trip and answers it as a WHEP
/// viewer (sendonly, H.264 + Opus) would. Traps when an invariant breaks.
enum SDPFuzzHarness {
    static let options = AnswerOptions(
        iceUfrag: "fzUf", icePwd: "fuzzpasswordfuzzpassword",
        fingerprint: SDPFingerprint(digest: Array(repeating: 0xab, count: 32)),
        candidates: [SDPCandidate(foundation: "1", priority: 2_130_706_431, address: "192.0.2.10", port: 8189,
                                  type: "host")],
        codecs: [CodecCapability(name: "H264", kind: .video, clockRate: 90000,
                                 fmtp: ["level-asymmetry-allowed": "1", "packetization-mode": "1", "profile-level-id": "42e01f"],
                                 rtcpFeedback: ["nack", "nack pli", "ccm fir"]),
                 CodecCapability(name: "opus", kind: .audio, clockRate: 48000, channels: 2,
                                 fmtp: ["minptime": "10", "useinbandfec": "1"])],
        localDirection: .sendonly,
        localTracks: [.video: LocalTrack(ssrc: 0x1111_1111, cname: "fuzz", streamID: "s", trackID: "v"),
                      .audio: LocalTrack(ssrc: 0x2222_2222, cname: "fuzz", streamID: "s", trackID: "a")],
        supportedExtensions: ["urn:ietf:params:rtp-hdrext:sdes:mid",
                              "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"],
        sessionID: 42)

    /// Small caps for fragments, so the fuzzer reaches them.
    static let fragmentLimits: SDPLimits = {
        var limits = SDPLimits()
        limits.maxLines = 64
        limits.maxLineLength = 512
        limits.maxMediaSections = 4
        limits.maxCandidatesPerMedia = 4
        return limits
    }()

    static func run(_ bytes: [UInt8]) {
        checkTrickleFragment(String(decoding: bytes, as: UTF8.self))
        guard let offer = try? SessionDescription(parsing: bytes) else { return }
        checkRoundTrip(offer, what: "offer")

        guard let (answer, media) = try? SDPAnswerer.answer(to: offer, options: options) else { return }
        guard media.count == offer.media.count, answer.media.count == offer.media.count else {
            fatalError("answer has \(answer.media.count) sections and \(media.count) results for "
                       + "\(offer.media.count) offered sections")
        }
        guard media.contains(where: \.accepted) else { fatalError("answer returned with no accepted section") }
        for (offered, answered) in zip(offer.media, answer.media) where answered.kind != offered.kind {
            fatalError("answer section of kind \(answered.kind) for an offered \(offered.kind) section")
        }
        checkRoundTrip(answer, what: "answer")
    }

    /// Serialization is canonical: the text re-parses, serializes to the same text, and keeps
    /// every attribute and media line (other lines may be reordered into RFC 8866 order).
    static func checkRoundTrip(_ description: SessionDescription, what: String) {
        let text = description.serialized()
        let reparsed: SessionDescription
        do {
            reparsed = try SessionDescription(parsing: text)
        } catch {
            fatalError("serialized \(what) does not re-parse: \(error)\n\(text)")
        }
        guard reparsed.serialized() == text else {
            fatalError("serialized \(what) is not canonical:\n\(text)\n---\n\(reparsed.serialized())")
        }
        guard reparsed.origin == description.origin, reparsed.sessionName == description.sessionName,
              reparsed.connection == description.connection, reparsed.attributes == description.attributes,
              reparsed.media.count == description.media.count else {
            fatalError("\(what) session fields change in a round trip:\n\(text)")
        }
        for (before, after) in zip(description.media, reparsed.media) {
            guard before.lineValue == after.lineValue, before.connection == after.connection,
                  before.attributes == after.attributes else {
                fatalError("\(what) media section '\(before.lineValue)' changes in a round trip:\n\(text)")
            }
        }
    }

    /// A fragment that parses stays within the caps, re-parses from `serialized()` to the same
    /// fragment, and serializing again gives the same text.
    static func checkTrickleFragment(_ text: String) {
        guard let fragment = try? TrickleFragment(parsing: text, limits: fragmentLimits) else { return }
        guard fragment.sections.count <= fragmentLimits.maxMediaSections,
              fragment.sections.allSatisfy({ $0.candidates.count <= fragmentLimits.maxCandidatesPerMedia }),
              fragment.candidateCount == fragment.sections.reduce(0, { $0 + $1.candidates.count }) else {
            fatalError("fragment over the caps: \(fragment.sections.map(\.candidates.count)) candidates")
        }
        let written = fragment.serialized()
        let reparsed: TrickleFragment
        do {
            reparsed = try TrickleFragment(parsing: written)
        } catch {
            fatalError("serialized fragment does not re-parse: \(error)\n\(written)")
        }
        guard reparsed == fragment, reparsed.serialized() == written else {
            fatalError("fragment changes in a round trip:\n\(fragment)\n---\n\(reparsed)\n\(written)")
        }
    }
}
