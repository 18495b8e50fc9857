/// Caps applied while parsing RTCP from the wire. Every count read from a packet is checked
/// against one of these before anything is allocated for it.
public struct RTCPLimits: Sendable, Equatable {
    /// Packets in one compound datagram (RFC 3550 §6.1).
    public var maxPacketsPerCompound = 32
    /// Report blocks in one SR or RR (the 5-bit RC field allows 31).
    public var maxReportBlocks = 31
    /// SDES chunks in one packet (the 5-bit SC field allows 31).
    public var maxSourceDescriptionChunks = 31
    /// Items in one SDES chunk.
    public var maxSourceDescriptionItems = 16
    /// SSRCs in one BYE (the 5-bit SC field allows 31).
    public var maxBYESSRCs = 31
    /// FCI entries (PID+BLP pairs) in one generic NACK (RFC 4585 §6.2.1).
    public var maxNACKItems = 256
    /// FCI entries in one FIR (RFC 5104 §4.3.1).
    public var maxFIREntries = 64
    /// SSRCs listed in one REMB (the 8-bit field allows 255).
    public var maxREMBSSRCs = 64
    /// Packet status count in one transport-wide feedback packet.
    public var maxTWCCStatuses = 4096

    public init() {}
}
