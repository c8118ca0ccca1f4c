import Foundation

extension OCIImageStore {
    public func pullImage(_ reference: String, credentials: RegistryCredentials?) async throws -> ImageRecord {
        prepareOnce()
        let parsed = try ImageReference(parsing: reference)
        let client = try RegistryClient(registry: parsed.registry, apiHost: parsed.apiHost, options: options, credentials: credentials)
        do {
            let record = try await pull(parsed, client: client)
            await client.shutdown()
            return record
        } catch {
            await client.shutdown()
            // Verified blobs of a failed pull (its config, earlier layers) are garbage now.
            try? collectGarbage()
            throw error
        }
    }

    private func pull(_ reference: ImageReference, client: RegistryClient) async throws(ImageError) -> ImageRecord {
        let repository = reference.repository
        let top = try await client.manifest(repository: repository, reference: reference.manifestReference, displayName: reference.normalized)
        var manifestData = top.data
        var manifestDigest = top.digest
        if OCIMediaType.indexes.contains(top.mediaType) {
            let index = try JSONDecoder.decodeImageJSON(OCIIndex.self, from: top.data, what: "index of \(reference.normalized)")
            guard let chosen = Self.choosePlatform(index.manifests) else { throw .noMatchingPlatform(reference.normalized) }
            let platformManifest = try await client.manifest(repository: repository, reference: chosen.digest, displayName: reference.normalized)
            manifestData = platformManifest.data
            manifestDigest = platformManifest.digest
        } else if !OCIMediaType.manifests.contains(top.mediaType) {
            throw .unsupportedMediaType(top.mediaType)
        }
        let manifest = try JSONDecoder.decodeImageJSON(OCIManifest.self, from: manifestData, what: "manifest of \(reference.normalized)")
        try Self.validate(manifest)

        let held = [top.digest, manifestDigest, manifest.config.digest] + manifest.layers.map(\.digest)
        retain(held)
        defer { release(held) }

        let missing = ([manifest.config] + manifest.layers).filter { !blobs.contains($0.digest) }
        try await Self.download(missing, repository: repository, client: client, blobs: blobs, parallelism: options.parallelDownloads)
        for layer in manifest.layers {
            try await unpacker.unpack(blobPath: blobs.path(for: layer.digest), digest: layer.digest)
        }
        // Manifests go in after their content, and the index last, so a name never points at missing content.
        try blobs.write(manifestData, expected: manifestDigest)
        if top.digest != manifestDigest { try blobs.write(top.data, expected: top.digest) }
        // The config must parse before the image is recorded.
        _ = try resolve(top.digest)

        var names = ["\(reference.name)@\(top.digest)"]
        if let tagged = reference.taggedName, reference.digest == nil { names.insert(tagged, at: 0) }
        let descriptor = OCIDescriptor(mediaType: top.mediaType, digest: top.digest, size: Int64(top.data.count))
        try record(names: names, for: descriptor)
        return try record(for: top.digest, entries: readIndex())
    }

    /// Refuses manifests Skiff cannot run: non-image configs (artifacts), unknown layer types, bad digests.
    static func validate(_ manifest: OCIManifest) throws(ImageError) {
        let configTypes: Set<String> = [OCIMediaType.imageConfig, OCIMediaType.dockerConfig]
        guard configTypes.contains(manifest.config.mediaType) else { throw .unsupportedMediaType(manifest.config.mediaType) }
        // The config is read into memory and decoded: refuse an oversized one before downloading it.
        guard manifest.config.size <= ImageFiles.maximumConfigBytes else {
            throw .corrupt("image config of \(manifest.config.size) bytes exceeds the limit of \(ImageFiles.maximumConfigBytes)")
        }
        for descriptor in [manifest.config] + manifest.layers {
            guard OCIDigest.isValid(descriptor.digest) else { throw .corrupt("invalid digest \(descriptor.digest)") }
            guard descriptor.size >= 0 else { throw .corrupt("negative size for \(descriptor.digest)") }
        }
        for layer in manifest.layers where !OCIMediaType.isLayer(layer.mediaType) {
            throw .unsupportedMediaType(layer.mediaType)
        }
    }

    /// Downloads `descriptors` into the blob store, `parallelism` at a time; each blob is
    /// verified before it is stored.
    private static func download(
        _ descriptors: [OCIDescriptor], repository: String, client: RegistryClient, blobs: BlobStore, parallelism: Int
    ) async throws(ImageError) {
        var seen = Set<String>()
        let unique = descriptors.filter { seen.insert($0.digest).inserted }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var next = 0
                func startNext() {
                    guard next < unique.count else { return }
                    let descriptor = unique[next]
                    next += 1
                    group.addTask {
                        let temporary = blobs.makeTemporaryPath()
                        try await client.downloadBlob(repository: repository, descriptor: descriptor, to: temporary)
                        try blobs.ingest(file: temporary, expected: descriptor.digest, expectedSize: descriptor.size)
                    }
                }
                for _ in 0..<max(1, parallelism) { startNext() }
                while try await group.next() != nil { startNext() }
            }
        } catch let error as ImageError {
            throw error
        } catch {
            throw .io("download failed: \(error)")
        }
    }
}
