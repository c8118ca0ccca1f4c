/// How the image store reaches registries.
public struct RegistryOptions: Sendable {
    /// Registries (`host` or `host:port`) spoken to over plain HTTP.
    public var insecureRegistries: Set<String>
    /// Registry (`host` or `host:port`) → path of a PEM file with the CA(s) to trust for it,
    /// instead of the system roots.
    public var certificateAuthorities: [String: String]
    /// Loopback registries (127.0.0.0/8, ::1, localhost) use plain HTTP unless a CA is configured for them.
    public var plainHTTPForLoopback: Bool
    /// Deadline for one manifest or token request.
    public var requestTimeoutSeconds: Int64
    /// Deadline for one blob download.
    public var blobTimeoutSeconds: Int64
    /// Layers downloaded at once during one pull.
    public var parallelDownloads: Int

    public init(
        insecureRegistries: Set<String> = [], certificateAuthorities: [String: String] = [:],
        plainHTTPForLoopback: Bool = true, requestTimeoutSeconds: Int64 = 60, blobTimeoutSeconds: Int64 = 1800,
        parallelDownloads: Int = 3
    ) {
        self.insecureRegistries = insecureRegistries
        self.certificateAuthorities = certificateAuthorities
        self.plainHTTPForLoopback = plainHTTPForLoopback
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.blobTimeoutSeconds = blobTimeoutSeconds
        self.parallelDownloads = parallelDownloads
    }

    /// The CA file for `registry`, matched on `host:port` first, then on the host alone.
    func certificateAuthority(for registry: String) -> String? {
        certificateAuthorities[registry] ?? certificateAuthorities[Self.host(of: registry)]
    }

    /// Whether `registry` is spoken to over plain HTTP.
    func usesPlainHTTP(_ registry: String) -> Bool {
        if certificateAuthority(for: registry) != nil { return false }
        if insecureRegistries.contains(registry) || insecureRegistries.contains(Self.host(of: registry)) { return true }
        return plainHTTPForLoopback && Self.isLoopback(Self.host(of: registry))
    }

    static func host(of registry: String) -> String {
        if registry.hasPrefix("["), let close = registry.firstIndex(of: "]") {
            return String(registry[registry.index(after: registry.startIndex)..<close])
        }
        return registry.split(separator: ":", maxSplits: 1).first.map(String.init) ?? registry
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
