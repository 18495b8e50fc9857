/// An RTSP status code and reason phrase (RFC 2326 §7.1.1, RFC 7826 §17).
public struct RTSPStatus: Hashable, Sendable, CustomStringConvertible {
    public var code: Int
    public var reason: String

    public init(code: Int, reason: String? = nil) {
        self.code = code
        self.reason = reason ?? RTSPStatus.defaultReason(code)
    }

    public var isSuccess: Bool { (200..<300).contains(code) }
    public var isRedirect: Bool { (300..<400).contains(code) }
    public var description: String { "\(code) \(reason)" }

    public static let ok = RTSPStatus(code: 200)
    public static let movedPermanently = RTSPStatus(code: 301)
    public static let found = RTSPStatus(code: 302)
    public static let badRequest = RTSPStatus(code: 400)
    public static let unauthorized = RTSPStatus(code: 401)
    public static let forbidden = RTSPStatus(code: 403)
    public static let notFound = RTSPStatus(code: 404)
    public static let methodNotAllowed = RTSPStatus(code: 405)
    public static let sessionNotFound = RTSPStatus(code: 454)
    public static let methodNotValidInThisState = RTSPStatus(code: 455)
    public static let aggregateOperationNotAllowed = RTSPStatus(code: 459)
    public static let unsupportedTransport = RTSPStatus(code: 461)
    public static let internalServerError = RTSPStatus(code: 500)
    public static let notImplemented = RTSPStatus(code: 501)
    public static let serviceUnavailable = RTSPStatus(code: 503)
    public static let versionNotSupported = RTSPStatus(code: 505)

    /// The RFC 2326 §7.1.1 reason phrase for `code`.
    public static func defaultReason(_ code: Int) -> String {
        switch code {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 250: "Low on Storage Space"
        case 300: "Multiple Choices"
        case 301: "Moved Permanently"
        case 302: "Moved Temporarily"
        case 303: "See Other"
        case 305: "Use Proxy"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 408: "Request Time-out"
        case 413: "Request Entity Too Large"
        case 414: "Request-URI Too Large"
        case 415: "Unsupported Media Type"
        case 451: "Parameter Not Understood"
        case 453: "Not Enough Bandwidth"
        case 454: "Session Not Found"
        case 455: "Method Not Valid in This State"
        case 456: "Header Field Not Valid for Resource"
        case 457: "Invalid Range"
        case 459: "Aggregate operation not allowed"
        case 460: "Only aggregate operation allowed"
        case 461: "Unsupported transport"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 505: "RTSP Version not supported"
        default: "Status \(code)"
        }
    }
}
