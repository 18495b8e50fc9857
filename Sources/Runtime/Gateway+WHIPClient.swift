import Egress
import Routing
import WHIP

extension WHIPClientTarget {
    /// A `--path NAME=whep://…` source: WHEP only (a whip:// URL is a push, for `--forward`).
    public static func source(parsing text: String) throws -> WHIPClientTarget {
        try parse(text, as: .play, misuse: "a source pulls: use whep:// or wheps:// (whip:// pushes, with --forward)")
    }

    /// A `--forward NAME=whip://…` target: WHIP only.
    public static func forward(parsing text: String) throws -> WHIPClientTarget {
        try parse(text, as: .publish, misuse: "a forward pushes: use whip:// or whips:// (whep:// pulls, as a --path source)")
    }

    private static func parse(_ text: String, as role: Role, misuse: String) throws -> WHIPClientTarget {
        let target: WHIPClientTarget
        do { target = try WHIPClientTarget(parsing: text) } catch {
            throw SourceError.unusable("WHIP/WHEP URL: \(error)")   // not the text: it may hold a token
        }
        guard target.role == role else { throw SourceError.unusable(misuse) }
        return target
    }
}

extension Gateway {
    /// Calls `handler` with the reason (never the token) when a whip:// forward or whep:// source
    /// fails for good (a 4xx other than 404, redirect loops, retries used up). Set it before `start()`.
    public func onClientLinkGaveUp(_ handler: @escaping @Sendable (_ reason: String) -> Void) {
        clientLinkGaveUp.withLock { $0 = handler }
    }

    /// Pulls a remote WHEP stream into path `name`; reconnects with backoff on its own.
    func startWHEPSource(name: String, target: WHIPClientTarget) throws {
        _ = try router.path(named: name) ?? router.createPath(named: name)
        startClientLink(path: name, target: target)
    }

    /// Pushes path `path` to a remote WHIP endpoint; re-publishes with backoff on its own.
    func startWHIPForward(path: String, target: WHIPClientTarget) async throws {
        _ = try router.path(named: path) ?? router.createPath(named: path)
        startClientLink(path: path, target: target)
    }

    private func startClientLink(path: String, target: WHIPClientTarget) {
        let link = WebRTCClientLink(pathName: path, target: target, endpoint: webrtc, logger: logger)
        link.onGaveUp = { [self] reason in clientLinkGaveUp.withLock { $0 }?(reason) }
        link.start()
        // Stage `sources`: stopped (DELETE sent) before the sessions are closed on shutdown.
        track(RunningOutput(stage: .sources, path: path) { await link.stop() })
    }
}

extension GatewayConfiguration {
    /// One `--forward NAME=TARGET` (or YAML `forward:` entry): whip:// and whips:// push over
    /// WebRTC, anything else is plain RTP (`ForwardSpec`).
    public mutating func addForward(path: String, target text: String) throws {
        if WHIPClientTarget.isClientURL(text) {
            whipForwards.append((path, try WHIPClientTarget.forward(parsing: text)))
        } else {
            forwards.append((path, try ForwardSpec(parsing: text)))
        }
    }
}
