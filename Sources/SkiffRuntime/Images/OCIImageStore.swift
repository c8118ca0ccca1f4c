import Foundation

/// The node's image store: an OCI image layout on disk plus unpacked layers.
///
/// Layout under `root`:
/// - `oci-layout`, `index.json`: a valid OCI image layout. Each `index.json` entry names one
///   top-level manifest (or index) with `org.opencontainers.image.ref.name` set to a full
///   normalized reference: `registry/repo:tag` (a repo tag) or `registry/repo@sha256:…`
///   (a repo digest). Entries without a name keep unnamed images.
/// - `blobs/sha256/<hex>`: content, verified before it appears (see `BlobStore`).
/// - `layers/<layer digest hex>/`: unpacked layers (see `LayerUnpacker`), shared by images.
///
/// `index.json` is written last and atomically, so after a crash it only names complete
/// images; content no image names is collected by `removeImage`. Changes to `index.json`
/// are read-modify-write under an exclusive `flock`, so the CLI and a running agent do not
/// lose each other's tags; garbage collection assumes one process pulls at a time.
public actor OCIImageStore: ImageService {
    public nonisolated let root: String
    public nonisolated let options: RegistryOptions
    let blobs: BlobStore
    let unpacker: LayerUnpacker
    /// Digest → number of operations using it; garbage collection never deletes these.
    private var inUse: [String: Int] = [:]
    /// Parsed manifests and configs by top-level digest (blobs are immutable).
    private var resolvedCache: [String: ResolvedImage] = [:]
    private var preparedOnce = false

    var indexPath: String { root + "/index.json" }

    /// Creates the store's directories under `root` (e.g. `/var/lib/skiff/images`).
    public init(root: String, options: RegistryOptions = RegistryOptions()) throws {
        self.root = root
        self.options = options
        blobs = try BlobStore(root: root)
        unpacker = try LayerUnpacker(layersDirectory: root + "/layers")
        let layoutFile = root + "/oci-layout"
        if !FileManager.default.fileExists(atPath: layoutFile) {
            try ImageFiles.writeAtomically(Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8), to: layoutFile)
        }
    }

    // MARK: - ImageService

    public func imageStatus(_ reference: String) async throws -> ImageRecord? {
        let entries = try readIndex()
        guard let top = try lookup(reference, in: entries).first else { return nil }
        return try record(for: top, entries: entries)
    }

    public func listImages() async throws -> [ImageRecord] {
        let entries = try readIndex()
        var seen = Set<String>()
        var records: [ImageRecord] = []
        for entry in entries where seen.insert(entry.digest).inserted {
            // One unreadable image must not hide the others; it still shows in imageStatus errors.
            if let record = try? record(for: entry.digest, entries: entries) { records.append(record) }
        }
        return records
    }

    public func removeImage(_ reference: String) async throws {
        prepareOnce()
        let tops = try lookup(reference, in: try readIndex())
        guard !tops.isEmpty else { throw ImageError.notFound(reference) }
        try updateIndex { entries in entries.removeAll { tops.contains($0.digest) } }
        for top in tops { resolvedCache[top] = nil }
        try collectGarbage()
    }

    // MARK: - Records

    /// The parsed content of one stored image.
    struct ResolvedImage: Sendable {
        var manifestDigest: String
        var configDigest: String
        var layers: [OCIDescriptor]
        var size: Int64
        var config: ImageConfig
        /// Every blob the image uses, the top-level one included.
        var blobDigests: [String]
    }

    func resolve(_ top: String) throws(ImageError) -> ResolvedImage {
        if let cached = resolvedCache[top] { return cached }
        var data = try blobs.read(top)
        var manifestDigest = top
        var blobDigests = [top]
        let probe = try JSONDecoder.decodeImageJSON(OCIMediaTypeProbe.self, from: data, what: "manifest \(top)")
        if probe.manifests != nil {
            let index = try JSONDecoder.decodeImageJSON(OCIIndex.self, from: data, what: "index \(top)")
            guard let chosen = Self.choosePlatform(index.manifests.filter { blobs.contains($0.digest) }) else {
                throw .noMatchingPlatform(top)
            }
            manifestDigest = chosen.digest
            blobDigests.append(manifestDigest)
            data = try blobs.read(manifestDigest)
        }
        let manifest = try JSONDecoder.decodeImageJSON(OCIManifest.self, from: data, what: "manifest \(manifestDigest)")
        let configData = try blobs.read(manifest.config.digest)
        let configuration = try JSONDecoder.decodeImageJSON(OCIImageConfiguration.self, from: configData, what: "image config \(manifest.config.digest)")
        blobDigests.append(manifest.config.digest)
        blobDigests.append(contentsOf: manifest.layers.map(\.digest))
        let resolved = ResolvedImage(
            manifestDigest: manifestDigest, configDigest: manifest.config.digest, layers: manifest.layers,
            size: manifest.config.size + manifest.layers.reduce(0) { $0 + $1.size },
            config: configuration.imageConfig, blobDigests: blobDigests
        )
        resolvedCache[top] = resolved
        return resolved
    }

    func record(for top: String, entries: [OCIDescriptor]) throws(ImageError) -> ImageRecord {
        let resolved = try resolve(top)
        let names = entries.filter { $0.digest == top }.compactMap { $0.annotations?[ociRefNameAnnotation] }
        return ImageRecord(
            id: resolved.configDigest,
            repoTags: names.filter { !$0.contains("@") }.sorted(),
            repoDigests: names.filter { $0.contains("@") }.sorted(),
            size: resolved.size,
            config: resolved.config,
            layerDirectories: resolved.layers.map { unpacker.directory(for: $0.digest) }
        )
    }

    /// Top-level digests `reference` names: an image ID (`sha256:…`, bare hex, or a unique hex
    /// prefix of at least 12 characters), a repo tag, or a repo digest.
    func lookup(_ reference: String, in entries: [OCIDescriptor]) throws(ImageError) -> [String] {
        let tops = Array(Set(entries.map(\.digest)))
        let text = reference.hasPrefix("sha256:") ? String(reference.dropFirst(7)) : reference
        if text.count >= 12, text.count <= 64, text.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || ("a"..."f").contains($0) }) {
            let byID = tops.filter { (try? resolve($0).configDigest.dropFirst(7).hasPrefix(text)) == true }
            let ids = Set(byID.compactMap { try? resolve($0).configDigest })
            if ids.count == 1 { return byID.sorted() }
            if reference.hasPrefix("sha256:") { return tops.filter { $0 == reference } }
        }
        let parsed = try ImageReference(parsing: reference)
        var names: [String] = []
        if let digest = parsed.digest {
            names.append("\(parsed.name)@\(digest)")
        } else if let tagged = parsed.taggedName {
            names.append(tagged)
        }
        var matches = entries.filter { names.contains($0.annotations?[ociRefNameAnnotation] ?? "") }.map(\.digest)
        if matches.isEmpty, let digest = parsed.digest {
            // A platform manifest digest of a stored index also names the image.
            matches = tops.filter { top in
                (try? resolve(top).manifestDigest) == digest
                    && entries.contains { $0.digest == top && ($0.annotations?[ociRefNameAnnotation] ?? "").hasPrefix(parsed.name + "@") }
            }
        }
        return Array(Set(matches)).sorted()
    }

    /// linux/amd64 among `manifests`; a lone manifest without a platform is taken as is.
    static func choosePlatform(_ manifests: [OCIDescriptor]) -> OCIDescriptor? {
        let candidates = manifests.filter { OCIMediaType.manifests.contains($0.mediaType) || $0.mediaType.isEmpty }
        if let match = candidates.first(where: { $0.platform?.os == "linux" && $0.platform?.architecture == "amd64" }) {
            return match
        }
        if candidates.count == 1, candidates[0].platform == nil { return candidates[0] }
        return nil
    }

    // MARK: - Index

    func readIndex() throws(ImageError) -> [OCIDescriptor] {
        guard let data = FileManager.default.contents(atPath: indexPath) else { return [] }
        return try JSONDecoder.decodeImageJSON(OCIIndex.self, from: data, what: "store index \(indexPath)").manifests
    }

    /// Read-modify-write of `index.json` under an exclusive lock.
    func updateIndex(_ change: (inout [OCIDescriptor]) throws(ImageError) -> Void) throws(ImageError) {
        let lockPath = root + "/index.lock"
        let descriptor = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .io("cannot open \(lockPath)") }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX) == 0 else { throw .io("cannot lock \(lockPath)") }
        var entries = try readIndex()
        try change(&entries)
        let data = try JSONEncoder.encodeImageJSON(OCIIndex(manifests: entries))
        try ImageFiles.writeAtomically(data, to: indexPath)
    }

    /// Points each of `names` at `top` (moving them from other images) and records `top`
    /// even when it has no name.
    func record(names: [String], for top: OCIDescriptor) throws(ImageError) {
        try updateIndex { entries in
            entries.removeAll { entry in
                let name = entry.annotations?[ociRefNameAnnotation]
                return name.map(names.contains) ?? (entry.digest == top.digest && !names.isEmpty)
            }
            var plain = top
            plain.annotations = nil
            plain.platform = nil
            if names.isEmpty {
                if !entries.contains(where: { $0.digest == top.digest }) { entries.append(plain) }
            } else {
                for name in names {
                    var named = plain
                    named.annotations = [ociRefNameAnnotation: name]
                    entries.append(named)
                }
            }
        }
    }

    // MARK: - Content in use and garbage

    func retain(_ digests: [String]) {
        for digest in digests { inUse[digest, default: 0] += 1 }
    }

    func release(_ digests: [String]) {
        for digest in digests {
            let count = (inUse[digest] ?? 1) - 1
            inUse[digest] = count > 0 ? count : nil
        }
    }

    /// Deletes blobs and unpacked layers that no stored image and no running operation uses.
    func collectGarbage() throws(ImageError) {
        var referenced = Set(inUse.keys)
        for top in Set(try readIndex().map(\.digest)) {
            referenced.insert(top)
            // An unreadable image keeps only its top blob; never delete what we cannot account for.
            if let resolved = try? resolve(top) { referenced.formUnion(resolved.blobDigests) }
        }
        for digest in blobs.allDigests() where !referenced.contains(digest) { blobs.remove(digest) }
        for digest in unpacker.unpackedDigests() where !referenced.contains(digest) { unpacker.remove(digest) }
    }

    /// Clears leftovers of operations a crash interrupted (once per store instance).
    func prepareOnce() {
        guard !preparedOnce else { return }
        preparedOnce = true
        unpacker.removeInterruptedUnpacks()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: blobs.temporaryDirectory)) ?? []
        for name in names { try? FileManager.default.removeItem(atPath: blobs.temporaryDirectory + "/" + name) }
    }
}
