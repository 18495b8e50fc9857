import ICE
import Logging
import NIOCore
import RTCBase
import Synchronization

/// Runs a `ServerReflexiveAgent` on the first WebRTC socket's loop, sending its Binding requests
/// from that socket (so the STUN server sees the port browsers reach), and keeps the mapped
/// address for the answers' `srflx` candidate. The transport hands it unrouted datagrams for
/// which `isAnswer` is true (matched by transaction id).
final class ServerReflexiveDriver: @unchecked Sendable {
    let socket: WebRTCSocket
    let logger: Logger
    let agentServer: TransportAddress
    private let driver: EngineDriver
    /// The engine, behind a lock: `isAnswer` runs on whichever loop read the datagram.
    private let agent: Mutex<ServerReflexiveAgent>
    private let mapped = Mutex<TransportAddress?>(nil)
    /// Rounds in a row without an answer (loop-confined): the first is worth a warning.
    private var failedRounds = 0

    init(server: TransportAddress, configuration: ServerReflexiveConfiguration, socket: WebRTCSocket, logger: Logger) {
        self.socket = socket
        self.logger = logger
        self.agentServer = server
        self.driver = EngineDriver(eventLoop: socket.eventLoop)
        self.agent = Mutex(ServerReflexiveAgent(server: server, configuration: configuration, now: RuntimeClock.now()))
    }

    /// The server-reflexive address while the last Binding round succeeded.
    var mappedAddress: TransportAddress? { mapped.withLock { $0 } }

    /// Starts the rounds (call once).
    func start() {
        socket.eventLoop.execute { [self] in
            driver.onTimeout { [self] now in
                agent.withLock { $0.handleTimeout(now: now) }
                pump()
            }
            pump()
        }
    }

    func stop() {
        socket.eventLoop.execute { [self] in driver.stop() }
    }

    /// Whether `bytes` answers the request in flight (any loop).
    func isAnswer(_ bytes: [UInt8]) -> Bool { agent.withLock { $0.isAnswer(bytes[...]) } }

    /// An answer read on any loop; handled on the driver's loop.
    func receive(_ bytes: [UInt8], from address: TransportAddress) {
        socket.eventLoop.execute { [self] in
            agent.withLock { $0.handleDatagram(bytes[...], from: address, now: RuntimeClock.now()) }
            pump()
        }
    }

    /// Drains the engine (on the socket's loop): sends, logs news, arms the timer.
    private func pump() {
        var outputs: [ServerReflexiveOutput] = []
        agent.withLock { agent in
            for _ in 0..<64 {
                let output = agent.poll()
                outputs.append(output)
                if case .timeout = output { break }
            }
        }
        driver.drainAndArm({ outputs.isEmpty ? nil : outputs.removeFirst() }, deadline: { output in
            if case .timeout(let deadline) = output { deadline } else { nil }
        }) { output in
            switch output {
            case .transmit(let bytes, let to):
                if let kernel = UDPDestination(to) { socket.batch?.append(bytes, to: kernel) }
            case .event(.mapped(let address)):
                mapped.withLock { $0 = address }
                failedRounds = 0
                logger.info("server-reflexive address learned", metadata: ["address": "\(address)"])
            case .event(.failed):
                let had = mapped.withLock { old in
                    defer { old = nil }
                    return old != nil
                }
                failedRounds += 1
                if had || failedRounds == 1 {
                    logger.warning("no answer from the STUN server; no srflx candidate until it answers",
                                   metadata: ["server": "\(agentServer)"])
                }
            case .timeout:
                break
            }
        }
    }
}
