/// The JSON body POSTed to the auth webhook: `{"path", "action", "protocol", "ip", "user", "token"}`
/// (`user` and `token` are null when absent). A 2xx answer allows; anything else denies.
public struct WebhookAuthRequest: Encodable, Sendable, Equatable {
    public var path: String
    public var action: String
    public var `protocol`: String
    public var ip: String
    public var user: String?
    public var token: String?

    public init(_ request: AuthRequest) {
        path = request.path
        action = request.action.rawValue
        self.protocol = request.protocol.rawValue
        ip = request.clientIP
        user = request.user
        token = request.token
    }

    enum CodingKeys: String, CodingKey { case path, action, `protocol`, ip, user, token }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(path, forKey: .path)
        try container.encode(action, forKey: .action)
        try container.encode(self.protocol, forKey: .protocol)
        try container.encode(ip, forKey: .ip)
        try container.encode(user, forKey: .user)   // null when absent
        try container.encode(token, forKey: .token)
    }
}
