/// The data-path (issue #9) and MPEG-TS ingest series of `/metrics`.
extension MetricsExporter.Writer {
    /// Per path: the data bus and its UDP device; per reader: the device's, and those of the
    /// sessions that have per-session series (`exportedSessions`, so the session cap bounds them
    /// too). Per MPEG-TS source: the demuxer's counters.
    mutating func writeData(_ snapshot: MetricsSnapshot, exportedSessions: Set<String>) {
        for data in snapshot.data {
            let labels = [("path", data.path)]
            gauge("rtcbridge_data_readers", labels, Double(data.readers))
            counter("rtcbridge_data_messages_in_total", labels, data.messagesIn)
            counter("rtcbridge_data_bytes_in_total", labels, data.bytesIn)
            counter("rtcbridge_data_messages_out_total", labels, data.messagesOut)
            counter("rtcbridge_data_dropped_total", labels + [("reason", "reader_queue_overflow")], data.dropped)
            counter("rtcbridge_data_dropped_total", labels + [("reason", "too_large")], data.rejected)
            if let device = data.device {
                counter("rtcbridge_data_device_datagrams_in_total", labels, device.datagramsIn)
                counter("rtcbridge_data_device_bytes_in_total", labels, device.bytesIn)
                counter("rtcbridge_data_device_datagrams_out_total", labels, device.datagramsOut)
                counter("rtcbridge_data_device_bytes_out_total", labels, device.bytesOut)
                counter("rtcbridge_data_device_dropped_total", labels + [("reason", "too_large")], device.droppedTooLarge)
                counter("rtcbridge_data_device_dropped_total", labels + [("reason", "no_target")], device.droppedNoTarget)
                counter("rtcbridge_data_device_dropped_total", labels + [("reason", "receive_buffer_full")],
                        device.droppedReceiveBuffer)
            }
            for reader in data.readerSamples where reader.kind == "udp" || exportedSessions.contains(reader.name) {
                let readerLabels = labels + [("kind", reader.kind), ("reader", reader.name)]
                counter("rtcbridge_data_reader_messages_in_total", readerLabels, reader.messagesIn)
                counter("rtcbridge_data_reader_bytes_in_total", readerLabels, reader.bytesIn)
                counter("rtcbridge_data_reader_messages_out_total", readerLabels, reader.messagesOut)
                counter("rtcbridge_data_reader_bytes_out_total", readerLabels, reader.bytesOut)
                counter("rtcbridge_data_reader_dropped_total", readerLabels, reader.dropped)
                gauge("rtcbridge_data_reader_queued", readerLabels, Double(reader.queued))
            }
        }
        for ts in snapshot.mpegTS {
            let labels = [("path", ts.path)], d = ts.stats.demuxer
            counter("rtcbridge_mpegts_datagrams_total", labels, ts.stats.datagrams)
            counter("rtcbridge_mpegts_packets_total", labels, d.packets)
            counter("rtcbridge_mpegts_units_published_total", labels, ts.stats.published)
            counter("rtcbridge_mpegts_resyncs_total", labels, d.resyncs)
            counter("rtcbridge_mpegts_skipped_bytes_total", labels, d.skippedBytes)
            counter("rtcbridge_mpegts_continuity_errors_total", labels, d.continuityErrors)
            counter("rtcbridge_mpegts_restarts_total", labels, ts.stats.restarts)
            for (reason, count) in [("malformed_packet", d.malformedPackets), ("duplicate_packet", d.duplicatePackets),
                                    ("bad_section", d.badSections), ("damaged_unit", d.damagedUnits),
                                    ("malformed_unit", d.malformedUnits)] {
                counter("rtcbridge_mpegts_dropped_total", labels + [("reason", reason)], count)
            }
        }
    }
}
