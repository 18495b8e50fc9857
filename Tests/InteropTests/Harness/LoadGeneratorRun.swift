import Foundation

/// One finished run of the release load generator (`Benchmarks/RTCBridgeLoad`): its report
/// lines and the figures of its last line (`{"connected": 19.000, "lossPercent": 0.000, …}`).
struct LoadGeneratorRun: Sendable {
    let figures: [String: Double]
    let output: String

    func figure(_ name: String) -> Double? {
        figures[name]
    }

    /// Parses the last stdout line that starts with `{`: a flat object of numbers.
    static func parse(_ output: String) throws -> LoadGeneratorRun {
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else { throw InteropError.unexpectedOutput(what: "RTCBridgeLoad figures (no JSON line)", output: output) }
        var figures: [String: Double] = [:]
        for (key, value) in object {
            if let number = value as? NSNumber { figures[key] = number.doubleValue }
        }
        return LoadGeneratorRun(figures: figures, output: output)
    }
}

extension InteropScope {
    /// The setting of the load scenarios: an RTP camera (`RTPCameraSource`, 90 s, 2 s GOP) feeding
    /// path `cam` of the release gateway, ready to be watched.
    func startCameraAndReleaseGateway() async throws -> (camera: ManagedProcess, gateway: GatewayProcess) {
        let (camera, sdpPath) = try await startRTPCamera(RTPCameraSource(seconds: 90, gopFrames: 60))
        let gateway = try await startGateway(["--path", "cam=\(sdpPath)"], binary: environment.releaseGatewayBinary)
        try await waitUntilReady(gateway, path: "cam")
        return (camera, gateway)
    }

    /// Runs the release `RTCBridgeLoad` against `gateway`'s path `path` with `arguments` (e.g.
    /// `["--viewers", "20", "--hold", "8"]`) inside the namespace, to its end (bounded by `timeout`).
    func runLoadGenerator(_ gateway: GatewayProcess, path: String, _ arguments: [String],
                          timeout: Duration = .seconds(90)) async throws -> LoadGeneratorRun {
        let process = try start("rtcbridge-load", [environment.releaseLoadBinary, "--url", gateway.url("/\(path)/whep"),
                                                   "--gateway-pid", String(gateway.process.pid)] + arguments)
        let status = try await process.waitForExitOrTerminate(timeout: timeout)
        guard status == 0 else {
            throw InteropError.exitedEarly(label: process.label, status: status, log: process.logTail())
        }
        return try LoadGeneratorRun.parse(process.text())
    }

    /// The kernel's receive-queue drops (`/proc/net/udp`, column `drops`) summed over the UDP
    /// sockets of this namespace bound to local `port`: datagrams that never reached the program.
    func udpReceiveDrops(port: Int) async throws -> Int {
        let process = try start("proc-net-udp", ["/bin/cat", "/proc/net/udp"])
        _ = try await process.waitForExit(timeout: .seconds(5))
        return Self.udpReceiveDrops(procNetUDP: process.text(), port: port)
    }

    static func udpReceiveDrops(procNetUDP text: String, port: Int) -> Int {
        var drops = 0
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
            guard fields.count >= 13, let colon = fields[1].lastIndex(of: ":"),
                  Int(fields[1][fields[1].index(after: colon)...], radix: 16) == port,
                  let count = Int(fields[12]) else { continue }
            drops += count
        }
        return drops
    }
}
