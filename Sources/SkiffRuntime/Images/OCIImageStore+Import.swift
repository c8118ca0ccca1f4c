import Foundation

extension OCIImageStore {
    public func importImage(from path: String) async throws -> [ImageRecord] {
        prepareOnce()
        var layout = path
        var extracted: String?
        defer { if let extracted { try? FileManager.default.removeItem(atPath: extracted) } }
        if !ImageFiles.isDirectory(path) {
            guard FileManager.default.isReadableFile(atPath: path) else { throw ImageError.io("cannot read \(path)") }
            let directory = blobs.temporaryDirectory + "/import-" + UUID().uuidString
            extracted = directory
            try ImageFiles.createDirectory(directory)
            // The same safe extraction as layers (nothing lands outside `directory`); the archive
            // holds every layer of the image, so its cap is eight layers' worth.
            do {
                _ = try await LayerUnpacker.extract(path, compression: try LayerUnpacker.compression(of: path),
                                                    into: directory, maxBytes: min(unpacker.maxLayerBytes, Int64.max / 8) * 8)
            } catch {
                throw ImageError.corrupt("\(path) is not a readable tar archive: \(error)")
            }
            layout = directory
        }
        do {
            if FileManager.default.fileExists(atPath: layout + "/index.json") {
                return try await importLayout(layout)
            }
            if FileManager.default.fileExists(atPath: layout + "/manifest.json") {
                return try await importDockerArchive(layout)
            }
        } catch {
            // Content copied before the failure belongs to no image; images completed earlier in this import stay.
            try? collectGarbage()
            throw error
        }
        throw ImageError.corrupt("\(path) is neither an OCI image layout (index.json) nor a docker save archive (manifest.json)")
    }

    // MARK: - OCI image layout

    private func importLayout(_ layout: String) async throws(ImageError) -> [ImageRecord] {
        let data = try ImageFiles.read(layout + "/index.json", limit: ImageFiles.maximumManifestBytes, what: "index.json")
        let index = try JSONDecoder.decodeImageJSON(OCIIndex.self, from: data, what: "index.json")
        var tops: [String] = []
        for entry in index.manifests {
            try await importTree(entry, layout: layout)
            try record(names: Self.importNames(entry.annotations), for: entry)
            tops.append(entry.digest)
        }
        let entries = try readIndex()
        var seen = Set<String>()
        var records: [ImageRecord] = []
        for top in tops where seen.insert(top).inserted { records.append(try record(for: top, entries: entries)) }
        return records
    }

    /// Copies one top-level manifest (or index, for linux/amd64) and its content from a layout, verified.
    private func importTree(_ top: OCIDescriptor, layout: String) async throws(ImageError) {
        let topData = try readLayoutBlob(top, layout: layout)
        var manifestDescriptor = top
        var manifestData = topData
        if OCIMediaType.indexes.contains(top.mediaType) {
            let index = try JSONDecoder.decodeImageJSON(OCIIndex.self, from: topData, what: "index \(top.digest)")
            guard let chosen = Self.choosePlatform(index.manifests) else { throw .noMatchingPlatform(top.digest) }
            manifestDescriptor = chosen
            manifestData = try readLayoutBlob(chosen, layout: layout)
        } else if !OCIMediaType.manifests.contains(top.mediaType) {
            throw .unsupportedMediaType(top.mediaType)
        }
        let manifest = try JSONDecoder.decodeImageJSON(OCIManifest.self, from: manifestData, what: "manifest \(manifestDescriptor.digest)")
        try Self.validate(manifest)
        let held = [top.digest, manifestDescriptor.digest, manifest.config.digest] + manifest.layers.map(\.digest)
        retain(held)
        defer { release(held) }
        for descriptor in [manifest.config] + manifest.layers {
            try blobs.copy(file: try layoutBlobPath(descriptor.digest, layout: layout), expected: descriptor.digest, expectedSize: descriptor.size)
        }
        for layer in manifest.layers {
            try await unpacker.unpack(blobPath: blobs.path(for: layer.digest), digest: layer.digest)
        }
        try blobs.write(manifestData, expected: manifestDescriptor.digest)
        if top.digest != manifestDescriptor.digest { try blobs.write(topData, expected: top.digest) }
        _ = try resolve(top.digest)
    }

    private func layoutBlobPath(_ digest: String, layout: String) throws(ImageError) -> String {
        // Validating the digest also keeps the path inside the layout.
        guard OCIDigest.isValid(digest) else { throw .corrupt("invalid digest \(digest) in layout") }
        return try ImageFiles.memberFile(layout + "/blobs/sha256/" + OCIDigest.hex(digest), inside: layout)
    }

    private func readLayoutBlob(_ descriptor: OCIDescriptor, layout: String) throws(ImageError) -> Data {
        let path = try layoutBlobPath(descriptor.digest, layout: layout)
        guard FileManager.default.fileExists(atPath: path) else { throw .corrupt("layout lacks blob \(descriptor.digest)") }
        // Manifests and indexes only: capped before reading, verified before parsing.
        let data = try ImageFiles.read(path, limit: ImageFiles.maximumManifestBytes, what: "manifest \(descriptor.digest)")
        let actual = OCIDigest.of(data)
        guard actual == descriptor.digest else { throw .digestMismatch(expected: descriptor.digest, actual: actual) }
        return data
    }

    /// Full names from a layout entry: containerd's full-name annotation, else a ref.name that
    /// looks like a reference (`busybox:1`, `host/repo:tag`). A bare tag (`1.0`) names no repository,
    /// so such an image is imported unnamed (addressable by ID).
    static func importNames(_ annotations: [String: String]?) -> [String] {
        let candidates = [annotations?[containerdImageNameAnnotation], annotations?[ociRefNameAnnotation]].compactMap { $0 }
        for candidate in candidates where candidate.contains("/") || candidate.contains(":") || candidate.contains("@") {
            if let reference = try? ImageReference(parsing: candidate) {
                return [reference.taggedName ?? reference.digestedName].compactMap { $0 }
            }
        }
        return []
    }

    // MARK: - docker save archives

    private func importDockerArchive(_ directory: String) async throws(ImageError) -> [ImageRecord] {
        let data = try ImageFiles.read(directory + "/manifest.json", limit: ImageFiles.maximumManifestBytes, what: "manifest.json")
        let entries = try JSONDecoder.decodeImageJSON([DockerSaveManifestEntry].self, from: data, what: "manifest.json")
        var tops: [String] = []
        for entry in entries {
            let configPath = try Self.archiveMember(entry.Config, in: directory)
            let config = try OCIDigest.ofFile(at: configPath)
            guard config.size <= Int64(ImageFiles.maximumConfigBytes) else {
                throw .corrupt("image config \(entry.Config) exceeds the limit of \(ImageFiles.maximumConfigBytes) bytes")
            }
            var layers: [OCIDescriptor] = []
            for member in entry.Layers {
                let path = try Self.archiveMember(member, in: directory)
                let (digest, size) = try OCIDigest.ofFile(at: path)
                let gzip = (try? LayerUnpacker.compression(of: path)) == .gzip
                layers.append(OCIDescriptor(mediaType: gzip ? OCIMediaType.layerTarGzip : OCIMediaType.layerTar, digest: digest, size: size))
            }
            let manifest = OCIManifest(
                config: OCIDescriptor(mediaType: OCIMediaType.imageConfig, digest: config.digest, size: config.size), layers: layers
            )
            let manifestData = try JSONEncoder.encodeImageJSON(manifest)
            let manifestDigest = OCIDigest.of(manifestData)
            let held = [manifestDigest, config.digest] + layers.map(\.digest)
            retain(held)
            defer { release(held) }
            try blobs.copy(file: configPath, expected: config.digest, expectedSize: config.size)
            for (layer, member) in zip(layers, entry.Layers) {
                try blobs.copy(file: try Self.archiveMember(member, in: directory), expected: layer.digest, expectedSize: layer.size)
                try await unpacker.unpack(blobPath: blobs.path(for: layer.digest), digest: layer.digest)
            }
            try blobs.write(manifestData, expected: manifestDigest)
            _ = try resolve(manifestDigest)
            let names = (entry.RepoTags ?? []).compactMap { try? ImageReference(parsing: $0).taggedName }
            try record(names: names, for: OCIDescriptor(mediaType: OCIMediaType.imageManifest, digest: manifestDigest, size: Int64(manifestData.count)))
            tops.append(manifestDigest)
        }
        let index = try readIndex()
        return try tops.map { top throws(ImageError) in try record(for: top, entries: index) }
    }

    /// A member path of an extracted archive, refused when it would leave the archive.
    static func archiveMember(_ member: String, in directory: String) throws(ImageError) -> String {
        guard !member.hasPrefix("/"), !member.split(separator: "/").contains("..") else {
            throw .corrupt("archive member path \(member) leaves the archive")
        }
        return try ImageFiles.memberFile(directory + "/" + member, inside: directory)
    }
}
