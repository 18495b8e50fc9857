import RTCBase

/// Today's shared-secret tokens: one gateway-wide (`--token`, `http.token`) and per path
/// (`publishToken`, `readToken`), each path's falling back to the global one.
public struct StaticTokens: Sendable, Equatable {
    public var global: String?
    private struct Pair: Sendable, Equatable {
        var publish: String?
        var read: String?
    }
    private var storage: [String: Pair] = [:]

    public init(global: String? = nil) { self.global = global }

    public mutating func set(path: String, publish: String?, read: String?) {
        storage[path] = publish == nil && read == nil ? nil : Pair(publish: publish, read: read)
    }

    /// The token a request needs; nil when the static scheme leaves it open. The API needs the global one.
    public func required(path: String, action: AuthAction, protocol: AuthProtocol) -> String? {
        if `protocol` == .api { return global }
        let own = storage[path]
        return (action == .publish ? own?.publish : own?.read) ?? global
    }

    /// Whether `token` is the one required (constant time); false when none is required.
    public func accepts(_ token: String?, path: String, action: AuthAction, protocol: AuthProtocol) -> Bool {
        guard let required = required(path: path, action: action, protocol: `protocol`), let token else { return false }
        return constantTimeEquals(token, required)
    }
}
