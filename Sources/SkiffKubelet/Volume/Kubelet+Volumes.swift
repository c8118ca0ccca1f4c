import Foundation
import SkiffAPI
import SkiffRuntime

/// A volume the node cannot set up (missing ConfigMap, hostPath of the wrong type): the pod
/// waits in ContainerCreating with a FailedMount event, as upstream.
struct VolumeError: Error, CustomStringConvertible {
    var description: String
}

extension Kubelet {
    func podDirectory(_ uid: String) -> String { config.podsDirectory + "/" + uid }

    /// Sets up every volume of the pod and returns the host path of each by name. Idempotent:
    /// content volumes (configMap, secret, downwardAPI, projected) are rewritten when their
    /// content changed, so updates reach running pods on the next sync.
    func prepareVolumes(_ pod: CoreV1.Pod, uid: String, podIP: String) async throws -> [String: String] {
        var paths: [String: String] = [:]
        let namespace = pod.metadata?.namespace ?? "default"
        let root = podDirectory(uid) + "/volumes"
        for volume in pod.spec?.volumes ?? [] {
            guard let name = volume.name else { continue }
            if let emptyDir = volume.emptyDir {
                let path = root + "/kubernetes.io~empty-dir/" + name
                try makeDirectory(path, mode: 0o777)
                _ = emptyDir
                paths[name] = path
            } else if let hostPath = volume.hostPath {
                paths[name] = try checkHostPath(hostPath)
            } else if let source = volume.configMap {
                var files: [String: (Data, Int32)] = [:]
                if let map = try await configMapForVolume(source.name ?? "", namespace: namespace, optional: source.optional == true) {
                    var data: [String: Data] = [:]
                    for (key, value) in map.data ?? [:] { data[key] = Data(value.utf8) }
                    for (key, value) in map.binaryData ?? [:] { data[key] = Self.decodeBase64(value) }
                    files = try project(data, items: source.items, defaultMode: source.defaultMode ?? 0o644, what: "configmap \(source.name ?? "")")
                }
                let path = root + "/kubernetes.io~configmap/" + name
                try writeContent(files, to: path)
                paths[name] = path
            } else if let source = volume.secret {
                var files: [String: (Data, Int32)] = [:]
                if let secret = try await secretForVolume(source.secretName ?? "", namespace: namespace, optional: source.optional == true) {
                    let data = (secret.data ?? [:]).mapValues(Self.decodeBase64)
                    files = try project(data, items: source.items, defaultMode: source.defaultMode ?? 0o644, what: "secret \(source.secretName ?? "")")
                }
                let path = root + "/kubernetes.io~secret/" + name
                try writeContent(files, to: path)
                paths[name] = path
            } else if let source = volume.downwardAPI {
                let files = try downwardFiles(source.items ?? [], defaultMode: source.defaultMode ?? 0o644, pod: pod, podIP: podIP)
                let path = root + "/kubernetes.io~downward-api/" + name
                try writeContent(files, to: path)
                paths[name] = path
            } else if let projected = volume.projected {
                var files: [String: (Data, Int32)] = [:]
                let mode = projected.defaultMode ?? 0o644
                for source in projected.sources ?? [] {
                    if let ref = source.configMap,
                       let map = try await configMapForVolume(ref.name ?? "", namespace: namespace, optional: ref.optional == true) {
                        var data: [String: Data] = [:]
                        for (key, value) in map.data ?? [:] { data[key] = Data(value.utf8) }
                        files.merge(try project(data, items: ref.items, defaultMode: mode, what: "configmap \(ref.name ?? "")")) { $1 }
                    }
                    if let ref = source.secret,
                       let secret = try await secretForVolume(ref.name ?? "", namespace: namespace, optional: ref.optional == true) {
                        let data = (secret.data ?? [:]).mapValues(Self.decodeBase64)
                        files.merge(try project(data, items: ref.items, defaultMode: mode, what: "secret \(ref.name ?? "")")) { $1 }
                    }
                    if let downward = source.downwardAPI {
                        files.merge(try downwardFiles(downward.items ?? [], defaultMode: mode, pod: pod, podIP: podIP)) { $1 }
                    }
                    if let token = source.serviceAccountToken {
                        let file = root + "/kubernetes.io~projected/" + name + "/" + (token.path ?? "token")
                        files[token.path ?? "token"] = (try await serviceAccountToken(token, pod: pod, reusing: file), mode)
                    }
                }
                let path = root + "/kubernetes.io~projected/" + name
                try writeContent(files, to: path)
                paths[name] = path
            } else {
                throw VolumeError(description: "volume \"\(name)\" has a type this node does not support")
            }
        }
        return paths
    }

    /// A token for the pod's ServiceAccount from the TokenRequest API, bound to the pod (so it
    /// stops authenticating when the pod is gone), as the kubelet's token manager requests it.
    /// The token already written is kept until 80% of its lifetime has passed (the kubelet's
    /// refresh rule), so a sync does not ask for a new one each time.
    private func serviceAccountToken(_ projection: CoreV1.ServiceAccountTokenProjection, pod: CoreV1.Pod,
                                     reusing file: String) async throws -> Data {
        let lifetime = max(600, projection.expirationSeconds ?? 3600)
        if let attributes = try? FileManager.default.attributesOfItem(atPath: file),
           let written = attributes[.modificationDate] as? Date,
           Date().timeIntervalSince(written) < Double(lifetime) * 0.8,
           let data = FileManager.default.contents(atPath: file), !data.isEmpty {
            return data
        }
        let account = pod.spec?.serviceAccountName ?? "default"
        var spec = AuthenticationV1.TokenRequestSpec()
        spec.audiences = projection.audience.map { [$0] }
        spec.expirationSeconds = lifetime
        spec.boundObjectRef = AuthenticationV1.BoundObjectReference(apiVersion: "v1", kind: "Pod", name: pod.metadata?.name,
                                                                      uid: pod.metadata?.uid)
        var request = AuthenticationV1.TokenRequest()
        request.apiVersion = "authentication.k8s.io/v1"
        request.kind = "TokenRequest"
        request.spec = spec
        let reply: JSONValue
        do {
            reply = try await client.create(request, subresource: "token", of: CoreV1.ServiceAccount.self, name: account,
                                            namespace: pod.metadata?.namespace ?? "default")
        } catch {
            throw VolumeError(description: "MountVolume.SetUp failed: failed to fetch token: \(error)")
        }
        guard let token = reply["status"]?["token"]?.stringValue else {
            throw VolumeError(description: "MountVolume.SetUp failed: failed to fetch token: no token in the reply")
        }
        return Data(token.utf8)
    }

    /// The files of a configMap/secret volume: every key, or only `items` (each key must exist).
    private func project(_ data: [String: Data], items: [CoreV1.KeyToPath]?, defaultMode: Int32, what: String) throws -> [String: (Data, Int32)] {
        var files: [String: (Data, Int32)] = [:]
        guard let items, !items.isEmpty else {
            for (key, value) in data { files[key] = (value, defaultMode) }
            return files
        }
        for item in items {
            guard let key = item.key, let value = data[key] else {
                throw VolumeError(description: "configmap references non-existent config key: \(item.key ?? "") (\(what))")
            }
            files[item.path ?? key] = (value, item.mode ?? defaultMode)
        }
        return files
    }

    private func downwardFiles(_ items: [CoreV1.DownwardAPIVolumeFile], defaultMode: Int32, pod: CoreV1.Pod,
                               podIP: String) throws -> [String: (Data, Int32)] {
        var files: [String: (Data, Int32)] = [:]
        for item in items {
            guard let path = item.path else { continue }
            var value = ""
            if let field = item.fieldRef {
                value = try fieldValue(field.fieldPath ?? "", pod: pod, podIP: podIP)
            } else if let ref = item.resourceFieldRef {
                let container = (pod.spec?.containers ?? []).first { $0.name == ref.containerName } ?? CoreV1.Container()
                value = resourceValue(ref, container: container, pod: pod)
            }
            files[path] = (Data(value.utf8), item.mode ?? defaultMode)
        }
        return files
    }

    private func configMapForVolume(_ name: String, namespace: String, optional: Bool) async throws -> CoreV1.ConfigMap? {
        do { return try await configMap(name, namespace: namespace, optional: optional) } catch let error as ContainerConfigError {
            throw VolumeError(description: "MountVolume.SetUp failed: \(error.description)")
        }
    }

    private func secretForVolume(_ name: String, namespace: String, optional: Bool) async throws -> CoreV1.Secret? {
        do { return try await secret(name, namespace: namespace, optional: optional) } catch let error as ContainerConfigError {
            throw VolumeError(description: "MountVolume.SetUp failed: \(error.description)")
        }
    }

    /// Writes `files` under `directory`, replacing what differs and removing files no longer
    /// listed. Paths may not escape the directory.
    func writeContent(_ files: [String: (Data, Int32)], to directory: String) throws {
        try makeDirectory(directory, mode: 0o755)
        let manager = FileManager.default
        for (relative, (data, mode)) in files {
            let parts = relative.split(separator: "/")
            guard !relative.hasPrefix("/"), !parts.contains(".."), !parts.isEmpty else {
                throw VolumeError(description: "invalid path \"\(relative)\" in volume")
            }
            let path = directory + "/" + relative
            if manager.contents(atPath: path) != data {
                try makeDirectory((path as NSString).deletingLastPathComponent, mode: 0o755)
                let temporary = path + ".skiff-tmp"
                guard manager.createFile(atPath: temporary, contents: data) else {
                    throw VolumeError(description: "cannot write \(path)")
                }
                // rename is atomic: a reader sees the old or the new file, never half of one.
                guard rename(temporary, path) == 0 else { throw VolumeError(description: "cannot write \(path)") }
            }
            try? manager.setAttributes([.posixPermissions: Int(mode)], ofItemAtPath: path)
        }
        let wanted = Set(files.keys)
        for existing in (manager.enumerator(atPath: directory)?.allObjects as? [String]) ?? [] {
            var isDirectory: ObjCBool = false
            let exists = manager.fileExists(atPath: directory + "/" + existing, isDirectory: &isDirectory)
            if exists, !isDirectory.boolValue, !wanted.contains(existing) { try? manager.removeItem(atPath: directory + "/" + existing) }
        }
    }

    /// hostPath `type` checks (DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice, BlockDevice).
    func checkHostPath(_ source: CoreV1.HostPathVolumeSource) throws -> String {
        let path = source.path ?? ""
        guard path.hasPrefix("/") else { throw VolumeError(description: "hostPath \"\(path)\" is not absolute") }
        var st = stat()
        let exists = stat(path, &st) == 0
        let kind = st.st_mode & S_IFMT
        switch source.type ?? "" {
        case "":
            break
        case "DirectoryOrCreate":
            if !exists { try makeDirectory(path, mode: 0o755) } else if kind != S_IFDIR {
                throw VolumeError(description: "hostPath type check failed: \(path) is not a directory")
            }
        case "Directory":
            guard exists, kind == S_IFDIR else { throw VolumeError(description: "hostPath type check failed: \(path) is not a directory") }
        case "FileOrCreate":
            if !exists {
                try makeDirectory((path as NSString).deletingLastPathComponent, mode: 0o755)
                guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644]) else {
                    throw VolumeError(description: "hostPath \(path) cannot be created")
                }
            } else if kind != S_IFREG {
                throw VolumeError(description: "hostPath type check failed: \(path) is not a file")
            }
        case "File":
            guard exists, kind == S_IFREG else { throw VolumeError(description: "hostPath type check failed: \(path) is not a file") }
        case "Socket":
            guard exists, kind == S_IFSOCK else { throw VolumeError(description: "hostPath type check failed: \(path) is not a socket file") }
        case "CharDevice":
            guard exists, kind == S_IFCHR else { throw VolumeError(description: "hostPath type check failed: \(path) is not a character device") }
        case "BlockDevice":
            guard exists, kind == S_IFBLK else { throw VolumeError(description: "hostPath type check failed: \(path) is not a block device") }
        default:
            throw VolumeError(description: "hostPath type \(source.type ?? "") is not supported")
        }
        return path
    }

    func makeDirectory(_ path: String, mode: Int) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
    }

    /// The runtime mounts of a container: its volumeMounts (subPath inside the volume) and the
    /// termination-message file at the container's path.
    func mounts(for container: CoreV1.Container, volumes: [String: String], environment: [String: String]) throws -> [Mount] {
        var result: [Mount] = []
        for mount in container.volumeMounts ?? [] {
            guard let name = mount.name, let base = volumes[name], let target = mount.mountPath else {
                throw ContainerConfigError(description: "cannot find volume \"\(mount.name ?? "")\" to mount into container \"\(container.name ?? "")\"")
            }
            var host = base
            var subPath = mount.subPath ?? ""
            if let expression = mount.subPathExpr, !expression.isEmpty { subPath = Expansion.expand(expression) { environment[$0] } }
            if !subPath.isEmpty {
                let parts = subPath.split(separator: "/")
                guard !subPath.hasPrefix("/"), !parts.contains("..") else {
                    throw ContainerConfigError(description: "subPath \"\(subPath)\" must be a relative path without '..'")
                }
                host = base + "/" + subPath
                if !FileManager.default.fileExists(atPath: host) { try makeDirectory(host, mode: 0o777) }
            }
            result.append(Mount(hostPath: host, containerPath: target, readOnly: mount.readOnly == true))
        }
        return result
    }
}
