import RTCBase

/// Which layer of a layered (simulcast) video track one viewer gets, sans-IO (issue #11).
///
/// Layers are indexed from the lowest bitrate (0) up; a nil bitrate is a layer the publisher does
/// not send at the moment. The selector aims at the highest layer whose bitrate × `upMargin` fits
/// the viewer's estimate:
/// - **down** at once when the current layer's bitrate × `downMargin` no longer fits;
/// - **up** only after a higher layer has fitted for `upHold`. An up switch followed by a down
///   switch within `failedSwitchWindow` was a failed probe: the hold doubles (up to `maxUpHold`);
///   a layer kept for that window resets it;
/// - **pause** (when `pausesBelowLowest`, e.g. a track without simulcast): below the lowest
///   layer's bitrate × `pauseMargin` nothing is forwarded; it resumes like an up switch.
///
/// The viewer moves to the target only at a keyframe of the target layer (`forwards`); until then
/// it keeps the current layer, and the selector asks for a keyframe on the target layer every
/// `keyframeRequestInterval` (`pollKeyframeRequest`). The caller rewrites whatever is forwarded
/// onto the viewer's one SSRC with `RTPStreamRewriter` (use one source epoch per layer switch).
public struct SimulcastLayerSelector: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var upMargin = 1.15
        public var downMargin = 1.0
        public var upHold: Duration = .seconds(1)
        public var maxUpHold: Duration = .seconds(32)
        public var failedSwitchWindow: Duration = .seconds(5)
        public var pausesBelowLowest = false
        public var pauseMargin = 0.5
        public var keyframeRequestInterval: Duration = .milliseconds(500)
        public init() {}
    }

    public struct Counters: Sendable, Equatable {
        public var switchesUp = 0
        public var switchesDown = 0
        public var pauses = 0
        public var keyframeRequests = 0
        public var failedProbes = 0
        public init() {}
    }

    public let configuration: Configuration
    public private(set) var counters = Counters()
    /// The layer being forwarded; nil before the first keyframe and while paused.
    public private(set) var current: Int?
    /// The layer wanted; nil when paused.
    public private(set) var target: Int?
    /// Bits per second per layer, lowest first; nil for a layer not sent now.
    public private(set) var layerBitrates: [UInt64?]
    public private(set) var estimate: UInt64 = 0
    private var upHold: Duration
    private var fitsHigherSince: Instant?
    private var lastUpSwitch: Instant?
    private var lastRequest: Instant?

    public init(layerBitrates: [UInt64?], configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.layerBitrates = layerBitrates
        upHold = configuration.upHold
    }

    /// The viewer's new estimate, or new layer bitrates measured from the stream.
    public mutating func update(estimate: UInt64, layerBitrates: [UInt64?]? = nil, now: Instant) {
        self.estimate = estimate
        if let layerBitrates { self.layerBitrates = layerBitrates }
        if let lastUpSwitch, now - lastUpSwitch >= configuration.failedSwitchWindow {
            self.lastUpSwitch = nil
            upHold = configuration.upHold
        }
        target = chooseTarget(now: now)
    }

    /// Whether a unit of `layer` is forwarded to the viewer; a keyframe of the target layer
    /// completes a pending switch.
    public mutating func forwards(layer: Int, isKeyframe: Bool, now: Instant) -> Bool {
        if let target, layer == target, target != current, isKeyframe {
            complete(switchTo: target, now: now)
            return true
        }
        return current == layer
    }

    /// The layer to ask the publisher for a keyframe on (PLI on that layer's SSRC), if one is due:
    /// at once for a new target, then every `keyframeRequestInterval` until it comes.
    public mutating func pollKeyframeRequest(now: Instant) -> Int? {
        guard let target, target != current else { return nil }
        if let lastRequest, now - lastRequest < configuration.keyframeRequestInterval { return nil }
        lastRequest = now
        counters.keyframeRequests += 1
        return target
    }

    /// When to call `pollKeyframeRequest` again while a switch waits for its keyframe.
    public var nextDeadline: Instant? {
        guard let target, target != current else { return nil }
        return lastRequest.map { $0 + configuration.keyframeRequestInterval }
    }

    /// Whether the layer wanted is not the one forwarded.
    public var isSwitching: Bool { target != current }

    private mutating func complete(switchTo layer: Int, now: Instant) {
        if let current {
            if layer > current {
                counters.switchesUp += 1
                lastUpSwitch = now
            } else {
                counters.switchesDown += 1
            }
        } else if counters.pauses > 0 {
            lastUpSwitch = now   // resuming after a pause is a probe too
        }
        current = layer
        fitsHigherSince = nil
    }

    private func fits(_ layer: Int, margin: Double) -> Bool {
        guard layerBitrates.indices.contains(layer), let bitrate = layerBitrates[layer] else { return false }
        return Double(estimate) >= Double(bitrate) * margin
    }

    private func isAvailable(_ layer: Int) -> Bool {
        layerBitrates.indices.contains(layer) && layerBitrates[layer] != nil
    }

    private mutating func chooseTarget(now: Instant) -> Int? {
        let layers = layerBitrates.indices.filter { layerBitrates[$0] != nil }
        guard let lowest = layers.first else { return nil }
        if configuration.pausesBelowLowest, !fits(lowest, margin: configuration.pauseMargin) {
            if current != nil || target != nil {
                counters.pauses += 1
                noteFailedProbe(now: now)
                current = nil
            }
            fitsHigherSince = nil
            return nil
        }
        let best = layers.last { fits($0, margin: configuration.upMargin) } ?? lowest
        guard let base = target ?? current else {
            // Starting: what fits now. Resuming after a pause: after the up hold.
            return counters.pauses > 0 ? held(best, from: nil, now: now) : best
        }
        guard isAvailable(base) else {
            fitsHigherSince = nil
            return best
        }
        if !fits(base, margin: configuration.downMargin) {
            fitsHigherSince = nil
            if current == base { noteFailedProbe(now: now) }
            return layers.last { $0 < base && fits($0, margin: configuration.downMargin) } ?? lowest
        }
        if best > base { return held(best, from: base, now: now) }
        fitsHigherSince = nil
        return base
    }

    /// Leaving a layer within `failedSwitchWindow` of moving up to it: the up hold doubles.
    private mutating func noteFailedProbe(now: Instant) {
        guard let lastUpSwitch, now - lastUpSwitch < configuration.failedSwitchWindow else { return }
        counters.failedProbes += 1
        upHold = min(upHold * 2, configuration.maxUpHold)
        self.lastUpSwitch = nil
    }

    /// `best` once a higher layer has fitted for the up hold, else `base`.
    private mutating func held(_ best: Int, from base: Int?, now: Instant) -> Int? {
        guard let since = fitsHigherSince else {
            fitsHigherSince = now
            return base
        }
        return now - since >= upHold ? best : base
    }

    /// The hold before the next up switch (grows after failed probes).
    public var currentUpHold: Duration { upHold }
}
