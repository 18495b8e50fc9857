/// Master keys and salts for one SRTP session, as exported from a DTLS-SRTP handshake
/// (RFC 5764 §4.2). "Local" protects what this endpoint sends; "remote" unprotects what it receives.
public struct SRTPKeyingMaterial: Sendable, Equatable {
    public var profile: SRTPProtectionProfile
    public var localMasterKey: [UInt8]
    public var localMasterSalt: [UInt8]
    public var remoteMasterKey: [UInt8]
    public var remoteMasterSalt: [UInt8]

    public init(
        profile: SRTPProtectionProfile,
        localMasterKey: [UInt8], localMasterSalt: [UInt8],
        remoteMasterKey: [UInt8], remoteMasterSalt: [UInt8]
    ) {
        self.profile = profile
        self.localMasterKey = localMasterKey
        self.localMasterSalt = localMasterSalt
        self.remoteMasterKey = remoteMasterKey
        self.remoteMasterSalt = remoteMasterSalt
    }

    /// The same material seen from the peer: local and remote swapped.
    public var mirrored: SRTPKeyingMaterial {
        SRTPKeyingMaterial(
            profile: profile,
            localMasterKey: remoteMasterKey, localMasterSalt: remoteMasterSalt,
            remoteMasterKey: localMasterKey, remoteMasterSalt: localMasterSalt)
    }

    /// True when every key and salt has the length the profile requires.
    public var hasValidLengths: Bool {
        localMasterKey.count == profile.masterKeyLength
            && remoteMasterKey.count == profile.masterKeyLength
            && localMasterSalt.count == profile.masterSaltLength
            && remoteMasterSalt.count == profile.masterSaltLength
    }
}
