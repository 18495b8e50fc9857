#if canImport(Glibc)
import Glibc
#endif
import CUDPBatch
import DTLS
import ICE
import RTCBase
import Foundation
import SDP

/// What a WHEP POST returned, reduced to what a viewer needs to connect.
struct WHEPAnswer: Sendable {
    /// The session resource (`Location`), for the DELETE at the end.
    var location: String
    var credentials: ICECredentials
    var fingerprint: DTLSFingerprint
    var address: TransportAddress
}

/// A minimal blocking HTTP/1.1 client for one WHEP POST (`Connection: close`); the load
/// generator runs a few of these on their own threads so the media loop never waits on HTTP.
enum WHEPPost {
    struct Target: Sendable {
        var host: String
        var port: UInt16
        var path: String

        init(url: String) throws {
            guard url.hasPrefix("http://") else { throw LoadError("only http:// URLs: \(url)") }
            let rest = url.dropFirst(7)
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            let authority = rest[..<slash]
            path = slash == rest.endIndex ? "/" : String(rest[slash...])
            if let colon = authority.lastIndex(of: ":"), let port = UInt16(authority[authority.index(after: colon)...]) {
                host = String(authority[..<colon])
                self.port = port
            } else {
                host = String(authority)
                port = 80
            }
        }
    }

    static func offer(credentials: ICECredentials, fingerprint: DTLSFingerprint) -> String {
        let common = """
        c=IN IP4 0.0.0.0\r
        a=rtcp:9 IN IP4 0.0.0.0\r
        a=ice-ufrag:\(credentials.ufrag)\r
        a=ice-pwd:\(credentials.password)\r
        a=fingerprint:\(fingerprint.algorithm) \(fingerprint.value)\r
        a=setup:actpass\r
        a=recvonly\r
        a=rtcp-mux\r

        """
        return "v=0\r\no=- \(SecureRandom.uint32()) 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
            + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" + common + "a=mid:0\r\n"
            + "a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n"
            + "m=video 9 UDP/TLS/RTP/SAVPF 102\r\n" + common + "a=mid:1\r\n"
            + "a=rtpmap:102 H264/90000\r\na=rtcp-fb:102 nack\r\na=rtcp-fb:102 nack pli\r\n"
            + "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
    }

    /// POSTs `offer`; returns the parsed answer or throws with the status line / reason.
    static func post(_ target: Target, offer: String) throws -> WHEPAnswer {
        let response = try exchange(target, method: "POST", path: target.path, body: offer)
        guard response.status == 201 else {
            throw LoadError("HTTP \(response.status): \(response.body.prefix(120))")
        }
        let answer: SessionDescription
        do { answer = try SessionDescription(parsing: response.body) } catch { throw LoadError("answer: \(error)") }
        guard let media = answer.media.first(where: { !$0.isRejected }),
              let ufrag = answer.iceUfrag(for: media), let pwd = answer.icePwd(for: media),
              let fingerprint = answer.fingerprint(for: media)
        else { throw LoadError("answer lacks ICE credentials or fingerprint") }
        let candidate = answer.media.lazy.flatMap(\.candidates).first { TransportAddress(host: $0.address, port: $0.port)?.isIPv4 == true }
        guard let candidate, let address = TransportAddress(host: candidate.address, port: candidate.port) else {
            throw LoadError("answer has no IPv4 host candidate")
        }
        return WHEPAnswer(location: response.location, credentials: ICECredentials(ufrag: ufrag, password: pwd),
                          fingerprint: DTLSFingerprint(algorithm: fingerprint.algorithm.lowercased(),
                                                       value: fingerprint.value.uppercased()),
                          address: address)
    }

    /// `packetsIn` of path `name` from the gateway's `/api/stats`.
    static func packetsIn(_ target: Target, path name: String) -> Int? {
        guard let response = try? exchange(target, method: "GET", path: "/api/stats", body: ""), response.status == 200,
              let json = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
              let paths = json["paths"] as? [[String: Any]],
              let path = paths.first(where: { $0["name"] as? String == name })
        else { return nil }
        return path["packetsIn"] as? Int
    }

    /// Ends a session (DELETE on its resource); errors are ignored (the gateway may have ended it).
    static func delete(_ target: Target, location: String) {
        _ = try? exchange(target, method: "DELETE", path: location, body: "")
    }

    private static func exchange(_ target: Target, method: String, path: String, body: String) throws
        -> (status: Int, body: String, location: String) {
        let fd = socket(AF_INET, Int32(RTC_SOCK_STREAM), 0)
        guard fd >= 0 else { throw LoadError("socket: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let address = TransportAddress(host: target.host, port: target.port) else {
            throw LoadError("bad host \(target.host)")
        }
        var name = LoopbackMux.socketAddress(address)
        let connected = withUnsafePointer(to: &name) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw LoadError("connect \(address): errno \(errno)") }
        let request = "\(method) \(path) HTTP/1.1\r\nHost: \(target.host):\(target.port)\r\n"
            + (body.isEmpty ? "" : "Content-Type: application/sdp\r\n") + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        var bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + sent, $0.count - sent) }
            guard n > 0 else { throw LoadError("write: errno \(errno)") }
            sent += n
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        var readError: Int32 = 0
        while received.count < 1 << 20 {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { readError = errno }
            if n <= 0 { break }
            received.append(contentsOf: chunk[0..<n])
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else {
            // EAGAIN: the 10 s receive timeout passed; 0: the gateway closed the connection.
            throw LoadError("no HTTP response to \(method) (\(received.count) bytes, "
                + (readError == 0 ? "connection closed)" : "read errno \(readError))"))
        }
        let head = text[..<split.lowerBound]
        let payload = String(text[split.upperBound...])
        let statusLine = head.split(separator: "\r\n").first ?? ""
        let fields = statusLine.split(separator: " ")
        guard fields.count >= 2, let status = Int(fields[1]) else { throw LoadError("bad status line") }
        guard !head.lowercased().contains("transfer-encoding: chunked") else {
            throw LoadError("chunked HTTP responses are not supported (the gateway sends Content-Length)")
        }
        let location = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("location:") }
            .map { String($0.dropFirst(9)).trimmingCharacters(in: .whitespaces) } ?? ""
        return (status, payload, location)
    }
}
