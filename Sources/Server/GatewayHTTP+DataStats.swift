import Foundation
import Hummingbird
import Routing
import Runtime

extension WebPages {
    /// The player page; on a path with a data device (`--data`) its body says so
    /// (`data-data-channel="1"`), and the page then opens a data channel and shows the data panel.
    /// Other viewers offer no data channel, so the gateway runs no SCTP for them.
    func playerPage(hasDataDevice: Bool) -> Response {
        guard hasDataDevice, let page = playerHTML(hasDataDevice: true) else { return response(named: "player.html") }
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                        body: .init(byteBuffer: .init(string: page)))
    }

    /// The player page's text, marked when the path has a data device.
    func playerHTML(hasDataDevice: Bool) -> String? {
        guard let bytes = files["player.html"], let page = String(validating: bytes, as: UTF8.self) else { return nil }
        return hasDataDevice ? page.replacingOccurrences(of: "<body>", with: "<body data-data-channel=\"1\">") : page
    }
}

extension GatewayHTTP {
    /// The `data` entry of a path in `/api/stats` (issue #9): the bus counters, each reader's
    /// (sessions by their metrics id, the UDP device), and the device's datagram counters; nil
    /// when the path has neither a data device nor a session with data channels.
    static func dataStats(_ path: Path, device: DataUDPLink?) async -> [String: Any]? {
        let bus = path.dataBus.stats
        guard device != nil || bus.readers > 0 || bus.messagesIn > 0 else { return nil }
        var entry: [String: Any] = [
            "readers": bus.readers, "messagesIn": bus.messagesIn, "bytesIn": bus.bytesIn,
            "rejected": bus.rejected, "queued": bus.queued, "dropped": bus.dropped,
            "readerStats": path.dataBus.readerStats.map { reader -> [String: Any] in
                ["kind": reader.kind, "name": reader.name, "delivered": reader.delivered, "deliveredBytes": reader.deliveredBytes,
                 "published": reader.published, "publishedBytes": reader.publishedBytes, "dropped": reader.dropped,
                 "queued": reader.queued, "queuedBytes": reader.queuedBytes]
            },
        ]
        if let device {
            let stats = await device.stats()
            entry["udp"] = ["address": device.spec.description, "datagramsIn": stats.datagramsIn, "bytesIn": stats.bytesIn,
                            "datagramsOut": stats.datagramsOut, "bytesOut": stats.bytesOut,
                            "droppedTooLarge": stats.droppedTooLarge, "droppedTooLargeOut": stats.droppedTooLargeOut,
                            "droppedReceiveBuffer": stats.droppedReceiveBuffer,
                            "droppedNoTarget": stats.droppedNoTarget]
        }
        return entry
    }
}

extension GatewayHTTP {
    /// The `mpegTS` entry of a path in `/api/stats`: the MPEG-TS over UDP source's counters.
    static func mpegTSStats(_ source: MPEGTSSource) async -> [String: Any] {
        let stats = await source.stats()
        let d = stats.demuxer
        return ["address": source.spec.description, "datagrams": stats.datagrams, "packets": d.packets,
                "units": d.units, "published": stats.published, "beforeReady": stats.beforeReady, "restarts": stats.restarts,
                "resyncs": d.resyncs, "skippedBytes": d.skippedBytes, "malformedPackets": d.malformedPackets,
                "duplicatePackets": d.duplicatePackets, "continuityErrors": d.continuityErrors, "badSections": d.badSections,
                "damagedUnits": d.damagedUnits, "malformedUnits": d.malformedUnits]
    }
}
