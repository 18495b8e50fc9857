import Ingest
import RTCBase
import RTSP

/// The attempts side of `RTSPSource`: feeding `RTSPSourceStateMachine` and performing its outputs
/// (on eventLoop).
extension RTSPSource {
    /// Feeds the state machine one input at the current time and performs its outputs.
    func update(_ input: (inout RTSPSourceStateMachine, Instant) -> Void) {
        input(&machine, clock.now())
        pump()
    }

    func pump() {
        machineDriver.drainAndArm({ machine.poll() }, deadline: { output in
            if case .timeout(let deadline) = output { deadline } else { nil }
        }, perform: perform)
    }

    func perform(_ output: RTSPSourceStateMachine.Output) {
        switch output {
        case .connect:
            let configuration = RTSPClientConfiguration(url: spec.url, transport: spec.transport)
            session = RTSPClientSession(configuration: configuration)
            openConnection(to: configuration.url)
        case .disconnect(let teardown):
            disconnect(teardown: teardown)
        case .reportNoUDPMedia:
            session?.reportNoUDPMedia(now: clock.now())
            drain()
        case .sendReceiverReports:
            guard let reports = media?.receiverReports(now: clock.now()) else { return }
            for (route, bytes) in reports { sendRTCP(bytes, route: route) }
        case .event(let event):
            log(event)
        case .timeout:
            break
        }
    }

    func log(_ event: RTSPSourceStateMachine.Event) {
        switch event {
        case .connecting(let attempt):
            logger.info("RTSP source connecting", metadata: ["attempt": "\(attempt)",
                                                              "transport": "\(RTSPSourceSpec.name(of: spec.transport))"])
        case .failed(let reason, let attempt, let retryIn?):
            logger.error("RTSP source failed: \(reason); retry in \(RTSPSourceStateMachine.seconds(retryIn)) s",
                         metadata: ["attempt": "\(attempt)"])
        case .failed(let reason, _, nil):
            logger.error("RTSP source failed: \(reason)")
        case .connectingOnDemand(.firstReader):
            logger.info("RTSP source: first reader arrived, connecting on demand")
        case .connectingOnDemand(.viewerArriving):
            logger.info("RTSP source: viewer arriving, connecting on demand")
        case .idleDisconnected:
            logger.info("RTSP source: no readers for \(RTSPSourceSpec.format(spec.closeAfter)), disconnecting on demand")
            resumeReadyWaiters()
        case .noUDPMedia(let after):
            logger.warning("RTSP source: no UDP media within \(RTSPSourceStateMachine.seconds(after)) s",
                           metadata: ["fallback": "\(spec.transport == .automatic ? "tcp" : "none")"])
        }
    }

    func attemptFailed(_ reason: String) {
        update { $0.attemptFailed(reason, now: $1) }
    }
}
