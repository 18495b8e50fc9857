import Foundation
import Testing

extension InteropSuite.DataChannelTests {
    /// A path's data device through the control API of the real binary: POST a path with `data`,
    /// its port takes datagrams; PATCH moves it (with a maxSize); PATCH `"data": ""` removes it.
    @Test("Control API adds, moves and removes a path's data device",
          .requires(.root, .ip, .gateway, .curl, .python), .timeLimit(.minutes(2)))
    func dataDeviceThroughTheControlAPI() async throws {
        let scope = try InteropScope()
        defer { scope.tearDown() }
        let token = "adm1n-t0ken"
        let gateway = try await scope.startGateway(["--admin-token", token])
        let json = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]
        func call(_ method: String, _ path: String, _ body: String) async throws -> HTTPExchange {
            try await scope.http(method, gateway.url(path), headers: json, body: Data(body.utf8))
        }
        func send(_ count: Int, size: Int, to port: Int) async throws {
            let sender = try scope.start("send-\(port)", [
                scope.environment.python, scope.environment.script("udp-flood.py"), "127.0.0.1", String(port),
                "--count", String(count), "--size", String(size), "--big-every", "0",
            ])
            _ = try await sender.waitForExit(timeout: .seconds(20))
        }
        func field(_ exchange: HTTPExchange, _ name: String) -> String? {
            (try? JSONSerialization.jsonObject(with: Data(exchange.body.utf8)) as? [String: Any])?[name] as? String
        }
        func device() async throws -> [String: Any]? {
            let response = try await scope.http("GET", gateway.url("/api/stats"))
            let stats = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
            let path = (stats?["paths"] as? [[String: Any]])?.first { $0["name"] as? String == "iot" }
            return (path?["data"] as? [String: Any])?["udp"] as? [String: Any]
        }

        let created = try await call("POST", "/v1/paths", #"{"name": "iot", "source": "publisher", "data": "udp://127.0.0.1:7040"}"#)
        #expect(created.status == 201 && field(created, "data") == "udp://127.0.0.1:7040", "\(created.body)")
        try await send(5, size: 200, to: 7040)
        #expect(try await device()?["datagramsIn"] as? Int == 5)

        let moved = try await call("PATCH", "/v1/paths/iot", #"{"data": "udp://127.0.0.1:7041?maxSize=100"}"#)
        #expect(moved.status == 200 && field(moved, "data") == "udp://127.0.0.1:7041?maxSize=100", "\(moved.body)")
        try await send(3, size: 200, to: 7041)
        try await send(2, size: 100, to: 7041)
        let after = try await device()
        #expect(after?["address"] as? String == "udp://127.0.0.1:7041?maxSize=100", "\(String(describing: after))")
        #expect(after?["datagramsIn"] as? Int == 5 && after?["droppedTooLarge"] as? Int == 3, "\(String(describing: after))")

        let bad = try await call("PATCH", "/v1/paths/iot", #"{"data": "udp://127.0.0.1:7041?maxSize=0"}"#)
        #expect(bad.status == 422, "\(bad.body)")

        let removed = try await call("PATCH", "/v1/paths/iot", #"{"data": ""}"#)
        #expect(removed.status == 200 && field(removed, "data") == nil && field(removed, "name") == "iot", "\(removed.body)")
        #expect(try await device() == nil)
        #expect(gateway.process.isRunning)
    }
}
