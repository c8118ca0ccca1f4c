import Foundation

/// Builds, in code, a small linux/amd64 OCI image around Debian's static busybox
/// (package busybox-static). The product ships it for nodes without registry access
/// (`skiff image build-busybox` writes it as a tarball for `skiff image import`); tests and
/// benchmarks use it so that no image is ever downloaded.
///
/// The base layer holds `/bin/busybox`, applet symlinks, `/etc/passwd`, `/etc/group`, `/tmp`
/// and the usual empty mount points; the config runs `sh` with a PATH. Further layers
/// (for whiteouts and layer sharing) are added with `adding(layer:)`.
public struct OfflineBusyboxImage: Sendable {
    /// Applets linked into `/bin` (all present in Debian's busybox-static).
    public static let defaultApplets = [
        "sh", "ash", "ls", "cat", "echo", "sleep", "wget", "nc", "ip", "hostname", "id", "ps", "true", "false",
        "env", "head", "tail", "dd", "mkdir", "touch", "rm", "rmdir", "cp", "mv", "ln", "pwd", "grep", "sed", "awk",
        "printf", "test", "[", "date", "uname", "whoami", "kill", "ifconfig", "route", "ping", "nslookup", "df", "du",
        "mount", "umount", "chmod", "chown", "sort", "uniq", "wc", "tr", "cut", "xargs", "find", "tee", "basename",
        "dirname", "sync", "seq", "stat", "httpd", "netstat", "top", "free", "uptime", "yes", "timeout", "nproc",
        "readlink", "realpath", "which", "vi", "less", "more", "tar", "gzip", "gunzip", "zcat", "md5sum",
        "sha256sum", "hexdump", "xxd", "base64", "expr", "mktemp", "mkfifo", "mknod", "nsenter", "unshare",
        "setsid", "pidof", "killall", "usleep", "traceroute", "telnet", "hostid", "groups", "logger",
    ]

    /// Path of the static busybox binary to put in the image.
    public var busyboxPath: String
    public var applets: [String]
    public var config: ImageConfig
    /// Layers added on top of the busybox layer, lowest first.
    public var extraLayers: [TarArchive]

    public init(busyboxPath: String = "/bin/busybox", applets: [String] = OfflineBusyboxImage.defaultApplets, config: ImageConfig? = nil) {
        self.busyboxPath = busyboxPath
        self.applets = applets
        self.config = config ?? ImageConfig(cmd: ["sh"], env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"])
        self.extraLayers = []
    }

    /// A copy with `layer` added on top.
    public func adding(layer: TarArchive) -> OfflineBusyboxImage {
        var copy = self
        copy.extraLayers.append(layer)
        return copy
    }

    /// The base layer's entries.
    public func baseLayer() throws(ImageError) -> TarArchive {
        guard let busybox = FileManager.default.contents(atPath: busyboxPath) else {
            throw .io("cannot read \(busyboxPath) (install the busybox-static package)")
        }
        var archive = TarArchive()
        for directory in ["bin", "dev", "etc", "home", "proc", "root", "sys", "usr", "usr/bin", "usr/sbin", "sbin", "var", "var/run", "run"] {
            archive.append(.directory(path: directory, mode: directory == "root" ? 0o700 : 0o755))
        }
        archive.append(.directory(path: "tmp", mode: 0o1777))
        archive.append(.directory(path: "var/tmp", mode: 0o1777))
        archive.append(.file(path: "bin/busybox", contents: busybox, mode: 0o755))
        var linked = Set<String>()
        for applet in applets where applet != "busybox" && linked.insert(applet).inserted {
            archive.append(.symlink(path: "bin/" + applet, target: "busybox"))
        }
        archive.append(.file(path: "etc/passwd", contents: Data("""
            root:x:0:0:root:/root:/bin/sh
            daemon:x:1:1:daemon:/usr/sbin:/bin/false
            nobody:x:65534:65534:nobody:/nonexistent:/bin/false

            """.utf8)))
        archive.append(.file(path: "etc/group", contents: Data("""
            root:x:0:
            daemon:x:1:
            nogroup:x:65534:

            """.utf8)))
        return archive
    }

    /// Writes the image as an OCI image layout directory at `directory` (created if needed;
    /// existing blobs are kept, `index.json` gains or replaces the entry for `reference`).
    @discardableResult
    public func writeLayout(to directory: String, reference: String = "docker.io/library/busybox:latest") async throws -> BuiltImage {
        let normalized = try ImageReference(parsing: reference)
        let blobsDirectory = directory + "/blobs/sha256"
        try ImageFiles.createDirectory(blobsDirectory)
        func store(_ data: Data) throws(ImageError) -> String {
            let digest = OCIDigest.of(data)
            let path = blobsDirectory + "/" + OCIDigest.hex(digest)
            if !FileManager.default.fileExists(atPath: path) { try ImageFiles.writeAtomically(data, to: path) }
            return digest
        }
        var layers: [OCIDescriptor] = []
        var diffIDs: [String] = []
        for archive in [try baseLayer()] + extraLayers {
            let tar = try archive.bytes()
            diffIDs.append(OCIDigest.of(tar))
            let compressed = try await Data.gzipped(tar)
            layers.append(OCIDescriptor(mediaType: OCIMediaType.layerTarGzip, digest: try store(compressed), size: Int64(compressed.count)))
        }
        let configuration = OCIImageConfiguration(
            created: "1970-01-01T00:00:00Z",
            config: .init(
                User: config.user.isEmpty ? nil : config.user,
                ExposedPorts: config.exposedPorts.isEmpty ? nil : Dictionary(uniqueKeysWithValues: config.exposedPorts.map { ($0, .init()) }),
                Env: config.env, Entrypoint: config.entrypoint.isEmpty ? nil : config.entrypoint,
                Cmd: config.cmd.isEmpty ? nil : config.cmd, WorkingDir: config.workingDir.isEmpty ? nil : config.workingDir,
                Labels: config.labels.isEmpty ? nil : config.labels
            ),
            rootfs: .init(diff_ids: diffIDs)
        )
        let configData = try JSONEncoder.encodeImageJSON(configuration)
        let configDescriptor = OCIDescriptor(mediaType: OCIMediaType.imageConfig, digest: try store(configData), size: Int64(configData.count))
        let manifestData = try JSONEncoder.encodeImageJSON(OCIManifest(config: configDescriptor, layers: layers))
        let manifestDigest = try store(manifestData)

        let name = normalized.taggedName ?? normalized.name
        var index = OCIIndex(manifests: [])
        if let existing = FileManager.default.contents(atPath: directory + "/index.json") {
            index = try JSONDecoder.decodeImageJSON(OCIIndex.self, from: existing, what: "index.json")
        }
        index.manifests.removeAll { $0.annotations?[ociRefNameAnnotation] == name }
        index.manifests.append(OCIDescriptor(
            mediaType: OCIMediaType.imageManifest, digest: manifestDigest, size: Int64(manifestData.count),
            annotations: [ociRefNameAnnotation: name, containerdImageNameAnnotation: name],
            platform: OCIPlatform(architecture: "amd64", os: "linux")
        ))
        try ImageFiles.writeAtomically(Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8), to: directory + "/oci-layout")
        try ImageFiles.writeAtomically(try JSONEncoder.encodeImageJSON(index), to: directory + "/index.json")
        return BuiltImage(
            reference: name, manifestDigest: manifestDigest, configDigest: configDescriptor.digest,
            layerDigests: layers.map(\.digest), diffIDs: diffIDs
        )
    }

    /// Writes the image as an OCI layout tarball (`.tar`, or gzip'd when `gzip` is true).
    @discardableResult
    public func writeTarball(to path: String, reference: String = "docker.io/library/busybox:latest", gzip: Bool = false) async throws -> BuiltImage {
        let directory = FileManager.default.temporaryDirectory.path + "/skiff-layout-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let built = try await writeLayout(to: directory, reference: reference)
        let data = try OCILayoutArchiver.archive(layoutDirectory: directory)
        try ImageFiles.writeAtomically(gzip ? try await Data.gzipped(data) : data, to: path)
        return built
    }
}

/// What `OfflineBusyboxImage` wrote.
public struct BuiltImage: Sendable, Equatable {
    /// The normalized name recorded in the layout, e.g. `docker.io/library/busybox:latest`.
    public var reference: String
    public var manifestDigest: String
    /// The image ID.
    public var configDigest: String
    /// Compressed layer blob digests, lowest first.
    public var layerDigests: [String]
    public var diffIDs: [String]
}

/// Packs an OCI image layout directory into a tar archive.
public enum OCILayoutArchiver {
    public static func archive(layoutDirectory directory: String) throws(ImageError) -> Data {
        var archive = TarArchive()
        for name in ["oci-layout", "index.json"] {
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else { throw .io("layout lacks \(name)") }
            archive.append(.file(path: name, contents: data))
        }
        archive.append(.directory(path: "blobs"))
        archive.append(.directory(path: "blobs/sha256"))
        let blobs = ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/blobs/sha256")) ?? []).sorted()
        for blob in blobs {
            guard let data = FileManager.default.contents(atPath: directory + "/blobs/sha256/" + blob) else { throw .io("cannot read blob \(blob)") }
            archive.append(.file(path: "blobs/sha256/" + blob, contents: data))
        }
        return try archive.bytes()
    }
}
