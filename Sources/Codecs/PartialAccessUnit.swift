/// The access unit a depacketizer is assembling: completed payloads (NAL units, OBUs, VP9
/// frames), the fragment being reassembled across packets (H.264 FU-A RFC 6184 §5.8, H.265 FU
/// RFC 7798 §4.4.3, AV1 OBU fragments AV1 RTP §4.4, a VP8/VP9 frame RFC 7741 §4 / RFC 9628 §4)
/// and whether the unit is broken. Every append is checked against `DepacketizerLimits`
/// before it happens: an overrun marks the unit broken instead of truncating it.
struct PartialAccessUnit: Sendable {
    /// Completed payloads, in order.
    private(set) var payloads: [[UInt8]] = []
    /// Sum of the sizes of `payloads`.
    private(set) var byteCount = 0
    /// The payload being reassembled from fragments; meaningful while `fragmentOpen`.
    private(set) var fragment: [UInt8] = []
    /// True between a fragment's start and its end.
    var fragmentOpen = false
    /// Set when a packet of this unit was lost, malformed or over a limit: the unit is dropped.
    var isBroken = false

    /// True when one more payload of `count` bytes fits, leaving `reserved` bytes free for
    /// something added on delivery (AV1's temporal delimiter).
    func canAppend(count: Int, reserved: Int = 0, limits: DepacketizerLimits) -> Bool {
        payloads.count < limits.maxNALUnitsPerAccessUnit && count <= limits.maxAccessUnitBytes - byteCount - reserved
    }

    /// Appends a payload whose size was checked with `canAppend`.
    mutating func append(_ payload: [UInt8]) {
        byteCount += payload.count
        payloads.append(payload)
    }

    /// Appends `payload` if it fits (`canAppend`), otherwise marks the unit broken.
    mutating func appendChecked(_ payload: ArraySlice<UInt8>, limits: DepacketizerLimits) {
        guard canAppend(count: payload.count, limits: limits) else {
            isBroken = true
            return
        }
        append(Array(payload))
    }

    /// Empties the fragment (keeping its storage) and opens it.
    mutating func startFragment() {
        fragment.removeAll(keepingCapacity: true)
        fragmentOpen = true
    }

    /// Adds `bytes` to the fragment if the unit stays within `maxAccessUnitBytes` (completed
    /// payloads plus fragment); otherwise marks the unit broken.
    mutating func appendToFragment(_ bytes: some Collection<UInt8>, limits: DepacketizerLimits) {
        guard bytes.count <= limits.maxAccessUnitBytes - byteCount - fragment.count else {
            isBroken = true
            return
        }
        fragment.append(contentsOf: bytes)
    }

    /// Adds one H.264 FU-A (RFC 6184 §5.8) or H.265 FU (RFC 7798 §4.4.3) to the fragment. A start
    /// opens it with the rebuilt NAL unit header (`headerByte`, then `secondHeaderByte` if any);
    /// a continuation must carry the NAL unit type the fragment began with (header bits under
    /// `typeMask`). Returns true when `isEnd` completed the NAL unit now in `fragment`; the
    /// fragment is closed then. Any violation marks the unit broken.
    mutating func appendFragmentationUnit(_ data: ArraySlice<UInt8>, isStart: Bool, isEnd: Bool, headerByte: UInt8,
                                          secondHeaderByte: UInt8?, typeMask: UInt8,
                                          limits: DepacketizerLimits) -> Bool {
        guard !(isStart && isEnd) else {  // RFC 6184 §5.8, RFC 7798 §4.4.3: not both in one FU
            isBroken = true
            return false
        }
        if isStart {
            guard !fragmentOpen else { isBroken = true; return false }
            startFragment()
            fragment.append(headerByte)
            if let secondHeaderByte { fragment.append(secondHeaderByte) }
        } else {
            guard fragmentOpen, let first = fragment.first, first & typeMask == headerByte & typeMask else {
                isBroken = true
                return false
            }
        }
        appendToFragment(data, limits: limits)
        guard !isBroken, isEnd else { return false }
        fragmentOpen = false
        return true
    }

    /// Moves the fragment into `payloads` as it is (a VP9 frame), without a count check.
    mutating func closeFragment() {
        fragmentOpen = false
        byteCount += fragment.count
        payloads.append(fragment)
    }

    /// Forgets the unit; the fragment keeps its storage for the next one.
    mutating func reset() {
        payloads = []
        byteCount = 0
        fragmentOpen = false
        isBroken = false
    }
}
