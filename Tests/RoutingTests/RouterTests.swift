import Testing
import TestSupport
@testable import Routing

@Suite struct RouterTests {
    @Test(arguments: ["live", "cam-1/main", "a.b_c~d-e/f", String(repeating: "x", count: 128), "v1.2/x"])
    func acceptsValidNames(_ name: String) throws {
        let router = Fixtures.router()
        let path = try router.createPath(named: name)
        #expect(path.name == name)
        #expect(router.path(named: name) === path)
    }

    @Test(arguments: [
        ("", "empty"),
        ("../etc/passwd", "must not contain \"..\""),
        ("live/../x", "must not contain \"..\""),
        ("live/..", "must not contain \"..\""),
        ("/live", "must not start with \"/\""),
        ("live\u{0}x", "contains a control character"),
        ("live cam", "only A-Z a-z 0-9 . _ ~ - / are allowed"),
        ("live%2F", "only A-Z a-z 0-9 . _ ~ - / are allowed"),
        ("caf\u{E9}", "only A-Z a-z 0-9 . _ ~ - / are allowed"),
        ("live//cam", "empty segment (\"//\" or trailing \"/\")"),
        ("live/", "empty segment (\"//\" or trailing \"/\")"),
        ("./live", "\".\" segment"),
        (String(repeating: "x", count: 129), "longer than 128 characters"),
    ])
    func rejectsInvalidNames(_ name: String, reason: String) {
        let router = Fixtures.router()
        #expect(throws: RoutingError.invalidPathName(name, reason: reason)) {
            try router.createPath(named: name)
        }
        #expect(router.paths.isEmpty)
    }

    @Test func errorDescriptionEscapesAndShortens() {
        let nul = RoutingError.invalidPathName("a\u{0}b", reason: "contains a control character")
        #expect(nul.description == "invalid path name \"a\\u{0}b\": contains a control character")
        let long = RoutingError.invalidPathName(String(repeating: "y", count: 200), reason: "longer than 128 characters")
        #expect(long.description == "invalid path name \"\(String(repeating: "y", count: 64))…\": longer than 128 characters")
        #expect(RoutingError.busy(path: "cam").description == "path \"cam\" already has a publisher")
    }

    @Test func duplicateNameIsRefused() throws {
        let router = Fixtures.router()
        _ = try router.createPath(named: "cam")
        #expect(throws: RoutingError.pathExists("cam")) { try router.createPath(named: "cam") }
    }

    @Test func pathCountIsCappedAtTheLimit() throws {
        let router = Fixtures.router { $0.maxPaths = 3 }
        for index in 0..<3 { _ = try router.createPath(named: "p\(index)") }
        #expect(throws: RoutingError.tooManyPaths(limit: 3)) { try router.createPath(named: "p3") }
        router.removePath(named: "p1")
        _ = try router.createPath(named: "p3")
        #expect(router.paths.map(\.name) == ["p0", "p2", "p3"])
    }

    @Test func removingAPathClosesItsReadersAndRefusesNewOnes() throws {
        let router = Fixtures.router()
        let path = try router.createPath(named: "cam")
        let keyframes = CallCounter()
        let token = try path.attachPublisher(tracks: [Fixtures.audio], requestKeyframe: keyframes.callback)
        let wakes = CallCounter()
        let reader = try path.addReader(wake: wakes.callback)
        #expect(reader.drainAll() == [.tracks(ids: [2], epoch: 1)])

        router.removePath(named: "cam")
        #expect(router.path(named: "cam") == nil)
        #expect(path.isClosed)
        #expect(!path.isReady)
        #expect(reader.drainAll() == [.pathClosed])
        #expect(!reader.isOpen)
        path.publish(Fixtures.unit(Fixtures.audio, index: 1), token: token)
        #expect(reader.drainAll() == [])
        #expect(path.stats.unitsRejected == 1)
        #expect(throws: RoutingError.pathClosed("cam")) { try path.addReader(wake: {}) }
        #expect(wakes.count == 2)
    }
}
