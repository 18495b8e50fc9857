import RTCBase

/// A minimal ISO BMFF box parser for tests: walks the tree the writer produced so tests can
/// check structure and fields without trusting the writer's own offsets.
struct MP4Box {
    var type: String
    /// Offset of the box header in the parsed buffer.
    var offset: Int
    var size: Int
    /// The bytes after the 8-byte header.
    var body: ArraySlice<UInt8>
    var children: [MP4Box]

    /// Boxes whose body is (after `childOffset` bytes) a list of boxes.
    static let containers: [String: Int] = [
        "moov": 0, "trak": 0, "mdia": 0, "minf": 0, "stbl": 0, "mvex": 0, "moof": 0, "traf": 0, "dinf": 0,
        "stsd": 8, "dref": 8, "avc1": 78, "hvc1": 78, "av01": 78, "vp08": 78, "vp09": 78, "Opus": 28, "mp4a": 28,
    ]

    struct Malformed: Error {}

    static func parse(_ bytes: ArraySlice<UInt8>) throws -> [MP4Box] {
        var boxes: [MP4Box] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            guard bytes.endIndex - index >= 8 else { throw Malformed() }
            let size = Int(bytes[index]) << 24 | Int(bytes[index + 1]) << 16 | Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            let type = String(decoding: bytes[(index + 4)..<(index + 8)], as: UTF8.self)
            guard size >= 8, size <= bytes.endIndex - index else { throw Malformed() }
            let body = bytes[(index + 8)..<(index + size)]
            var children: [MP4Box] = []
            if let skip = containers[type] {
                guard body.count >= skip else { throw Malformed() }
                children = try parse(body.dropFirst(skip))
            }
            boxes.append(MP4Box(type: type, offset: index, size: size, body: body, children: children))
            index += size
        }
        return boxes
    }

    /// The first descendant at a slash-separated path of types ("mdia/minf/stbl").
    func find(_ path: String) -> MP4Box? {
        var current = self
        for type in path.split(separator: "/") {
            guard let next = current.children.first(where: { $0.type == type }) else { return nil }
            current = next
        }
        return current
    }

    func all(_ type: String) -> [MP4Box] { children.filter { $0.type == type } }

    /// Big-endian unsigned integer of `count` bytes at `at` within the body.
    func uint(_ at: Int, _ count: Int = 4) -> UInt64 {
        var value: UInt64 = 0
        for byte in body.dropFirst(at).prefix(count) { value = value << 8 | UInt64(byte) }
        return value
    }
}
