/// The runtime settings an image carries (the `config` object of an OCI image configuration).
public struct ImageConfig: Sendable, Equatable, Codable {
    public var entrypoint: [String]
    public var cmd: [String]
    /// `NAME=value` entries, in image order.
    public var env: [String]
    public var workingDir: String
    public var user: String
    /// `port/proto` keys, e.g. `80/tcp`, sorted.
    public var exposedPorts: [String]
    public var labels: [String: String]

    public init(
        entrypoint: [String] = [], cmd: [String] = [], env: [String] = [], workingDir: String = "",
        user: String = "", exposedPorts: [String] = [], labels: [String: String] = [:]
    ) {
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.env = env
        self.workingDir = workingDir
        self.user = user
        self.exposedPorts = exposedPorts
        self.labels = labels
    }
}

/// One image in the node's store, as the runtime needs it to create containers.
public struct ImageRecord: Sendable, Equatable {
    /// `sha256:<config digest>`: the image ID, as CRI and Kubernetes report it.
    public var id: String
    /// Normalized references, e.g. `docker.io/library/busybox:latest`, `127.0.0.1:5000/test/busybox:1`.
    public var repoTags: [String]
    /// `<repository>@sha256:<manifest digest>`.
    public var repoDigests: [String]
    /// Bytes of the config and the (compressed) layer blobs.
    public var size: Int64
    public var config: ImageConfig
    /// Unpacked layer directories, LOWEST first, ready to use as overlayfs lowerdirs
    /// (overlayfs lists the highest first, so reverse this for `lowerdir=`).
    public var layerDirectories: [String]

    public init(
        id: String, repoTags: [String], repoDigests: [String], size: Int64, config: ImageConfig,
        layerDirectories: [String]
    ) {
        self.id = id
        self.repoTags = repoTags
        self.repoDigests = repoDigests
        self.size = size
        self.config = config
        self.layerDirectories = layerDirectories
    }
}

/// Credentials for one registry. A bearer token is sent as is; a username and password
/// are used for Basic auth or to ask the registry's token service for a bearer token.
public struct RegistryCredentials: Sendable {
    public var username: String?
    public var password: String?
    public var bearerToken: String?

    public init(username: String? = nil, password: String? = nil, bearerToken: String? = nil) {
        self.username = username
        self.password = password
        self.bearerToken = bearerToken
    }
}

/// The node's image store, as the kubelet sees it (CRI's ImageService, reduced).
///
/// Every method may block on disk or network work but never on a NIO event loop, and
/// every method is safe to call concurrently.
public protocol ImageService: Sendable {
    /// Pulls `reference` (normalized: default registry docker.io, `library/` prefix, tag `latest`)
    /// for linux/amd64, verifies every digest, unpacks the layers and records the tag.
    /// Throws `ImageError.notFound` when the registry does not know the repository or tag.
    func pullImage(_ reference: String, credentials: RegistryCredentials?) async throws -> ImageRecord
    /// Imports every image of an OCI image layout (directory or `.tar` / `.tar.gz`), or of a
    /// `docker save` tarball, and returns them.
    func importImage(from path: String) async throws -> [ImageRecord]
    /// The image a tag, `repo@digest`, or image ID (full, or a unique hex prefix of 12+ characters) names; nil when absent.
    func imageStatus(_ reference: String) async throws -> ImageRecord?
    func listImages() async throws -> [ImageRecord]
    /// Removes the image `reference` names, with all its tags (CRI semantics), and then every
    /// blob and unpacked layer no remaining image uses. Throws `ImageError.notFound` when absent.
    func removeImage(_ reference: String) async throws
}

/// Why an image operation failed. A closed set; messages are for people, cases for code.
public enum ImageError: Error, Sendable, Equatable {
    /// No image (locally) or no such repository/tag (in a registry) for this reference.
    case notFound(String)
    case invalidReference(String)
    /// Content did not hash to the digest that named it; nothing was stored.
    case digestMismatch(expected: String, actual: String)
    case unsupportedMediaType(String)
    /// The image has no manifest for the platform Skiff runs (linux/amd64).
    case noMatchingPlatform(String)
    /// The registry answered with an unexpected status (0: it could not be reached or the transfer broke).
    case registry(status: Int, message: String)
    /// The registry refused our credentials (or asked for some and we had none).
    case unauthorized(String)
    /// Stored or imported content is malformed.
    case corrupt(String)
    /// A local file operation or helper process failed.
    case io(String)
}

extension ImageError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .notFound(let reference): "image not found: \(reference)"
        case .invalidReference(let reference): "invalid image reference: \"\(reference)\""
        case .digestMismatch(let expected, let actual): "digest mismatch: expected \(expected), got \(actual)"
        case .unsupportedMediaType(let type): "unsupported media type: \(type)"
        case .noMatchingPlatform(let reference): "no linux/amd64 manifest in image \(reference)"
        case .registry(let status, let message) where status == 0: "registry unreachable: \(message)"
        case .registry(let status, let message): "registry error (HTTP \(status)): \(message)"
        case .unauthorized(let message): "unauthorized: \(message)"
        case .corrupt(let message): "corrupt image content: \(message)"
        case .io(let message): "image store I/O error: \(message)"
        }
    }
}
