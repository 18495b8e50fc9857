import CSCTPShim
import RTCBase
import Synchronization

/// usrsctp is one stack per process (its associations, timer wheel and callbacks are global).
/// This type owns that global part, so `SCTPAssociation` can stay a per-session engine:
/// - the stack starts once, without usrsctp's own threads (`usrsctp_init_nothreads`), so its
///   callbacks run on the thread that called into it;
/// - its timers advance from the engines' timeouts: every association calls `advance(to:)` with
///   the `now` it was given, and the stack moves usrsctp's wheel by the milliseconds since the
///   last call from any association (the runtime has one clock; a test's virtual clock is just
///   another source of `now`);
/// - the output and receive callbacks find their association through the context pointer usrsctp
///   hands back (`SCTPContext`), which queues under its own lock: a timer that fires while another
///   event loop advances the stack may produce a packet for this association.
enum SCTPStack {
    private static let clock = Mutex<Instant?>(nil)
    /// A step between two `now`s larger than this is a different clock, not elapsed time.
    static let otherClock: Duration = .seconds(1)

    static func start() {
        rtc_sctp_init({ context, bytes, length in
            guard let context, let bytes else { return }
            SCTPContext.from(context).output(UnsafeRawBufferPointer(start: bytes, count: length))
        }, { context, data, length, stream, ppid, flags in
            guard let context else { return }
            let bytes = data.map { UnsafeRawBufferPointer(start: $0, count: length) } ?? UnsafeRawBufferPointer(start: nil, count: 0)
            SCTPContext.from(context).receive(bytes, stream: stream, ppid: ppid, flags: flags)
        })
    }

    /// Moves usrsctp's timers forward to `now` (whole milliseconds; the remainder carries over).
    static func advance(to now: Instant) {
        clock.withLock { last in
            guard let previous = last else {
                last = now
                return
            }
            // Event loops pass `now`s read a moment apart: a slightly earlier one advances nothing.
            // One far behind or far ahead comes from another clock (tests run engines on virtual
            // clocks side by side, some on real time): continue from it without moving the wheel,
            // or one clock's jump would fire every other association's timers at once (INIT
            // retransmissions exhausted: "association could not start"). Live associations call
            // in at least every few tens of milliseconds, so a real step is far below the limit.
            guard now > previous else {
                if previous - now > Self.otherClock { last = now }
                return
            }
            guard now - previous <= Self.otherClock else {
                last = now
                return
            }
            let milliseconds = (now - previous).nanosecondsClamped / 1_000_000
            guard milliseconds > 0 else { return }
            last = previous + .milliseconds(milliseconds)
            rtc_sctp_handle_timers(UInt32(clamping: milliseconds))
        }
    }
}

/// What usrsctp's callbacks hand to one association: packets to send and received pieces. Shared
/// between the association's event loop and whichever thread runs usrsctp's timers, so it locks.
final class SCTPContext: Sendable {
    struct Piece {
        var bytes: [UInt8]
        var stream: UInt16
        var ppid: UInt32
        var flags: Int32
    }

    struct Inbox {
        var packets: [[UInt8]] = []
        var pieces: [Piece] = []
        /// Bytes held in `pieces`; past the cap, pieces are dropped (and counted).
        var pieceBytes = 0
        var droppedPieces = 0
    }

    let inbox = Mutex(Inbox())
    let maxHeldBytes: Int

    init(maxHeldBytes: Int) { self.maxHeldBytes = maxHeldBytes }

    static func from(_ pointer: UnsafeMutableRawPointer) -> SCTPContext {
        Unmanaged<SCTPContext>.fromOpaque(pointer).takeUnretainedValue()
    }

    var pointer: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    func output(_ bytes: UnsafeRawBufferPointer) {
        let packet = [UInt8](bytes)
        inbox.withLock { $0.packets.append(packet) }
    }

    func receive(_ bytes: UnsafeRawBufferPointer, stream: UInt16, ppid: UInt32, flags: Int32) {
        let piece = Piece(bytes: [UInt8](bytes), stream: stream, ppid: ppid, flags: flags)
        inbox.withLock { inbox in
            guard inbox.pieceBytes + piece.bytes.count <= maxHeldBytes else {
                inbox.droppedPieces += 1
                return
            }
            inbox.pieceBytes += piece.bytes.count
            inbox.pieces.append(piece)
        }
    }

    func take() -> Inbox {
        inbox.withLock { inbox in
            defer {
                inbox.packets.removeAll()
                inbox.pieces.removeAll()
                inbox.pieceBytes = 0
                inbox.droppedPieces = 0
            }
            return inbox
        }
    }
}
