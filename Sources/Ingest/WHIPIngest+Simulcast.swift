import RTCBase
import RTP
import Routing
import SDP

/// How one video track negotiated with simulcast is split into layers (RFC 8853): the rids the
/// answer accepted (`NegotiatedMedia.simulcastRIDs`), the track id each layer is published as, and
/// the rtp-stream-id header extension (RFC 8852 §3) that names a packet's layer.
public struct SimulcastIngestLayout: Sendable, Equatable {
    public var payloadType: UInt8
    public var rids: [String]
    /// One per rid, in the same order; unique within the path.
    public var layerTrackIDs: [Int]
    public var streamIDExtensionID: UInt8

    public init(payloadType: UInt8, rids: [String], layerTrackIDs: [Int], streamIDExtensionID: UInt8) {
        self.payloadType = payloadType
        self.rids = rids
        self.layerTrackIDs = layerTrackIDs
        self.streamIDExtensionID = streamIDExtensionID
    }
}

extension WHIPIngest {
    /// A layered track: one assembler per layer; a layer's SSRC is learnt from packets that carry
    /// its rid (senders stop sending the extension once they know the receiver has the SSRC).
    struct LayeredTrack {
        struct Layer {
            var info: TrackInfo
            var assembler: RTPUnitAssembler
            var ssrc: UInt32?
            var meter = LayerBitrateMeter()
        }

        let layout: SimulcastIngestLayout
        var layers: [Layer]

        init(base: TrackInfo, layout: SimulcastIngestLayout) {
            self.layout = layout
            layers = zip(layout.rids, layout.layerTrackIDs).map { rid, id in
                var info = base
                info.id = id
                info.layer = TrackLayer(group: base.id, rid: rid)
                return Layer(info: info, assembler: RTPUnitAssembler(trackID: id, isVideo: true, codec: base.codec))
            }
        }

        /// Units the packet completes; nil when its layer is unknown (no rid yet, or a rid not
        /// accepted, or a malformed extension).
        mutating func receive(_ packet: RTPPacket, arrival: Instant) -> [MediaUnit]? {
            let index: Int
            if let rid = Self.rid(of: packet, extensionID: layout.streamIDExtensionID),
               let byRID = layers.firstIndex(where: { $0.info.layer?.rid == rid }) {
                index = byRID
                if layers[index].ssrc != packet.ssrc {
                    // A new SSRC for the rid (first packet, or the sender restarted the layer).
                    for other in layers.indices where layers[other].ssrc == packet.ssrc { layers[other].ssrc = nil }
                    layers[index].ssrc = packet.ssrc
                }
            } else if let bySSRC = layers.firstIndex(where: { $0.ssrc == packet.ssrc }) {
                index = bySSRC
            } else {
                return nil
            }
            layers[index].meter.record(byteCount: packet.payload.count + 12, arrival: arrival)
            return layers[index].assembler.push(packet, arrival: arrival)
        }

        /// The rid in the packet's rtp-stream-id element (RFC 8852 §3.1), if well formed.
        static func rid(of packet: RTPPacket, extensionID: UInt8) -> String? {
            guard let headerExtension = packet.headerExtension,
                  let elements = try? RTPHeaderExtensionElements.parse(headerExtension),
                  let data = elements[extensionID], !data.isEmpty,
                  data.count <= SimulcastNegotiation.maxRIDLength else { return nil }
            return String(validating: data, as: UTF8.self)
        }
    }

    /// Per layered track and layer (lowest track id first as laid out): the bitrate arriving now,
    /// nil for a layer the publisher does not send.
    public func layerBitrates(now: Instant) -> [Int: [UInt64?]] {
        var result: [Int: [UInt64?]] = [:]
        for track in layered {
            guard let group = track.layers.first?.info.layer?.group else { continue }
            result[group] = track.layers.map { $0.meter.bitrate(now: now) }
        }
        return result
    }

    /// The SSRC of the layer published as `trackID` (where a keyframe request for it goes).
    public func layerSSRC(trackID: Int) -> UInt32? {
        for track in layered {
            if let layer = track.layers.first(where: { $0.info.id == trackID }) { return layer.ssrc }
        }
        return nil
    }
}
