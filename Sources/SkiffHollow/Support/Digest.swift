import Crypto

/// Deterministic stand-ins for the identifiers a container runtime would mint: the same pod,
/// container and attempt always get the same container ID, so tests can predict them and a
/// restarted hollow process reports the same IDs it reported before.
enum Digest {
    static func hex(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
        }.joined()
    }

    /// `skiff://<64 hex>`, the shape of a CRI container ID (`containerd://…`).
    static func containerID(podUID: String, container: String, attempt: Int32) -> String {
        "skiff://" + hex("\(podUID)/\(container)/\(attempt)")
    }

    /// The fully qualified reference a runtime reports for `image` (`nginx` →
    /// `docker.io/library/nginx:latest`), as in `containerStatuses[].image`.
    static func normalizedImage(_ image: String) -> String {
        guard !image.isEmpty else { return image }
        var name = image
        let firstComponent = name.split(separator: "/", maxSplits: 1).first.map(String.init) ?? name
        let hasRegistry = name.contains("/") && (firstComponent.contains(".") || firstComponent.contains(":") || firstComponent == "localhost")
        if !hasRegistry {
            name = name.contains("/") ? "docker.io/" + name : "docker.io/library/" + name
        }
        let lastComponent = name.split(separator: "/").last.map(String.init) ?? name
        if !name.contains("@") && !lastComponent.contains(":") { name += ":latest" }
        return name
    }

    /// `repository@sha256:<digest>`, the shape of `containerStatuses[].imageID`.
    static func imageID(_ image: String) -> String {
        let normalized = normalizedImage(image)
        if normalized.contains("@") { return normalized }
        let lastSlash = normalized.lastIndex(of: "/") ?? normalized.startIndex
        let repository = normalized[lastSlash...].contains(":")
            ? String(normalized[..<(normalized.lastIndex(of: ":") ?? normalized.endIndex)]) : normalized
        return repository + "@sha256:" + hex(normalized)
    }
}
