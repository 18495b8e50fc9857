/// A parsed session description (RFC 8866 §5): session-level fields and media sections.
///
/// Parse with `init(parsing:limits:)`, write with `serialized()`. Lines without a typed field are kept
/// in `otherLines` and written back in RFC 8866 order, so unknown content survives a round trip.
public struct SessionDescription: Sendable, Equatable {
    public var origin: SDPOrigin
    public var sessionName: String
    /// Session-level `c=` value (e.g. `IN IP4 127.0.0.1`), the default for media without their own.
    public var connection: String?
    /// `t=` and `r=` lines in order; JSEP and ffmpeg use a single `t=0 0`.
    public var timing: [SDPLine]
    public var attributes: [SDPAttribute]
    public var media: [MediaDescription]
    /// `i=`, `u=`, `e=`, `p=`, `b=`, `z=`, `k=` and unknown session-level lines.
    public var otherLines: [SDPLine]

    public init(origin: SDPOrigin, sessionName: String = "-", connection: String? = nil,
                timing: [SDPLine] = [SDPLine(type: "t", value: "0 0")], attributes: [SDPAttribute] = [],
                media: [MediaDescription] = [], otherLines: [SDPLine] = []) {
        self.origin = origin
        self.sessionName = sessionName
        self.connection = connection
        self.timing = timing
        self.attributes = attributes
        self.media = media
        self.otherLines = otherLines
    }

    /// The text with CRLF line endings: `v=`, `o=`, `s=`, `i= u= e= p=`, `c=`, `b=`, `t= r=`,
    /// `z= k=`, unknown lines, `a=`, then each media section (`m=`, `i=`, `c=`, `b=`, `k=`, unknown, `a=`).
    public func serialized() -> String {
        var out = ""
        out.reserveCapacity(4096)
        func write(_ type: String, _ value: String) {
            out += type
            out += "="
            out += value
            out += "\r\n"
        }
        func writeOther(_ lines: [SDPLine], _ types: String) {
            for line in lines where types.contains(line.type) { write(String(line.type), line.value) }
        }
        func writeUnknown(_ lines: [SDPLine], known: String) {
            for line in lines where !known.contains(line.type) { write(String(line.type), line.value) }
        }
        write("v", "0")
        write("o", origin.lineValue)
        write("s", sessionName)
        writeOther(otherLines, "iuep")
        if let connection { write("c", connection) }
        writeOther(otherLines, "b")
        for line in timing { write(String(line.type), line.value) }
        writeOther(otherLines, "zk")
        writeUnknown(otherLines, known: "iuepbzk")
        for attribute in attributes { write("a", attribute.lineValue) }
        for section in media {
            write("m", section.lineValue)
            writeOther(section.otherLines, "i")
            if let connection = section.connection { write("c", connection) }
            writeOther(section.otherLines, "bk")
            writeUnknown(section.otherLines, known: "ibk")
            for attribute in section.attributes { write("a", attribute.lineValue) }
        }
        return out
    }
}
