import Routing
import Runtime

extension MetricsCollector {
    /// Data buses and devices and MPEG-TS sources, read from the counters `/api/stats` reads, and
    /// their drops by reason (added to `snapshot.drops`).
    func collectData(into snapshot: inout MetricsSnapshot) async {
        let devices = gateway.dataDevices
        var tooLarge = 0, noTarget = 0, overflow = 0, receiveBuffer = 0
        for path in gateway.router.paths.sorted(by: { $0.name < $1.name }) {
            let bus = path.dataBus.stats
            let device = devices[path.name]
            guard device != nil || bus.readers > 0 || bus.messagesIn > 0 || bus.rejected > 0 else { continue }
            var sample = MetricsSnapshot.DataPathSample(path: path.name)
            sample.readers = bus.readers
            (sample.messagesIn, sample.bytesIn, sample.messagesOut) = (bus.messagesIn, bus.bytesIn, bus.queued)
            (sample.dropped, sample.rejected) = (bus.dropped, bus.rejected)
            sample.readerSamples = path.dataBus.readerStats.map { stats in
                var reader = MetricsSnapshot.DataPathSample.Reader(kind: stats.kind, name: stats.name)
                (reader.messagesIn, reader.bytesIn) = (stats.published, stats.publishedBytes)
                (reader.messagesOut, reader.bytesOut) = (stats.delivered, stats.deliveredBytes)
                (reader.dropped, reader.queued) = (stats.dropped, stats.queued)
                return reader
            }
            if let device {
                let stats = await device.stats()
                var entry = MetricsSnapshot.DataPathSample.Device()
                (entry.datagramsIn, entry.bytesIn, entry.datagramsOut, entry.bytesOut) =
                    (stats.datagramsIn, stats.bytesIn, stats.datagramsOut, stats.bytesOut)
                (entry.droppedTooLarge, entry.droppedNoTarget, entry.droppedReceiveBuffer) =
                    (stats.droppedTooLarge, stats.droppedNoTarget, stats.droppedReceiveBuffer)
                receiveBuffer += stats.droppedReceiveBuffer
                sample.device = entry
                noTarget += stats.droppedNoTarget
                // Over the device's maxSize, refused by the bus, or browser messages too large for a datagram.
                tooLarge += stats.droppedTooLarge
            }
            // Browsers' messages the bus refused (the device's are counted above).
            tooLarge += path.dataBus.readerStats.filter { $0.kind != "udp" }.reduce(0) { $0 + $1.rejected }
            overflow += bus.dropped
            snapshot.data.append(sample)
        }
        var continuity = 0, malformed = 0, resyncs = 0
        for (name, source) in gateway.mpegTSSources.sorted(by: { $0.key < $1.key }) {
            let stats = await source.stats()
            let d = stats.demuxer
            continuity += d.continuityErrors + d.damagedUnits
            malformed += d.malformedPackets + d.malformedUnits + d.badSections
            resyncs += d.resyncs
            snapshot.mpegTS.append(MetricsSnapshot.MPEGTSSample(path: name, stats: stats))
        }
        snapshot.drops["data_too_large"] = tooLarge
        snapshot.drops["data_no_target"] = noTarget
        snapshot.drops["data_receive_buffer_full"] = receiveBuffer
        snapshot.drops["data_reader_queue_overflow"] = overflow
        snapshot.drops["mpegts_continuity"] = continuity
        snapshot.drops["mpegts_malformed"] = malformed
        snapshot.drops["mpegts_resync"] = resyncs
    }
}
