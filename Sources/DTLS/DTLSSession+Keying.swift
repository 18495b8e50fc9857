import COpenSSL
import SRTP

extension DTLSSession {
    /// RFC 5705 exporter label for DTLS-SRTP (RFC 5764 §4.2).
    static let exporterLabel = "EXTRACTOR-dtls_srtp"

    /// After OpenSSL reports the handshake done: re-checks the peer certificate against the
    /// fingerprint pin, then exports the SRTP keys. Nothing is exported for a mismatching peer.
    func completeHandshake() {
        guard let peer = SSL_get1_peer_certificate(ssl) else {
            fail("no peer certificate")
            return
        }
        let matches = callbacks.pin.matches(peer)
        X509_free(peer)
        guard matches, !callbacks.fingerprintMismatch else {
            fail("fingerprint mismatch")
            return
        }
        guard let selected = SSL_get_selected_srtp_profile(ssl),
              let identifier = UInt16(exactly: selected.pointee.id),
              let profile = SRTPProtectionProfile(rawValue: identifier),
              configuration.profiles.contains(profile)
        else {
            fail("no SRTP protection profile negotiated")
            return
        }
        guard let keying = exportKeyingMaterial(profile: profile) else {
            fail(OpenSSLErrorQueue.drain("keying material export failed"))
            return
        }
        keyingMaterial = keying
        state = .connected
        emit(.connected(keying))
    }

    /// Exports 2 × (key + salt) bytes laid out client key | server key | client salt | server salt
    /// (RFC 5764 §4.2) and maps client/server to local/remote by role.
    private func exportKeyingMaterial(profile: SRTPProtectionProfile) -> SRTPKeyingMaterial? {
        let keyLength = profile.masterKeyLength
        let saltLength = profile.masterSaltLength
        var material = [UInt8](repeating: 0, count: 2 * (keyLength + saltLength))
        OpenSSLErrorQueue.clear()
        let label = Self.exporterLabel
        let status = material.withUnsafeMutableBufferPointer { buffer in
            SSL_export_keying_material(
                ssl, buffer.baseAddress, buffer.count, label, label.utf8.count, nil, 0, 0)
        }
        guard status == 1 else { return nil }
        let clientKey = Array(material[0..<keyLength])
        let serverKey = Array(material[keyLength..<(2 * keyLength)])
        let clientSalt = Array(material[(2 * keyLength)..<(2 * keyLength + saltLength)])
        let serverSalt = Array(material[(2 * keyLength + saltLength)...])
        for index in material.indices { material[index] = 0 }
        switch role {
        case .client:
            return SRTPKeyingMaterial(
                profile: profile, localMasterKey: clientKey, localMasterSalt: clientSalt,
                remoteMasterKey: serverKey, remoteMasterSalt: serverSalt)
        case .server:
            return SRTPKeyingMaterial(
                profile: profile, localMasterKey: serverKey, localMasterSalt: serverSalt,
                remoteMasterKey: clientKey, remoteMasterSalt: clientSalt)
        }
    }
}
