/// Our side of an offer (RFC 8829 §5.2): ICE credentials and host candidates (RFC 8839), the
/// DTLS fingerprint (`a=setup:actpass`, RFC 8842 §5), and one media section per entry of `sections`.
public struct OfferOptions: Sendable {
    /// One `m=` section we offer.
    public struct Section: Sendable {
        public var kind: MediaKind
        /// `.sendonly` for a WHIP publisher, `.recvonly` for a WHEP viewer.
        public var direction: MediaDirection
        /// Ordered by preference, this section's kind only (others are ignored).
        public var codecs: [CodecCapability]
        /// Our SSRC/msid when we send.
        public var localTrack: LocalTrack?
        /// Header extensions we offer, with our ids (1...14, RFC 8285 one-byte form).
        public var extensions: [ExtMap]

        public init(kind: MediaKind, direction: MediaDirection, codecs: [CodecCapability],
                    localTrack: LocalTrack? = nil, extensions: [ExtMap] = []) {
            self.kind = kind
            self.direction = direction
            self.codecs = codecs
            self.localTrack = localTrack
            self.extensions = extensions
        }
    }

    public var iceUfrag: String
    public var icePwd: String
    public var fingerprint: SDPFingerprint
    public var candidates: [SDPCandidate]
    /// `a=end-of-candidates` when every candidate is in the offer (no trickle to follow).
    public var endOfCandidates: Bool = true
    public var sections: [Section]
    public var sessionID: UInt64
    public var sessionVersion: UInt64 = 2

    public init(iceUfrag: String, icePwd: String, fingerprint: SDPFingerprint, candidates: [SDPCandidate],
                endOfCandidates: Bool = true, sections: [Section], sessionID: UInt64) {
        self.iceUfrag = iceUfrag
        self.icePwd = icePwd
        self.fingerprint = fingerprint
        self.candidates = candidates
        self.endOfCandidates = endOfCandidates
        self.sections = sections
        self.sessionID = sessionID
    }
}

/// What an answer to our offer settled (RFC 8829 §5.10): the peer's transport parameters, our
/// DTLS role and, per offered section in order, what was accepted.
public struct AcceptedAnswer: Sendable, Equatable {
    public var remoteUfrag: String
    public var remotePwd: String
    public var remoteFingerprint: SDPFingerprint
    /// Our DTLS role from the answer's `a=setup` (RFC 8842 §5): `.active` when the answer says
    /// `passive` (we open DTLS), `.passive` when it says `active` (or nothing, RFC 4145 §4).
    public var localSetup: DTLSSetupRole
    /// The answerer is ICE-lite (`a=ice-lite`): we control (RFC 8445 §6.1.1).
    public var remoteIsICELite: Bool
    /// Candidates from the answer's accepted sections, without duplicates.
    public var remoteCandidates: [SDPCandidate]
    /// One entry per offered section; `direction` is ours, `payloadType` the one the answer chose.
    public var media: [NegotiatedMedia]
}
