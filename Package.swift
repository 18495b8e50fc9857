// swift-tools-version:6.1
// RTCBridge — a protocol-bridging media gateway. Layers follow ARCHITECTURE (house plan):
// C → wire → engines → protocols → routing → adapters (Ingest, Egress, Recording; sans-IO) →
// runtime → app. Targets are listed bottom-up and depend only on targets above them; each
// declares exactly the modules it imports (scripts/check-imports.py checks both).
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "rtcbridge",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "rtcbridge", targets: ["rtcbridge"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "5.0.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
    ],
    targets: [
        // C layer
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSRTP", pkgConfig: "libsrtp2", providers: [.apt(["libsrtp2-dev"])]),
        .target(name: "CRTCShim", dependencies: ["COpenSSL"],
                linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),
        .target(name: "CUDPBatch"),   // sendmmsg/recvmmsg (need _GNU_SOURCE)
        .target(name: "CSCTPShim", linkerSettings: [.linkedLibrary("usrsctp")]),   // usrsctp (libusrsctp-dev), AF_CONN only
        // libavcodec + libswresample (AAC/G.722 decoding) and libopus behind an opaque C API
        // (libavcodec-dev libavutil-dev libswresample-dev libopus-dev)
        .target(name: "CAudioCodecs", linkerSettings: [
            .linkedLibrary("avcodec"), .linkedLibrary("avutil"), .linkedLibrary("swresample"), .linkedLibrary("opus"),
        ]),

        // shared value types (time, addresses, byte reading)
        .target(name: "RTCBase", swiftSettings: strict),

        // wire
        .target(name: "STUN", dependencies: ["RTCBase", "CRTCShim", "COpenSSL"], swiftSettings: strict),
        .target(name: "RTP", dependencies: ["RTCBase"], swiftSettings: strict,
                linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]),   // NTP time math without Foundation
        .target(name: "Codecs", dependencies: ["RTCBase"], swiftSettings: strict),
        .target(name: "Containers", dependencies: ["RTCBase", "Codecs"], swiftSettings: strict),
        .target(name: "SDP", dependencies: ["Codecs"], swiftSettings: strict),   // codecs' offer/answer rules

        // engines
        .target(name: "ICE", dependencies: ["RTCBase", "STUN"], swiftSettings: strict),
        .target(name: "SRTP", dependencies: ["COpenSSL", "CSRTP"], swiftSettings: strict),
        .target(name: "DTLS", dependencies: ["RTCBase", "COpenSSL", "CRTCShim", "SRTP"], swiftSettings: strict),
        .target(name: "SCTP", dependencies: ["RTCBase", "CSCTPShim"], swiftSettings: strict),   // data channels (RFC 8831/8832)

        // protocols
        .target(name: "WebRTC", dependencies: ["RTCBase", "STUN", "RTP", "ICE", "DTLS", "SRTP", "SCTP"], swiftSettings: strict),
        .target(name: "RTSP", dependencies: ["RTCBase", "SDP", "COpenSSL"], swiftSettings: strict,
                linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]),   // NPT rounding without Foundation
        .target(name: "WHIP", dependencies: ["RTCBase", "SDP", "ICE"], swiftSettings: strict),

        // routing
        .target(name: "Routing", dependencies: ["RTCBase", "RTP", "Codecs"], swiftSettings: strict),

        // adapters (sans-IO, on virtual time): ingest machines, pass-through egress machines, recording muxers
        .target(name: "Ingest", dependencies: ["RTCBase", "SDP", "RTP", "Codecs", "Containers", "RTSP", "Routing"], swiftSettings: strict),
        .target(name: "Egress", dependencies: ["RTCBase", "SDP", "RTP", "Codecs", "WebRTC", "RTSP", "Routing"],
                swiftSettings: strict),
        .target(name: "Recording", dependencies: ["RTCBase", "Codecs", "Containers", "Routing"], swiftSettings: strict),
        // AAC/G.722 → Opus for WebRTC readers (sans-IO)
        .target(name: "Transcode", dependencies: ["Codecs", "RTP", "Routing", "CAudioCodecs"], swiftSettings: strict),

        // authorization (sans-IO): static tokens, JWT (jwt-kit), webhook decisions, failure rate limit
        .target(name: "Auth", dependencies: [
            "RTCBase",
            .product(name: "JWTKit", package: "jwt-kit"),
        ], swiftSettings: strict),

        // runtime: SwiftNIO drivers for the adapters, and the Hummingbird server
        .target(name: "Runtime", dependencies: [
            "RTCBase", "SDP", "RTP", "Codecs", "Containers", "ICE", "DTLS", "SCTP", "WebRTC", "RTSP", "Routing",
            "WHIP", "Ingest", "Egress", "Recording", "Transcode", "CUDPBatch",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], resources: [.copy("Demo")], swiftSettings: strict),
        .target(name: "Server", dependencies: [
            "RTCBase", "ICE", "WebRTC", "RTSP", "Routing", "Egress", "Recording", "Runtime", "Auth",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], resources: [.copy("Web")], swiftSettings: strict),
        // the control API (docs/openapi.yaml; Generated/ is swift-openapi-generator's output, committed)
        .target(name: "ControlAPI", dependencies: [
            "RTCBase", "Runtime", "Server",
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
        ], swiftSettings: strict),

        // app
        .executableTarget(name: "rtcbridge", dependencies: [
            "Runtime", "Server", "ControlAPI",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),

        // test support and benchmarks
        .target(name: "TestSupport", dependencies: ["RTCBase"], swiftSettings: strict),
        .target(name: "WebRTCTestSupport", dependencies: ["RTCBase", "STUN", "RTP", "ICE", "DTLS", "SRTP", "SCTP", "WebRTC", "TestSupport"],
                swiftSettings: strict),
        .target(name: "CHeapStats", path: "Benchmarks/CHeapStats"),   // mallinfo2 for memory benchmarks
        .executableTarget(name: "RTCBridgeBenchmarks", dependencies: [
            "CHeapStats",
            "RTCBase", "SDP", "RTP", "Codecs", "ICE", "SRTP", "DTLS", "SCTP", "WebRTC", "Routing", "Ingest", "Egress",
            "WebRTCTestSupport", "RTSP", "Runtime", "Server", "Transcode",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Benchmarks/RTCBridgeBenchmarks", swiftSettings: strict),

        .executableTarget(name: "RTCBridgeLoad", dependencies: ["RTCBase", "SDP", "STUN", "RTP", "ICE", "DTLS", "SRTP", "CUDPBatch"],
                          path: "Benchmarks/RTCBridgeLoad", swiftSettings: strict),

        // fuzzing (Fuzz/README.md): single-file executables; a plain build links an empty main,
        // `--sanitize=fuzzer` links libFuzzer's driver.
        .executableTarget(name: "FuzzSDP", dependencies: ["SDP"], path: "Fuzz/FuzzSDP", swiftSettings: strict),
        .executableTarget(name: "FuzzSTUN", dependencies: ["RTCBase", "STUN", "ICE"], path: "Fuzz/FuzzSTUN",
                          swiftSettings: strict),
        .executableTarget(name: "FuzzRTP", dependencies: ["RTCBase", "RTP"], path: "Fuzz/FuzzRTP", swiftSettings: strict),
        .executableTarget(name: "FuzzCodecs", dependencies: ["Codecs"], path: "Fuzz/FuzzCodecs", swiftSettings: strict),
        .executableTarget(name: "FuzzContainers", dependencies: ["Codecs", "Containers"], path: "Fuzz/FuzzContainers",
                          swiftSettings: strict),
        .executableTarget(name: "FuzzRTSP", dependencies: ["RTCBase", "RTSP"], path: "Fuzz/FuzzRTSP", swiftSettings: strict),
        .executableTarget(name: "FuzzDCEP", dependencies: ["RTCBase", "SCTP"], path: "Fuzz/FuzzDCEP", swiftSettings: strict),
        .executableTarget(name: "FuzzDTLS", dependencies: ["DTLS"], path: "Fuzz/FuzzDTLS", swiftSettings: strict),

        // tests
        .testTarget(name: "RTCBaseTests", dependencies: ["RTCBase"], swiftSettings: strict),
        .testTarget(name: "SDPTests", dependencies: ["SDP"], resources: [.copy("Vectors")], swiftSettings: strict),
        .testTarget(name: "STUNTests", dependencies: ["RTCBase", "STUN"], swiftSettings: strict),
        .testTarget(name: "RTPTests", dependencies: ["RTCBase", "RTP", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "CodecsTests", dependencies: ["RTCBase", "Codecs", "TestSupport"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "ContainersTests", dependencies: ["RTCBase", "Codecs", "Containers", "TestSupport"],
                    exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "ICETests", dependencies: ["RTCBase", "STUN", "ICE"], swiftSettings: strict),
        .testTarget(name: "DTLSTests", dependencies: ["RTCBase", "SRTP", "DTLS"], swiftSettings: strict),
        .testTarget(name: "WebRTCTests", dependencies: [
            "RTCBase", "RTP", "Codecs", "ICE", "SRTP", "DTLS", "SCTP", "SDP", "WebRTC", "Routing", "Ingest", "Egress",
            "TestSupport", "WebRTCTestSupport",
        ], swiftSettings: strict),
        .testTarget(name: "SCTPTests", dependencies: ["RTCBase", "SCTP"], swiftSettings: strict),
        .testTarget(name: "RTSPTests", dependencies: ["RTCBase", "SDP", "RTSP", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "RoutingTests", dependencies: ["RTCBase", "RTP", "Routing", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "IngestTests", dependencies: ["RTCBase", "SDP", "RTP", "Codecs", "Containers", "RTSP", "Routing", "Ingest"], swiftSettings: strict),
        .testTarget(name: "TranscodeTests", dependencies: ["RTCBase", "Codecs", "RTP", "Routing", "Transcode", "CAudioCodecs", "TestSupport"],
                    exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "EgressTests", dependencies: ["RTCBase", "RTP", "WebRTC", "Routing", "Egress"], swiftSettings: strict),
        .testTarget(name: "RecordingTests", dependencies: [
            "RTCBase", "RTP", "Codecs", "Containers", "Routing", "Recording", "TestSupport",
        ], swiftSettings: strict),
        .testTarget(name: "RuntimeTests", dependencies: [
            "RTCBase", "RTP", "Codecs", "Containers", "RTSP", "Routing", "Ingest", "Egress", "Recording", "Runtime", "TestSupport", "CUDPBatch",
            "ICE", "SDP", "WebRTC", "WebRTCTestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .testTarget(name: "WHIPTests", dependencies: ["RTCBase", "WHIP", "SDP", "ICE", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ServerTests", dependencies: [
            "RTCBase", "ICE", "RTSP", "Routing", "Egress", "Runtime", "Server", "Auth", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .testTarget(name: "AuthTests", dependencies: [
            "RTCBase", "Auth",
            .product(name: "JWTKit", package: "jwt-kit"),
        ], swiftSettings: strict),
        .testTarget(name: "InteropTests", dependencies: ["RTCBase", "STUN", "ICE"], exclude: ["Scripts"], swiftSettings: strict),
    ]
)
