import Foundation
import SkiffClient
import SkiffRuntime
#if canImport(Glibc)
import Glibc
#endif

/// Decoders of what the node agent and the client read from outside: registries, image
/// tarballs, CNI plugins, kubeconfig files.
extension FuzzTargets {
    static let runtime: [FuzzTarget] = [
        FuzzTarget("image-manifest", "OCI/Docker image manifests, indexes, configs and docker-save manifests",
                   dictionary: jsonTokens + ["\"mediaType\":", "\"manifests\":[", "\"layers\":[", "\"config\":",
                                             "\"digest\":\"sha256:", "\"size\":", "\"schemaVersion\":2", "\"platform\":"]) { bytes in
            let data = Data(bytes)
            if let manifest = try? JSONDecoder.decodeImageJSON(OCIManifest.self, from: data, what: "manifest") {
                for layer in manifest.layers { _ = (OCIDigest.isValid(layer.digest), OCIMediaType.isLayer(layer.mediaType)) }
            }
            if let index = try? JSONDecoder.decodeImageJSON(OCIIndex.self, from: data, what: "index") {
                for entry in index.manifests { _ = OCIDigest.isValid(entry.digest) }
            }
            if let config = try? JSONDecoder.decodeImageJSON(OCIImageConfiguration.self, from: data, what: "config") {
                _ = config.config?.Env.map { $0.map(ImageConfig.splitEnvironmentEntry) }
            }
            _ = try? JSONDecoder.decodeImageJSON([DockerSaveManifestEntry].self, from: data, what: "manifest.json")
        },
        FuzzTarget("image-reference", "image references (registry/repository:tag@digest)",
                   dictionary: ["docker.io/", "library/", ":", "@sha256:", "localhost:5000/", "/", "..", "_", "-", "."]) { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            guard let reference = try? ImageReference(parsing: text) else { return }
            let again = try? ImageReference(parsing: reference.normalized)
            invariant(again == reference, "image reference \(text) → \(reference.normalized) does not parse back")
        },
        FuzzTarget("tar-layer", "image layer tar streams, extracted into a scratch directory",
                   dictionary: ["ustar\u{0}00", "ustar  \u{0}", "../", "/etc/passwd", "././@LongLink", "PaxHeader",
                                "path=", "linkpath=", "size=", "GNU.sparse.", "0000777\u{0}", "0\u{0}", "5", "2", "1", "3", "x", "L", "K"]) { bytes in
            extractLayer(bytes)
        },
        FuzzTarget("cni-result", "CNI plugin results and error reports",
                   dictionary: jsonTokens + ["\"cniVersion\":\"1.0.0\"", "\"ips\":[", "\"address\":\"10.0.0.2/24\"",
                                             "\"interfaces\":[", "\"interface\":", "\"routes\":[", "\"dns\":{", "\"msg\":"]) { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            _ = CNIResult.parse(text)
            _ = CNIErrorResult.parse(text)
        },
        FuzzTarget("registry-challenge", "registry WWW-Authenticate challenges",
                   dictionary: ["Bearer ", "Basic ", "realm=", "\"", ",", "service=", "scope=", "\\\"", "="]) { bytes in
            _ = AuthenticationChallenge(header: String(decoding: bytes, as: UTF8.self))
        },
    ]

    static let client: [FuzzTarget] = [
        FuzzTarget("kubeconfig", "kubeconfig files",
                   dictionary: ["apiVersion: v1\n", "kind: Config\n", "current-context: c\n", "contexts:\n- name: c\n  context:\n",
                                "    cluster: k\n", "    user: u\n", "clusters:\n- name: k\n  cluster:\n", "    server: https://127.0.0.1:6443\n",
                                "users:\n- name: u\n  user:\n", "    token: t\n", "&a ", "*a", "certificate-authority-data: ", "insecure-skip-tls-verify: true"]) { bytes in
            // Relative paths resolve in an empty directory, so nothing but the input is read.
            _ = try? KubeConfig.parse(String(decoding: bytes, as: UTF8.self), baseDirectory: emptyDirectory)
        },
    ]

    static let emptyDirectory: String = {
        let path = NSTemporaryDirectory() + "skiff-fuzz-empty-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// Extracts `bytes` as a layer into `scratch/layer`, then checks that nothing appeared beside it
    /// in `scratch` and that no device node or more than the byte cap was written.
    static func extractLayer(_ bytes: [UInt8]) {
        var template = Array((NSTemporaryDirectory() + "skiff-fuzz-layer-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { return }
        let scratch = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let layer = scratch + "/layer"
        guard mkdir(layer, 0o755) == 0 else { return }
        let input = scratch + "/input.tar"
        guard FileManager.default.createFile(atPath: input, contents: Data(bytes)) else { return }
        let root = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        let fd = open(input, O_RDONLY | O_CLOEXEC)
        defer { close(root); close(fd) }
        guard root >= 0, fd >= 0 else { return }
        let maxBytes: Int64 = 1 << 20
        var extractor = LayerExtractor(root: root, maxBytes: maxBytes)
        do throws(LayerExtractor.Failure) { try extractor.extract(from: TarByteSource(fd: fd)) } catch {}
        let beside = (try? FileManager.default.contentsOfDirectory(atPath: scratch))?.sorted()
        invariant(beside == ["input.tar", "layer"], "layer extraction wrote outside its directory: \(beside ?? [])")
        // Walk without following symlinks (a layer may hold `x -> /`); hard links count once.
        var total: Int64 = 0
        var inodes = Set<UInt64>()
        var pending = [layer]
        while let directory = pending.popLast() {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                let path = directory + "/" + name
                var info = stat()
                guard lstat(path, &info) == 0 else { continue }
                let type = info.st_mode & S_IFMT
                invariant(type != S_IFCHR && type != S_IFBLK, "layer extraction created a device node \(path)")
                if type == S_IFDIR { pending.append(path) }
                if type == S_IFREG, inodes.insert(UInt64(info.st_ino)).inserted { total += Int64(info.st_blocks) * 512 }
            }
        }
        invariant(total <= maxBytes + 64 * 4096, "layer extraction wrote \(total) bytes, over the \(maxBytes) cap")
    }
}
