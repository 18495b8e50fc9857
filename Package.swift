// swift-tools-version:6.1
// RTCBridge — a protocol-bridging media gateway. Layers follow ARCHITECTURE (house plan):
// C → wire → engines → protocols → routing → runtime → app. Dependencies point down only.
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
    ],
    targets: [
        // C layer
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSRTP", pkgConfig: "libsrtp2", providers: [.apt(["libsrtp2-dev"])]),
        .target(name: "CRTCShim", dependencies: ["COpenSSL"],
                linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),

        // shared value types (time, addresses, byte reading)
        .target(name: "RTCBase", swiftSettings: strict),

        // wire
        .target(name: "SDP", dependencies: ["RTCBase"], swiftSettings: strict),
        .target(name: "STUN", dependencies: ["RTCBase", "CRTCShim"], swiftSettings: strict),
        .target(name: "RTP", dependencies: ["RTCBase"], swiftSettings: strict,
                linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]),   // NTP time math without Foundation
        .target(name: "Codecs", dependencies: ["RTCBase"], swiftSettings: strict),
        .target(name: "Containers", dependencies: ["RTCBase", "Codecs"], swiftSettings: strict),

        // engines
        .target(name: "ICE", dependencies: ["RTCBase", "STUN"], swiftSettings: strict),
        .target(name: "DTLS", dependencies: ["RTCBase", "COpenSSL", "CRTCShim", "SRTP"], swiftSettings: strict),
        .target(name: "SRTP", dependencies: ["RTCBase", "CSRTP"], swiftSettings: strict),

        // protocols
        .target(name: "WebRTC", dependencies: ["RTCBase", "SDP", "STUN", "ICE", "DTLS", "SRTP", "RTP", "Codecs"],
                swiftSettings: strict),

        .target(name: "RTSP", dependencies: ["RTCBase", "SDP", "RTP", "COpenSSL"], swiftSettings: strict),

        // routing
        .target(name: "Routing", dependencies: ["RTCBase", "RTP", "Codecs"], swiftSettings: strict),

        // adapters (sans-IO): ingest machines, pass-through egress machines, recording muxers
        .target(name: "Ingest", dependencies: ["RTCBase", "SDP", "RTP", "Codecs", "RTSP", "Routing"], swiftSettings: strict),
        .target(name: "Egress", dependencies: ["RTCBase", "SDP", "RTP", "Codecs", "WebRTC", "RTSP", "Routing"],
                swiftSettings: strict),
        .target(name: "Recording", dependencies: ["RTCBase", "Codecs", "Containers", "Routing"], swiftSettings: strict),

        // runtime
        .target(name: "Runtime", dependencies: [
            "RTCBase", "SDP", "RTP", "Codecs", "Containers", "STUN", "WebRTC", "Routing", "RTSP", "Ingest", "Egress", "Recording",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], resources: [.copy("Demo")], swiftSettings: strict),
        .target(name: "Server", dependencies: [
            "RTCBase", "SDP", "WebRTC", "Routing", "Egress", "Recording", "Runtime",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
        ], resources: [.copy("Web")], swiftSettings: strict),

        // app
        .executableTarget(name: "rtcbridge", dependencies: [
            "Server", "Runtime",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),

        // test support and benchmarks
        .target(name: "TestSupport", dependencies: ["RTCBase"], swiftSettings: strict),
        .target(name: "WebRTCTestSupport", dependencies: ["RTCBase", "STUN", "ICE", "DTLS", "SRTP", "RTP", "WebRTC"],
                swiftSettings: strict),
        .executableTarget(name: "RTCBridgeBenchmarks", dependencies: [
            "RTCBase", "RTP", "SRTP", "DTLS", "ICE", "WebRTC", "Routing", "Ingest", "Egress", "Codecs", "WebRTCTestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
        ], path: "Benchmarks/RTCBridgeBenchmarks", swiftSettings: strict),

        // fuzzing (Fuzz/README.md): single-file executables; a plain build links an empty main,
        // `--sanitize=fuzzer` links libFuzzer's driver.
        .executableTarget(name: "FuzzSDP", dependencies: ["SDP"], path: "Fuzz/FuzzSDP", swiftSettings: strict),
        .executableTarget(name: "FuzzSTUN", dependencies: ["RTCBase", "STUN", "ICE"], path: "Fuzz/FuzzSTUN",
                          swiftSettings: strict),
        .executableTarget(name: "FuzzRTP", dependencies: ["RTCBase", "RTP"], path: "Fuzz/FuzzRTP", swiftSettings: strict),
        .executableTarget(name: "FuzzCodecs", dependencies: ["Codecs"], path: "Fuzz/FuzzCodecs", swiftSettings: strict),
        .executableTarget(name: "FuzzContainers", dependencies: ["Containers", "Codecs"], path: "Fuzz/FuzzContainers",
                          swiftSettings: strict),

        // tests
        .testTarget(name: "RTCBaseTests", dependencies: ["RTCBase"], swiftSettings: strict),
        .testTarget(name: "SDPTests", dependencies: ["SDP"], resources: [.copy("Vectors")], swiftSettings: strict),
        .testTarget(name: "STUNTests", dependencies: ["STUN"], swiftSettings: strict),
        .testTarget(name: "RTPTests", dependencies: ["RTP"], swiftSettings: strict),
        .testTarget(name: "CodecsTests", dependencies: ["Codecs", "TestSupport"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "ContainersTests", dependencies: ["Containers", "Codecs", "TestSupport"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "ICETests", dependencies: ["ICE", "STUN", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "DTLSTests", dependencies: ["DTLS", "SRTP", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "RoutingTests", dependencies: ["Routing", "RTP", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "WebRTCTests", dependencies: [
            "WebRTC", "Routing", "RTP", "Codecs", "SDP", "TestSupport", "WebRTCTestSupport", "Ingest", "Egress",
        ], swiftSettings: strict),
        .testTarget(name: "RuntimeTests", dependencies: [
            "Runtime", "Ingest", "Egress", "Recording", "Routing", "RTP", "Codecs", "Containers", "RTCBase", "TestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .testTarget(name: "EgressTests", dependencies: ["Egress", "Routing", "RTP", "RTCBase"], swiftSettings: strict),
        .testTarget(name: "RecordingTests", dependencies: [
            "Recording", "Routing", "RTP", "Codecs", "Containers", "RTCBase", "TestSupport",
        ], swiftSettings: strict),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "Routing"], swiftSettings: strict),
        .testTarget(name: "RTSPTests", dependencies: ["RTSP", "SDP", "RTP", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ServerTests", dependencies: ["Server", "Runtime"], swiftSettings: strict),
        .testTarget(name: "InteropTests", dependencies: [], exclude: ["Scripts"], swiftSettings: strict),
    ]
)
