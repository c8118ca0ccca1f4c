import Foundation

/// Media types Skiff reads (OCI and their Docker schema 2 equivalents).
package enum OCIMediaType {
    package static let imageManifest = "application/vnd.oci.image.manifest.v1+json"
    package static let imageIndex = "application/vnd.oci.image.index.v1+json"
    package static let imageConfig = "application/vnd.oci.image.config.v1+json"
    package static let layerTar = "application/vnd.oci.image.layer.v1.tar"
    package static let layerTarGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    package static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    package static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    package static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    package static let dockerLayerTar = "application/vnd.docker.image.rootfs.diff.tar"
    package static let dockerLayerTarGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"

    package static let manifests: Set<String> = [imageManifest, dockerManifest]
    package static let indexes: Set<String> = [imageIndex, dockerManifestList]

    /// Layer types we can unpack (compression is detected from the content itself).
    package static func isLayer(_ mediaType: String) -> Bool {
        mediaType.hasPrefix("application/vnd.oci.image.layer.")
            || mediaType.hasPrefix("application/vnd.docker.image.rootfs.")
    }

    /// The `Accept` header for manifest requests, preferred types first.
    package static let manifestAccept = [imageIndex, imageManifest, dockerManifestList, dockerManifest].joined(separator: ", ")
}

/// The annotation an OCI layout's index uses to name a manifest.
package let ociRefNameAnnotation = "org.opencontainers.image.ref.name"
/// containerd's annotation carrying the full image name in exported layouts.
package let containerdImageNameAnnotation = "io.containerd.image.name"

package struct OCIPlatform: Codable, Sendable, Equatable {
    package var architecture: String
    package var os: String
    package var variant: String?

    package init(architecture: String, os: String, variant: String? = nil) {
        self.architecture = architecture
        self.os = os
        self.variant = variant
    }
}

package struct OCIDescriptor: Codable, Sendable, Equatable {
    package var mediaType: String
    package var digest: String
    package var size: Int64
    package var annotations: [String: String]?
    package var platform: OCIPlatform?

    package init(mediaType: String, digest: String, size: Int64, annotations: [String: String]? = nil, platform: OCIPlatform? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.annotations = annotations
        self.platform = platform
    }
}

package struct OCIManifest: Codable, Sendable, Equatable {
    package var schemaVersion: Int
    package var mediaType: String?
    package var config: OCIDescriptor
    package var layers: [OCIDescriptor]
    package var annotations: [String: String]?

    package init(schemaVersion: Int = 2, mediaType: String? = OCIMediaType.imageManifest, config: OCIDescriptor, layers: [OCIDescriptor], annotations: [String: String]? = nil) {
        self.schemaVersion = schemaVersion
        self.mediaType = mediaType
        self.config = config
        self.layers = layers
        self.annotations = annotations
    }
}

package struct OCIIndex: Codable, Sendable, Equatable {
    package var schemaVersion: Int
    package var mediaType: String?
    package var manifests: [OCIDescriptor]
    package var annotations: [String: String]?

    package init(schemaVersion: Int = 2, mediaType: String? = OCIMediaType.imageIndex, manifests: [OCIDescriptor], annotations: [String: String]? = nil) {
        self.schemaVersion = schemaVersion
        self.mediaType = mediaType
        self.manifests = manifests
        self.annotations = annotations
    }
}

/// The OCI image configuration blob (the parts Skiff reads and writes).
package struct OCIImageConfiguration: Codable, Sendable, Equatable {
    package struct Settings: Codable, Sendable, Equatable {
        package var User: String?
        package var ExposedPorts: [String: EmptyObject]?
        package var Env: [String]?
        package var Entrypoint: [String]?
        package var Cmd: [String]?
        package var WorkingDir: String?
        package var Labels: [String: String]?

        package init(User: String? = nil, ExposedPorts: [String: EmptyObject]? = nil, Env: [String]? = nil, Entrypoint: [String]? = nil, Cmd: [String]? = nil, WorkingDir: String? = nil, Labels: [String: String]? = nil) {
            self.User = User
            self.ExposedPorts = ExposedPorts
            self.Env = Env
            self.Entrypoint = Entrypoint
            self.Cmd = Cmd
            self.WorkingDir = WorkingDir
            self.Labels = Labels
        }
    }

    package struct EmptyObject: Codable, Sendable, Equatable { package init() {} }

    package struct RootFS: Codable, Sendable, Equatable {
        package var type: String
        package var diff_ids: [String]

        package init(type: String = "layers", diff_ids: [String]) {
            self.type = type
            self.diff_ids = diff_ids
        }
    }

    package var created: String?
    package var architecture: String?
    package var os: String?
    package var config: Settings?
    package var rootfs: RootFS

    package init(created: String? = nil, architecture: String? = "amd64", os: String? = "linux", config: Settings?, rootfs: RootFS) {
        self.created = created
        self.architecture = architecture
        self.os = os
        self.config = config
        self.rootfs = rootfs
    }

    /// The runtime settings as the seam's `ImageConfig`.
    package var imageConfig: ImageConfig {
        ImageConfig(
            entrypoint: config?.Entrypoint ?? [], cmd: config?.Cmd ?? [], env: config?.Env ?? [],
            workingDir: config?.WorkingDir ?? "", user: config?.User ?? "",
            exposedPorts: (config?.ExposedPorts?.keys).map { $0.sorted() } ?? [], labels: config?.Labels ?? [:]
        )
    }
}

/// One entry of a `docker save` tarball's `manifest.json`.
package struct DockerSaveManifestEntry: Codable, Sendable {
    package var Config: String
    package var RepoTags: [String]?
    package var Layers: [String]
}

/// Just enough of any manifest-ish JSON to tell which kind it is.
struct OCIMediaTypeProbe: Decodable {
    var mediaType: String?
    var manifests: [OCIDescriptor]?
    var config: OCIDescriptor?
}

extension JSONDecoder {
    /// Decodes or throws `ImageError.corrupt` naming what was being decoded.
    package static func decodeImageJSON<T: Decodable>(_ type: T.Type, from data: Data, what: String) throws(ImageError) -> T {
        do { return try JSONDecoder().decode(type, from: data) } catch {
            throw .corrupt("\(what) is not valid: \(error)")
        }
    }
}

extension JSONEncoder {
    /// Sorted keys, no escaped slashes: stable bytes, so the same content always gets the same digest.
    static func encodeImageJSON(_ value: some Encodable) throws(ImageError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do { return try encoder.encode(value) } catch { throw .corrupt("cannot encode JSON: \(error)") }
    }
}
