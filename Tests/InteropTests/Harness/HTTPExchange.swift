import Foundation

/// One HTTP response as curl saw it: status, headers (names lower-cased; repeated headers joined
/// with ", ") and body text.
struct HTTPExchange: Sendable {
    let status: Int
    let headers: [String: String]
    let body: String

    func header(_ name: String) -> String? {
        headers[name.lowercased()]
    }

    /// Parses a `curl -D` header dump; when there are several blocks (`100 Continue`), the last wins.
    static func parseHeaderDump(_ dump: String) -> (status: Int, headers: [String: String])? {
        let blocks = dump.components(separatedBy: "\r\n\r\n").filter { $0.hasPrefix("HTTP/") }
        guard let block = blocks.last else { return nil }
        let lines = block.components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { "\($0), \(value)" } ?? value
        }
        return (status, headers)
    }
}

extension InteropScope {
    /// Sends one request with curl from inside the namespace (the test process itself lives
    /// outside it and cannot reach the gateway's 127.0.0.1). `Expect: 100-continue` is disabled so
    /// that large bodies go out at once.
    func http(
        _ method: String, _ url: String, headers: [String: String] = [:], body: Data? = nil,
        timeout: Duration = .seconds(15)
    ) async throws -> HTTPExchange {
        guard let curl = environment.curl else {
            throw InteropError.unexpectedOutput(what: "missing tool", output: "curl not found")
        }
        let id = Self.requestCounter.next()
        let headerFile = file("http-\(id).headers"), bodyFile = file("http-\(id).body")
        var argv = [curl, "-sS", "--max-time", "10", "-X", method, "-D", headerFile, "-o", bodyFile, "-H", "Expect:"]
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            argv += ["-H", "\(name): \(value)"]
        }
        if let body {
            let requestFile = file("http-\(id).request")
            try body.write(to: URL(fileURLWithPath: requestFile))
            argv += ["--data-binary", "@" + requestFile]
        }
        argv.append(url)
        let process = try start("curl", argv)
        let status = try await process.waitForExit(timeout: timeout)
        let dump = (FileManager.default.contents(atPath: headerFile)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        // A server may answer early (413) and close while curl still sends: keep the answer it got.
        guard let parsed = HTTPExchange.parseHeaderDump(dump) else {
            throw InteropError.commandFailed(command: "\(method) \(url)", status: status, output: process.logTail())
        }
        let responseBody = FileManager.default.contents(atPath: bodyFile).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return HTTPExchange(status: parsed.status, headers: parsed.headers, body: responseBody)
    }

    private static let requestCounter = LockedCounter()
}
