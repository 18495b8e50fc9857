/// An RTSP response (RFC 2326 §7): `RTSP-Version SP Status-Code SP Reason-Phrase CRLF`, headers, body.
public struct RTSPResponse: Sendable, Equatable {
    public var version: String
    public var status: RTSPStatus
    public var headers: RTSPHeaders
    public var body: [UInt8]

    public init(status: RTSPStatus, version: String = RTSP.version, headers: RTSPHeaders = RTSPHeaders(),
                body: [UInt8] = []) {
        self.version = version
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var cseq: Int? { headers["CSeq"].flatMap { RTSPHeaderNumber.parse($0) } }

    /// The wire form. `Content-Length` is set from `body` (removed when the body is empty).
    public func serialized() -> [UInt8] {
        RTSPHeaders.serializeMessage(startLine: "\(version) \(status.code) \(status.reason)", headers: headers, body: body)
    }
}
