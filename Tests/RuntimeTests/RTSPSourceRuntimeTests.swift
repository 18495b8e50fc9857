import Ingest
@testable import Runtime
import Testing

/// The runtime side of RTSP sources: `SourceSpec` routes rtsp:// URLs to an `RTSPSourceSpec`
/// (tested in IngestTests) without leaking the password.
@Suite struct RTSPSourceRuntimeTests {
    @Test func sourceSpecDescribesRTSPSourcesLikeTheirRedactedSpec() throws {
        let spec = try RTSPSourceSpec(parsing: "rtsp://admin:s3cr%40t@camera.example:8554/stream1?channel=2")
        #expect(SourceSpec.rtsp(spec).description == spec.description)
    }

    @Test func sourceSpecRoutesRTSPURLs() throws {
        let source = try SourceSpec(parsing: "rtsp://user:hunter2@10.0.0.5/live")
        guard case .rtsp(let spec) = source else { Issue.record("not an rtsp source: \(source)"); return }
        #expect(spec.url.effectivePort == 554)
        #expect(!source.description.contains("hunter2"))
    }
}
