/// Our side of an answer (RFC 8829 §5.3): ICE-lite credentials and candidates (RFC 8839), the DTLS
/// certificate fingerprint and role (RFC 8842), codecs, direction and the tracks we send.
public struct AnswerOptions: Sendable {
    public var iceUfrag: String
    public var icePwd: String
    public var iceLite: Bool = true
    public var fingerprint: SDPFingerprint
    public var setup: DTLSSetupRole = .passive
    public var candidates: [SDPCandidate]
    public var endOfCandidates: Bool = true
    /// Ordered by preference, both kinds.
    public var codecs: [CodecCapability]
    /// What we do: `.sendonly` for WHEP (viewer), `.recvonly` for WHIP (publisher).
    public var localDirection: MediaDirection
    /// The SSRC/msid we send per kind, when we send.
    public var localTracks: [MediaKind: LocalTrack] = [:]
    /// Header-extension URIs we accept, echoed with the offer's ids (RFC 8285 §7).
    public var supportedExtensions: Set<String> = []
    public var sessionID: UInt64
    /// `o=` session version (RFC 8866 §5.2).
    public var sessionVersion: UInt64 = 2
    /// When set, an offered `m=application … UDP/DTLS/SCTP webrtc-datachannel` section is accepted
    /// with these parameters (RFC 8841); when nil it is rejected.
    public var dataChannels: DataChannelParameters?
    /// Most `a=simulcast:send` layers accepted per receiving video section; 0 answers without
    /// simulcast, so the sender falls back to one encoding (`acceptSimulcast`).
    public var maxSimulcastLayers = 0
    /// Answers an offered `rtx` for the chosen video codec (same payload type) when the codec's
    /// NACK is negotiated (RFC 4588); a sending section signals the track's `rtxSSRC` with
    /// `a=ssrc-group:FID`.
    public var retransmission = false
    /// Answers an offered `red` carrying only the chosen Opus payload type (RFC 2198); the RED
    /// payload type is listed first so the peer sends and expects RED.
    public var redundancy = false
    /// Most `a=ssrc-group:FID` pairs read from one offered section.
    public var maxRetransmissionPairs = 8

    public init(iceUfrag: String, icePwd: String, iceLite: Bool = true, fingerprint: SDPFingerprint,
                setup: DTLSSetupRole = .passive, candidates: [SDPCandidate], endOfCandidates: Bool = true,
                codecs: [CodecCapability], localDirection: MediaDirection,
                localTracks: [MediaKind: LocalTrack] = [:], supportedExtensions: Set<String> = [],
                sessionID: UInt64) {
        self.iceUfrag = iceUfrag
        self.icePwd = icePwd
        self.iceLite = iceLite
        self.fingerprint = fingerprint
        self.setup = setup
        self.candidates = candidates
        self.endOfCandidates = endOfCandidates
        self.codecs = codecs
        self.localDirection = localDirection
        self.localTracks = localTracks
        self.supportedExtensions = supportedExtensions
        self.sessionID = sessionID
    }
}

/// Our side of the SCTP association a data channel section negotiates (RFC 8841 §5, §6).
public struct DataChannelParameters: Sendable, Equatable {
    /// `a=sctp-port`.
    public var sctpPort: UInt16
    /// `a=max-message-size`: the largest message we accept.
    public var maxMessageSize: Int

    public init(sctpPort: UInt16 = 5000, maxMessageSize: Int = 262_144) {
        self.sctpPort = sctpPort
        self.maxMessageSize = maxMessageSize
    }
}
