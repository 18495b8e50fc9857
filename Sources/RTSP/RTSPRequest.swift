/// An RTSP request (RFC 2326 §6): `Method SP Request-URI SP RTSP-Version CRLF`, headers, body.
public struct RTSPRequest: Sendable, Equatable {
    public var method: RTSPMethod
    /// The Request-URI as sent (`*` for server-wide OPTIONS, else an absolute rtsp URL).
    public var uri: String
    public var version: String
    public var headers: RTSPHeaders
    public var body: [UInt8]

    public init(method: RTSPMethod, uri: String, version: String = RTSP.version,
                headers: RTSPHeaders = RTSPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.uri = uri
        self.version = version
        self.headers = headers
        self.body = body
    }

    /// The `CSeq` header as a number (RFC 2326 §12.17).
    public var cseq: Int? { headers["CSeq"].flatMap { RTSPHeaderNumber.parse($0) } }

    /// The wire form. `Content-Length` is set from `body` (removed when the body is empty).
    public func serialized() -> [UInt8] {
        RTSPHeaders.serializeMessage(startLine: "\(method.rawValue) \(uri) \(version)", headers: headers, body: body)
    }
}
