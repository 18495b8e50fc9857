/// Something that carries SDP attributes at a level where the transport attributes may stand:
/// the session, or one media section (RFC 8839 §5.4 ICE credentials, RFC 8122 §5 fingerprint,
/// RFC 4145 §4 setup). The accessors are the same at both levels.
public protocol SDPAttributeCarrier {
    var attributes: [SDPAttribute] { get set }
}

extension SessionDescription: SDPAttributeCarrier {}
extension MediaDescription: SDPAttributeCarrier {}

extension SDPAttributeCarrier {
    public var iceUfrag: String? {
        get { attributes.firstValue(named: "ice-ufrag") }
        set { attributes.setValue(newValue, named: "ice-ufrag") }
    }

    public var icePwd: String? {
        get { attributes.firstValue(named: "ice-pwd") }
        set { attributes.setValue(newValue, named: "ice-pwd") }
    }

    public var fingerprint: SDPFingerprint? {
        get { attributes.values(named: "fingerprint").lazy.compactMap { SDPFingerprint(attributeValue: $0) }.first }
        set { attributes.setValue(newValue?.attributeValue, named: "fingerprint") }
    }

    public var setup: DTLSSetupRole? {
        get { attributes.firstValue(named: "setup").flatMap { DTLSSetupRole(rawValue: $0) } }
        set { attributes.setValue(newValue?.rawValue, named: "setup") }
    }
}
