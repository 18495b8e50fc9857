/// One HTTP request the WHIP/WHEP client wants made (the runtime makes it with URLSession).
public struct WHIPClientRequest: Sendable, Equatable {
    public enum Method: String, Sendable {
        case post = "POST", patch = "PATCH", delete = "DELETE"
    }

    /// Matches the response (or failure) the runtime feeds back to this request.
    public let id: Int
    public let method: Method
    /// Absolute `http://` or `https://` URL.
    public let url: String
    /// Header fields besides Authorization (which the runtime adds from its token): Content-Type,
    /// Accept, If-Match.
    public let headers: [WHIPHeaderField]
    public let body: String?
}

/// One header field, name as written (compared case-insensitively).
public struct WHIPHeaderField: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// The answer to a request, as the HTTP stack delivered it (redirects not followed).
public struct WHIPClientResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [WHIPHeaderField]
    public var body: String

    public init(status: Int, headers: [WHIPHeaderField] = [], body: String = "") {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }

    /// Every value of `name`, in order (Link may come in several fields).
    public func headers(_ name: String) -> [String] {
        let lowered = name.lowercased()
        return headers.filter { $0.name.lowercased() == lowered }.map(\.value)
    }
}
