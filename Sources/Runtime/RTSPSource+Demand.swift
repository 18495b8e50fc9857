import Ingest
import NIOCore
import RTCBase

extension RTSPSource {
    /// The path's reader count changed (on eventLoop): connect on the first reader, disconnect
    /// `closeAfter` after the last one left.
    func readersChanged(_ count: Int) {
        readers = count
        if count > 0 {
            idleTimer?.cancel()
            idleTimer = nil
            if !isActive {
                logger.info("RTSP source: first reader arrived, connecting on demand")
                backoff.reset()
                connect()
            }
        } else if isActive, idleTimer == nil {
            scheduleIdleClose()
        }
    }

    func scheduleIdleClose() {
        idleTimer?.cancel()
        idleTimer = eventLoop.scheduleTask(in: .nanoseconds(spec.closeAfter.nanosecondsClamped)) { [self] in
            idleTimer = nil
            guard readers == 0, isActive else { return }
            logger.info("RTSP source: no readers for \(RTSPSourceSpec.format(spec.closeAfter)), disconnecting on demand")
            retryTimer?.cancel()
            retryTimer = nil
            disconnect(reason: nil)
            resumeReadyWaiters()
        }
    }

    /// A viewer is about to join: connect now (closing again after `closeAfter` if no reader comes)
    /// and wait until the source publishes or `timing.demandTimeout` passes.
    func demand() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            eventLoop.execute { [self] in
                guard !stopped else { continuation.resume(); return }
                if !isActive {
                    logger.info("RTSP source: viewer arriving, connecting on demand")
                    backoff.reset()
                    connect()
                }
                if readers == 0 { scheduleIdleClose() }
                guard publisher == nil else { continuation.resume(); return }
                let id = nextWaiterID
                nextWaiterID += 1
                readyWaiters[id] = continuation
                eventLoop.scheduleTask(in: .nanoseconds(timing.demandTimeout.nanosecondsClamped)) { [self] in
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
