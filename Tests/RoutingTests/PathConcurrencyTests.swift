import Testing
import TestSupport
@testable import Routing

@Suite struct PathConcurrencyTests {
    /// Readers join and leave while the publisher runs on another task: each reader must see a
    /// gap-free, duplicate-free, ordered run of units (audio, queues large enough not to drop).
    @Test(.timeLimit(.minutes(1)))
    func readersJoiningDuringPublishSeeContiguousRuns() async throws {
        let unitCount = 3000
        let path = try Fixtures.router { $0.readerQueueUnits = 10_000 }.createPath(named: "cam")
        let token = try path.attachPublisher(tracks: [Fixtures.audio], requestKeyframe: {})
        let runs = LockedBox<[[UInt32]]>([])

        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // Half the readers are attached before publishing starts; the rest join meanwhile.
                while path.stats.readers < 4 { await Task.yield() }
                for index in 0..<unitCount {
                    path.publish(Fixtures.unit(Fixtures.audio, index: index, payloadBytes: 10), token: token)
                    if index % 64 == 0 { await Task.yield() }
                }
                path.detachPublisher(token)
            }
            for _ in 0..<8 {
                group.addTask {
                    guard let reader = try? path.addReader(wake: {}) else { return }
                    var seen: [UInt32] = []
                    var ended = false
                    // Bounded: the publisher ends after `unitCount` units, then `.sourceEnded` arrives
                    // (or, for a reader that joined after the detach, nothing: the path is not ready).
                    while !ended {
                        let sourceGone = !path.isReady
                        let events = reader.drain(max: 128)
                        for event in events {
                            switch event {
                            case let .unit(unit): seen.append(unit.rtpTimestamp)
                            case .sourceEnded: ended = true
                            case .tracks, .pathClosed: break
                            }
                        }
                        if events.isEmpty {
                            if sourceGone { break }
                            await Task.yield()
                        }
                    }
                    path.removeReader(reader)
                    runs.update { [seen] in $0.append(seen) }
                }
            }
        }

        let collected = runs.current
        #expect(collected.count == 8)
        #expect(collected.filter { $0.count == unitCount }.count >= 4)
        for run in collected {
            if let first = run.first {
                #expect(run == Array(first...UInt32(unitCount - 1)))
            }
        }
        #expect(path.stats.readers == 0)
        #expect(path.stats.unitsIn == unitCount)
    }

    /// Many readers on many tasks drain while one publisher fans out; totals add up exactly.
    @Test(.timeLimit(.minutes(1)))
    func fanOutToManyReadersDeliversEveryUnitOnce() async throws {
        let readerCount = 200, unitCount = 500
        let path = try Fixtures.router { $0.readerQueueUnits = 1000 }.createPath(named: "cam")
        let token = try path.attachPublisher(tracks: [Fixtures.audio], requestKeyframe: {})
        let readers = try (0..<readerCount).map { _ in try path.addReader(wake: {}) }
        let delivered = CallCounter()

        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for index in 0..<unitCount {
                    path.publish(Fixtures.unit(Fixtures.audio, index: index, payloadBytes: 10), token: token)
                }
                path.detachPublisher(token)
            }
            for chunk in 0..<4 {
                group.addTask {
                    var open = Set(stride(from: chunk, to: readerCount, by: 4))
                    var last = [Int: UInt32]()
                    while !open.isEmpty {
                        var progressed = false
                        for index in open {
                            for event in readers[index].drain(max: 64) {
                                progressed = true
                                switch event {
                                case let .unit(unit):
                                    if let previous = last[index] { #expect(unit.rtpTimestamp == previous + 1) }
                                    last[index] = unit.rtpTimestamp
                                    delivered.callback()
                                case .sourceEnded: open.remove(index)
                                case .tracks, .pathClosed: break
                                }
                            }
                        }
                        if !progressed { await Task.yield() }
                    }
                }
            }
        }
        #expect(delivered.count == readerCount * unitCount)
        #expect(readers.allSatisfy { $0.stats.dropped == 0 && $0.stats.delivered == unitCount })
    }
}
