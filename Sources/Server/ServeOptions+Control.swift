extension ServeOptions {
    /// Names of the paths given with `--path` (reloads and the control API leave them alone).
    public var cliPathNames: Set<String> {
        Set(paths.compactMap { $0.splitOnceAtEquals()?.0 })
    }

    /// The control API's admin token: `--admin-token`, else the file's `api.adminToken`; nil (the
    /// API off) when neither is set. An empty token is refused.
    public func resolveAdminToken() throws -> String? {
        var token = adminToken
        if token == nil, let configFile { token = try ConfigFile.load(from: configFile).api?.adminToken }
        if let token, token.isEmpty { throw ConfigError("the admin token must not be empty") }
        return token
    }

    /// The control API's request body cap: the file's `api.maxBodyBytes` (1024 ... 16 MiB), else
    /// `ControlAPISettings.defaultMaxBodyBytes`.
    public func resolveControlAPIMaxBodyBytes() throws -> Int {
        guard let configFile, let bytes = try ConfigFile.load(from: configFile).api?.maxBodyBytes else {
            return ControlAPISettings.defaultMaxBodyBytes
        }
        guard ControlAPISettings.maxBodyBytesRange.contains(bytes) else {
            throw ConfigError("\(configFile): api.maxBodyBytes must be from \(ControlAPISettings.maxBodyBytesRange.lowerBound) to \(ControlAPISettings.maxBodyBytesRange.upperBound)")
        }
        return bytes
    }
}

/// Limits of the control API.
public enum ControlAPISettings {
    public static let defaultMaxBodyBytes = 65536
    public static let maxBodyBytesRange = 1024...(16 << 20)
}
