extension ConfigFile {
    /// The control API (`/v1/…`): on only with an admin token.
    public struct API: Decodable, Sendable {
        /// Bearer token every control API request must present (`--admin-token` wins).
        public var adminToken: String?
        /// Request bodies of the control API past this many bytes get 413 (default 65536).
        public var maxBodyBytes: Int?
    }
}
