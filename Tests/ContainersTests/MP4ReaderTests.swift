import Codecs
@testable import Containers
import Testing

/// The MP4 reader on ffmpeg-made files (Fixtures/README.txt): tracks, sample tables, composition
/// offsets, parameter sets in-band, every cap at its limit and one past it, and broken files.
@Suite struct MP4ReaderTests {
    static func bframes() throws -> [UInt8] { try Fixtures.fixture("tiny-bframes.mp4") }

    @Test func h264WithBFramesAndOpus() throws {
        let reader = try MP4Reader(try Self.bframes())
        #expect(reader.tracks.map(\.codec) == [.h264, .opus])
        let video = reader.tracks[0], audio = reader.tracks[1]
        #expect(video.timescale == 10240)
        #expect(video.nalLengthSize == 4)
        #expect(video.parameterSets.map { H264.nalType($0[0]) } == [7, 8])
        #expect(video.samples.count == 10)
        #expect(video.samples.map(\.decodeTime) == (0..<10).map { Int64($0) * 1024 })
        #expect(video.samples.allSatisfy { $0.duration == 1024 })
        #expect(video.samples.map(\.isSync) == [true, false, false, false, false, true, false, false, false, false])
        // Decode order I P B B …: presentation times are a shuffled 0, 1024, … plus a constant delay.
        let presentation = video.samples.map { $0.decodeTime + $0.compositionOffset }
        #expect(presentation != presentation.sorted())
        let delay = try #require(presentation.min())
        #expect(presentation.sorted() == (0..<10).map { Int64($0) * 1024 + delay })
        #expect(audio.timescale == 48000 && audio.channels == 1 && audio.sampleRate == 48000)
        #expect(!audio.samples.isEmpty && audio.samples.allSatisfy { $0.duration == 960 || $0 == audio.samples.last })

        // A sync sample gets the avcC parameter sets before its slices; others do not.
        let key = try reader.accessUnit(video.samples[0], of: video)
        #expect(key.isKeyframe)
        #expect(key.payloads.prefix(2).map { H264.nalType($0[0]) } == [7, 8])
        #expect(key.payloads.contains { H264.nalType($0[0]) == H264.NALType.idrSlice })
        let delta = try reader.accessUnit(video.samples[1], of: video)
        #expect(!delta.isKeyframe && delta.payloads.allSatisfy { H264.nalType($0[0]) != 7 })
        let opus = try reader.accessUnit(audio.samples[0], of: audio)
        #expect(opus.payloads.count == 1 && (try? Opus.sampleCount(opus.payloads[0][...])) == 960)
    }

    @Test func h265AndAAC() throws {
        let reader = try MP4Reader(try Fixtures.fixture("tiny-hevc-aac.mp4"))
        #expect(reader.tracks.map(\.codec) == [.h265, .aac])
        let video = reader.tracks[0], audio = reader.tracks[1]
        #expect(video.parameterSets.map { H265.nalType($0[0]) }.prefix(3) == [32, 33, 34])
        let key = try reader.accessUnit(video.samples[0], of: video)
        #expect(key.payloads.prefix(3).map { H265.nalType($0[0]) } == [32, 33, 34])
        #expect(key.payloads.contains { H265.isIRAP(H265.nalType($0[0])) })
        #expect(audio.audioSpecificConfig.map { try? AAC.AudioSpecificConfig(bytes: $0) }??.sampleRate == 48000)
        #expect(audio.channels == 1 && audio.sampleRate == 48000)
        #expect(audio.samples.allSatisfy { $0.duration == 1024 || $0 == audio.samples.last })
    }

    /// ffmpeg `-movflags frag_keyframe+empty_moov`: empty sample tables, samples in moof/trun.
    @Test func fragmentedMP4() throws {
        let bytes = try Fixtures.fixture("tiny-fragmented.mp4")
        let reader = try MP4Reader(bytes)
        #expect(reader.tracks.map(\.codec) == [.h264])
        let video = reader.tracks[0]
        #expect(video.samples.count == 4)
        #expect(video.samples.map(\.decodeTime) == video.samples.indices.map { Int64($0) * video.samples[0].duration })
        #expect(video.samples.first?.isSync == true && video.samples.first?.duration ?? 0 > 0)
        let key = try reader.accessUnit(video.samples[0], of: video)
        #expect(key.isKeyframe && key.payloads.contains { H264.nalType($0[0]) == H264.NALType.idrSlice })
        for sample in video.samples.dropFirst() { #expect(try reader.accessUnit(sample, of: video).payloads.isEmpty == false) }
        #expect(throws: Never.self) { try MP4Reader(bytes, limits: .init(maxSamplesPerTrack: 4)) }
        #expect(throws: ContainerError.self) { try MP4Reader(bytes, limits: .init(maxSamplesPerTrack: 3)) }
        for length in stride(from: 0, to: bytes.count, by: 3) { check(Array(bytes.prefix(length))) }
    }

    @Test func notAnMP4() {
        #expect(throws: ContainerError.self) { try MP4Reader(Array("not a movie at all".utf8)) }
        #expect(throws: ContainerError.self) { try MP4Reader([]) }
        #expect(throws: ContainerError.self) { try MP4Reader([0, 0, 0, 8] + Array("free".utf8)) }
    }

    /// Each cap: the file's own value passes, one less fails with `limitExceeded`.
    @Test func limitsAtTheCapAndOnePast() throws {
        let bytes = try Self.bframes()
        let reader = try MP4Reader(bytes)
        let mostSamples = reader.tracks.map(\.samples.count).max() ?? 0
        let biggestSample = reader.tracks.flatMap(\.samples).map(\.size).max() ?? 0
        let moov = try #require(try MP4Box.parse(bytes[...]).first { $0.type == "moov" })
        let mostNALUnits = try reader.tracks[0].samples.map { sample in
            try MP4Reader(bytes).accessUnit(sample, of: MP4Reader.Track(
                trackID: 1, codec: .h264, timescale: 1, channels: nil, sampleRate: nil, parameterSets: [], nalLengthSize: 4,
                audioSpecificConfig: nil, samples: [])).payloads.count
        }.max() ?? 0
        let caps: [(MP4Reader.Limits, MP4Reader.Limits)] = [
            (.init(maxBoxDepth: 8), .init(maxBoxDepth: 7)),
            (.init(maxMetadataBytes: moov.body.count), .init(maxMetadataBytes: moov.body.count - 1)),
            (.init(maxTracks: 2), .init(maxTracks: 1)),
            (.init(maxSamplesPerTrack: mostSamples), .init(maxSamplesPerTrack: mostSamples - 1)),
            (.init(maxSampleBytes: biggestSample), .init(maxSampleBytes: biggestSample - 1)),
        ]
        for (atCap, pastCap) in caps {
            #expect(throws: Never.self) { try MP4Reader(bytes, limits: atCap) }
            #expect {
                try MP4Reader(bytes, limits: pastCap)
            } throws: { error in
                guard case .limitExceeded = error as? ContainerError else { return false }
                return true
            }
        }
        let atCap = try MP4Reader(bytes, limits: .init(maxNALUnitsPerSample: mostNALUnits))
        for sample in atCap.tracks[0].samples { _ = try atCap.accessUnit(sample, of: atCap.tracks[0]) }
        let pastCap = try MP4Reader(bytes, limits: .init(maxNALUnitsPerSample: mostNALUnits - 1))
        #expect {
            for sample in pastCap.tracks[0].samples { _ = try pastCap.accessUnit(sample, of: pastCap.tracks[0]) }
        } throws: { error in
            guard case .limitExceeded = error as? ContainerError else { return false }
            return true
        }
    }

    /// Cut at every length and with bytes flipped all over: an error or a reading, never a crash,
    /// and samples always inside the file.
    @Test func truncatedAndCorruptedFilesNeverCrash() throws {
        let bytes = try Self.bframes()
        let moov = try #require(try MP4Box.parse(bytes[...]).first { $0.type == "moov" })
        var lengths = Array(stride(from: 0, to: bytes.count, by: 7))
        lengths += Array(moov.offset..<(moov.offset + moov.size))
        for length in lengths { check(Array(bytes.prefix(length))) }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<400 {
            var corrupted = bytes
            for _ in 0..<4 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let index = moov.offset + Int(state >> 33) % moov.size
                corrupted[index] ^= UInt8(truncatingIfNeeded: state >> 17) | 1
            }
            check(corrupted)
        }
    }

    func check(_ bytes: [UInt8]) {
        guard let reader = try? MP4Reader(bytes) else { return }
        for track in reader.tracks {
            for sample in track.samples {
                #expect(sample.offset >= 0 && sample.offset + sample.size <= bytes.count)
                _ = try? reader.accessUnit(sample, of: track)
            }
        }
    }
}
