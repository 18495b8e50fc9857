import Routing
import Testing

@Suite struct PathSetDiffTests {
    @Test func sortsNamesIntoTheirFourKinds() {
        let old = [(name: "cam", definition: "rtsp://a"), (name: "demo", definition: "demo"), (name: "gone", definition: "x.sdp")]
        let new = [(name: "demo", definition: "demo"), (name: "cam", definition: "rtsp://b"), (name: "new", definition: "publisher")]
        let diff = PathSetDiff(old: old, new: new)
        #expect(diff.added == ["new"])
        #expect(diff.removed == ["gone"])
        #expect(diff.changed == ["cam"])
        #expect(diff.unchanged == ["demo"])
        #expect(!diff.isEmpty)
    }

    @Test func identicalSetsChangeNothing() {
        let set = [(name: "b", definition: 2), (name: "a", definition: 1)]
        let diff = PathSetDiff(old: set, new: set.reversed())
        #expect(diff.isEmpty)
        #expect(diff.unchanged == ["a", "b"])
    }

    @Test func emptySides() {
        let some = [(name: "a", definition: 1), (name: "b", definition: 2)]
        let fromNothing = PathSetDiff(old: [], new: some)
        #expect(fromNothing.added == ["a", "b"])
        #expect(fromNothing.removed.isEmpty)
        let toNothing = PathSetDiff(old: some, new: [])
        #expect(toNothing.removed == ["a", "b"])
        #expect(toNothing.added.isEmpty)
        #expect(PathSetDiff<Int>(old: [], new: []).isEmpty)
    }

    @Test func aNameGivenTwiceCountsWithItsLastDefinition() {
        let diff = PathSetDiff(old: [(name: "a", definition: 1)], new: [(name: "a", definition: 2), (name: "a", definition: 1)])
        #expect(diff.unchanged == ["a"])
        #expect(diff.changed.isEmpty)
    }
}
