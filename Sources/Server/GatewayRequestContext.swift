import Hummingbird
import Logging
import NIOCore

/// The request context of the gateway's router: Hummingbird's basic context plus the client's
/// address, which the per-client session quota counts by.
public struct GatewayRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP address as text ("" when unknown): what the quota is keyed by.
    public var clientAddress: String { remoteAddress?.ipAddress ?? "" }
}
