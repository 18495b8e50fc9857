import Codecs
import Egress
import Foundation
import Ingest
import NIOCore
import RTCBase
import RTP
import RTSP
import Routing

/// The media of an RTSP connection's session: reading a path (PLAY) and publishing into one (RECORD).
extension RTSPServerConnection {
    // MARK: Reading

    /// Builds the playback for a PLAY (kept across PAUSE/PLAY so numbering continues).
    func preparePlayback(_ stream: RTSPServerStream) {
        guard playback == nil else { return }
        guard let description = stream.description, let path = server.router.path(named: stream.path) else { return }
        var tracks: [RTSPServerPlayback.Track] = []
        for track in stream.tracks where track.mediaIndex < description.media.count {
            guard let info = try? IngestTrack.trackInfo(id: track.mediaIndex, media: description.media[track.mediaIndex])
            else { continue }
            var channels: (rtp: UInt8, rtcp: UInt8)?
            if case .interleaved(let rtp, let rtcp) = track.transport { channels = (rtp, rtcp) }
            tracks.append(RTSPServerPlayback.Track(mediaIndex: track.mediaIndex, kind: info.kind,
                                                   encodingName: info.encodingName, clockRate: info.clockRate,
                                                   payloadType: info.payloadType, channels: channels))
        }
        guard !tracks.isEmpty else { return }
        readPath = path
        playback = RTSPServerPlayback(tracks: tracks, cname: "rtcbridge-\(SecureRandom.uint32())",
                                      wallClockAnchor: RuntimeClock.wallClockAnchor())
    }

    /// Joins the path; called once the PLAY answer is written.
    func startReading() {
        guard reader == nil, let readPath, playback != nil else { return }
        let loop = channel.eventLoop
        do {
            reader = try readPath.addReader(wake: { [weak self] in
                let connection = self
                loop.execute { connection?.scheduleDrain() }
            })
            mediaStartedAt = Date()
            logger.info("RTSP reader started", metadata: ["path": "\(readPath.name)", "session": "\(apiID)"])
        } catch {
            logger.warning("RTSP reader refused: \(error)", metadata: ["path": "\(readPath.name)"])
            close()
        }
    }

    func stopReading() {
        if let reader, let readPath { readPath.removeReader(reader) }
        reader = nil
    }

    func scheduleDrain() {
        guard !drainScheduled else { return }
        drainScheduled = true
        drainReader()
    }

    /// Moves the reader's queued events through the playback in bounded batches.
    func drainReader() {
        drainScheduled = false
        guard let reader, playback != nil, !isClosed else { return }
        let more = reader.drain { events in
            let now = RuntimeClock.now()
            for event in events { playback?.handle(event, now: now) }
            processPlayback()
            return !isClosed
        }
        if more, !isClosed {
            drainScheduled = true
            channel.eventLoop.execute { [weak self] in self?.drainReader() }
        }
    }

    /// Writes the playback's outputs; a connection that cannot take more drops (video then waits
    /// for a keyframe), so a slow reader never holds up the path or grows without bound.
    func processPlayback() {
        var wrote = false
        // UDP media leaves through the server ports' loop: one hop per drain, not per packet.
        var datagrams = RTSPServer.DatagramBatch()
        defer {
            if wrote { channel.flush() }
            server.send(datagrams)
        }
        let deadline = driver.drain({ playback?.poll() }, deadline: { output in
            if case .timeout(let deadline) = output { deadline } else { nil }
        }) { output in
            switch output {
            case .interleaved(let bytes):
                if channel.isWritable {
                    channel.write(channel.allocator.buffer(bytes: bytes), promise: nil)
                    wrote = true
                } else {
                    playback?.noteDropped()
                }
            case .datagram(let bytes, let mediaIndex, let isRTCP):
                guard let ports = clientPorts[mediaIndex] else { return }
                if server.datagramsWritable(isRTCP: isRTCP) {
                    datagrams.append((bytes, isRTCP ? ports.rtcp : ports.rtp, isRTCP))
                } else {
                    playback?.noteDropped()
                }
            case .keyframeRequested:
                readPath?.requestKeyframe()
            case .pathClosed:
                close()   // ends the playback: the next poll finds none
            case .timeout:
                break
            }
        }
        if let deadline {
            playbackDeadline = deadline
            rearm()
        }
    }

    // MARK: Publishing

    func startRecording(_ stream: RTSPServerStream) {
        guard recording == nil else { return }
        do {
            guard let path = server.router.path(named: stream.path) else {
                throw SourceError.unusable("path '\(stream.path)' is gone")
            }
            recording = try RTSPServerRecording(stream: stream)
            publishPath = path
            for track in stream.tracks { recordTransports[track.mediaIndex] = track.transport }
            mediaStartedAt = Date()
            logger.info("RTSP publisher recording", metadata: [
                "path": "\(stream.path)", "session": "\(apiID)",
                "tracks": "\(recording?.infos.map { "\($0.encodingName)/\($0.clockRate)" } ?? [])",
            ])
            // Browsers cannot take AAC: mpeg4-generic is transcoded to Opus for WebRTC viewers
            // (AudioTranscodeRelay); MP4A-LATM is not.
            if recording?.infos.contains(where: { $0.kind == .audio && $0.codec?.format == .aacLATM }) == true {
                logger.warning("MP4A-LATM audio is not bridged to WebRTC yet; the track still goes to RTSP, RTP and recording outputs",
                               metadata: ["path": "\(stream.path)"])
            }
        } catch {
            logger.warning("RTSP RECORD refused: \(error)", metadata: ["path": "\(stream.path)"])
            close()
        }
    }

    /// RTP from the publisher: units go to the path once every video track saw a keyframe.
    func publish(_ bytes: [UInt8], mediaIndex: Int, now: Instant) {
        packetsReceived &+= 1
        bytesReceived &+= bytes.count
        guard let units = recording?.receiveRTP(bytes, mediaIndex: mediaIndex, now: now), !units.isEmpty,
              let publishPath else { return }
        if publisher == nil {
            guard recording?.isReady == true, let infos = recording?.infos else { return }
            let loop = channel.eventLoop
            do {
                publisher = try publishPath.attachPublisher(tracks: infos) { [weak self] in
                    let connection = self
                    loop.execute { connection?.sendPLI() }
                }
                logger.info("RTSP publisher ready", metadata: ["path": "\(publishPath.name)"])
            } catch {
                logger.warning("RTSP publisher refused: \(error)", metadata: ["path": "\(publishPath.name)"])
                close()
                return
            }
        }
        guard let publisher else { return }
        for unit in units { publishPath.publish(unit, token: publisher) }
    }

    /// RFC 4585 §6.3.1 PLI to the publisher for each video track, on its RTCP channel or port.
    func sendPLI() {
        guard !isClosed, let recording else { return }
        for (mediaIndex, ssrc) in recording.videoSSRCs {
            let pli = RTCPCompound.serialize([.pictureLossIndication(RTCPPictureLossIndication(senderSSRC: localSSRC, mediaSSRC: ssrc))])
            switch recordTransports[mediaIndex] {
            case .interleaved(_, let rtcp):
                var frame: [UInt8] = [0x24, rtcp]
                frame.appendUInt16(UInt16(truncatingIfNeeded: pli.count))
                frame += pli
                channel.writeAndFlush(channel.allocator.buffer(bytes: frame), promise: nil)
            case .udp:
                if let ports = clientPorts[mediaIndex] { _ = server.sendDatagram(pli, to: ports.rtcp, isRTCP: true) }
            case nil:
                break
            }
        }
    }

    /// Ends reading and publishing (TEARDOWN, timeout, disconnect, shutdown) and forgets the UDP
    /// routes. A reader gets a final SR + SDES + BYE per track first (over UDP it sees no TCP
    /// close), and its counts join the server's totals of ended readers.
    func stopMedia() {
        if playback != nil {
            playback?.close(reason: server.isStopping ? "server shutting down" : "session ended", now: RuntimeClock.now())
            processPlayback()
            if let stats = playback?.stats, let readPath { server.readerEnded(path: readPath.name, stats: stats) }
        }
        stopReading()
        readPath = nil
        playback = nil
        playbackDeadline = .distantFuture
        startMediaAfterAnswer = false
        if let publisher, let publishPath {
            publishPath.detachPublisher(publisher)
            logger.info("RTSP publisher left", metadata: ["path": "\(publishPath.name)"])
        }
        publisher = nil
        publishPath = nil
        recording = nil
        mediaStartedAt = nil
        recordTransports = [:]
        clientPorts = [:]
        server.removeRoutes(of: self)
    }
}
