import Ingest
import NIOCore
import RTCBase

extension RTSPSource {
    /// A viewer is about to join: the state machine connects now (closing again after
    /// `closeAfter` if no reader comes); wait until the source publishes or `demandTimeout` passes.
    func demand() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            eventLoop.execute { [self] in
                update { $0.demand(now: $1) }
                guard machine.isActive, publisher == nil else { continuation.resume(); return }
                let id = nextWaiterID
                nextWaiterID += 1
                readyWaiters[id] = continuation
                eventLoop.scheduleTask(in: .nanoseconds(machine.timing.demandTimeout.nanosecondsClamped)) { [self] in
                    readyWaiters.removeValue(forKey: id)?.resume()
                }
            }
        }
    }

    func resumeReadyWaiters() {
        let waiters = readyWaiters.values
        readyWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
    }
}
