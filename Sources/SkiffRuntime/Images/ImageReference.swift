/// A parsed, normalized image reference: `registry/repository[:tag][@digest]`.
///
/// Normalization follows Docker's: no registry means `docker.io`, a one-part repository on
/// docker.io gets `library/`, and no tag and no digest means tag `latest`.
package struct ImageReference: Sendable, Equatable, Hashable {
    package static let defaultRegistry = "docker.io"

    /// `docker.io`, `127.0.0.1:5000`, `registry.example.com`.
    package var registry: String
    /// `library/busybox`, `test/busybox`.
    package var repository: String
    package var tag: String?
    /// `sha256:<hex>`.
    package var digest: String?

    /// `registry/repository`, e.g. `docker.io/library/busybox`.
    package var name: String { "\(registry)/\(repository)" }
    /// `name:tag`, when there is a tag.
    package var taggedName: String? { tag.map { "\(name):\($0)" } }
    /// `name@digest`, when there is a digest.
    package var digestedName: String? { digest.map { "\(name)@\($0)" } }
    /// The tag or digest to ask a registry for (the digest wins when both are given).
    package var manifestReference: String { digest ?? tag ?? "latest" }
    /// The full normalized form.
    package var normalized: String {
        var text = name
        if let tag { text += ":\(tag)" }
        if let digest { text += "@\(digest)" }
        return text
    }
    /// The host a client connects to (docker.io's API lives on registry-1.docker.io).
    package var apiHost: String { registry == Self.defaultRegistry ? "registry-1.docker.io" : registry }

    package init(registry: String, repository: String, tag: String?, digest: String?) {
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    /// Parses and normalizes `text`. Throws `ImageError.invalidReference` for anything that is
    /// not a valid reference (upper case repository, empty parts, bad tag or digest).
    package init(parsing text: String) throws(ImageError) {
        let invalid = ImageError.invalidReference(text)
        guard !text.isEmpty, text.count <= 4096, !text.contains(where: { $0.isWhitespace }) else { throw invalid }
        var remainder = Substring(text)
        var digest: String?
        if let at = remainder.firstIndex(of: "@") {
            let candidate = String(remainder[remainder.index(after: at)...])
            guard OCIDigest.isValid(candidate) else { throw invalid }
            digest = candidate
            remainder = remainder[..<at]
        }
        var tag: String?
        let lastSlash = remainder.lastIndex(of: "/")
        if let colon = remainder.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
            let candidate = String(remainder[remainder.index(after: colon)...])
            guard Self.isValidTag(candidate) else { throw invalid }
            tag = candidate
            remainder = remainder[..<colon]
        }
        var components = remainder.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var registry = Self.defaultRegistry
        if components.count > 1, let first = components.first,
           first.contains(".") || first.contains(":") || first == "localhost" || first.contains(where: \.isUppercase) {
            registry = first == "index.docker.io" ? Self.defaultRegistry : first
            components.removeFirst()
        }
        guard Self.isValidRegistry(registry), !components.isEmpty,
              components.allSatisfy(Self.isValidPathComponent) else { throw invalid }
        if registry == Self.defaultRegistry && components.count == 1 { components.insert("library", at: 0) }
        if tag == nil && digest == nil { tag = "latest" }
        self.init(registry: registry, repository: components.joined(separator: "/"), tag: tag, digest: digest)
    }

    /// `[a-z0-9]+([._-][a-z0-9]+)*` (with `__` allowed, as in Docker's grammar).
    static func isValidPathComponent(_ component: String) -> Bool {
        guard let first = component.unicodeScalars.first, let last = component.unicodeScalars.last,
              isLowerAlnum(first), isLowerAlnum(last) else { return false }
        var previousSeparator = false
        for scalar in component.unicodeScalars {
            if isLowerAlnum(scalar) { previousSeparator = false; continue }
            guard scalar == "." || scalar == "_" || scalar == "-" else { return false }
            // Only "__" and runs of "-" may repeat; ".." and "._" may not.
            if previousSeparator && scalar == "." { return false }
            previousSeparator = true
        }
        return true
    }

    /// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
    static func isValidTag(_ tag: String) -> Bool {
        guard let first = tag.unicodeScalars.first, tag.unicodeScalars.count <= 128,
              first == "_" || isAlnum(first) else { return false }
        return tag.unicodeScalars.allSatisfy { isAlnum($0) || $0 == "_" || $0 == "." || $0 == "-" }
    }

    static func isValidRegistry(_ registry: String) -> Bool {
        guard !registry.isEmpty else { return false }
        return registry.unicodeScalars.allSatisfy { isAlnum($0) || $0 == "." || $0 == "-" || $0 == ":" || $0 == "[" || $0 == "]" }
    }

    private static func isLowerAlnum(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    private static func isAlnum(_ scalar: Unicode.Scalar) -> Bool {
        isLowerAlnum(scalar) || ("A"..."Z").contains(scalar)
    }
}
