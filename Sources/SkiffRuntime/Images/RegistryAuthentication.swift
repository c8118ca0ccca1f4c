import Foundation

/// A parsed `WWW-Authenticate` challenge, e.g.
/// `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"`.
package struct AuthenticationChallenge: Sendable, Equatable {
    /// Lower-cased: `bearer` or `basic`.
    package var scheme: String
    package var parameters: [String: String]

    package init(scheme: String, parameters: [String: String]) {
        self.scheme = scheme
        self.parameters = parameters
    }

    /// Parses one challenge; nil for an empty or malformed header.
    package init?(header: String) {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") ?? (trimmed.isEmpty ? nil : trimmed.endIndex) else { return nil }
        scheme = trimmed[..<space].lowercased()
        parameters = Self.parseParameters(trimmed[space...])
    }

    /// `key=value` or `key="quoted, value"` pairs separated by commas.
    private static func parseParameters(_ text: Substring) -> [String: String] {
        var result: [String: String] = [:]
        var index = text.startIndex
        func skip(_ characters: Set<Character>) {
            while index < text.endIndex, characters.contains(text[index]) { index = text.index(after: index) }
        }
        while index < text.endIndex {
            skip([" ", ","])
            let keyStart = index
            while index < text.endIndex, text[index] != "=" { index = text.index(after: index) }
            guard index < text.endIndex else { break }
            let key = text[keyStart..<index].trimmingCharacters(in: .whitespaces).lowercased()
            index = text.index(after: index)
            var value = ""
            if index < text.endIndex, text[index] == "\"" {
                index = text.index(after: index)
                while index < text.endIndex, text[index] != "\"" {
                    if text[index] == "\\", text.index(after: index) < text.endIndex { index = text.index(after: index) }
                    value.append(text[index])
                    index = text.index(after: index)
                }
                if index < text.endIndex { index = text.index(after: index) }
            } else {
                while index < text.endIndex, text[index] != "," { value.append(text[index]); index = text.index(after: index) }
                value = value.trimmingCharacters(in: .whitespaces)
            }
            if !key.isEmpty { result[key] = value }
        }
        return result
    }

    /// The token endpoint URL for a bearer challenge (realm with service and scope appended).
    package func tokenURL(defaultScope: String) -> String? {
        guard scheme == "bearer", let realm = parameters["realm"], !realm.isEmpty,
              var components = URLComponents(string: realm) else { return nil }
        var items = components.queryItems ?? []
        if let service = parameters["service"] { items.append(URLQueryItem(name: "service", value: service)) }
        items.append(URLQueryItem(name: "scope", value: parameters["scope"] ?? defaultScope))
        components.queryItems = items
        return components.string
    }
}

/// A token service's answer (Docker uses `token`, OAuth2-style services `access_token`).
struct RegistryTokenResponse: Decodable {
    var token: String?
    var access_token: String?
}

/// The error body the distribution API returns: `{"errors":[{"code":…,"message":…}]}`.
package struct RegistryErrorResponse: Decodable {
    struct Entry: Decodable {
        var code: String?
        var message: String?
    }

    var errors: [Entry]?

    /// `CODE: message; …`, or the raw body when it is not the standard shape.
    package static func summary(of data: Data) -> String {
        if let decoded = try? JSONDecoder().decode(Self.self, from: data), let errors = decoded.errors, !errors.isEmpty {
            return errors.map { [$0.code, $0.message].compactMap { $0 }.joined(separator: ": ") }.joined(separator: "; ")
        }
        return String(decoding: data.prefix(512), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension RegistryCredentials {
    /// `Basic base64(user:password)`, when a username is set.
    package var basicAuthorization: String? {
        guard let username else { return nil }
        return "Basic " + Data("\(username):\(password ?? "")".utf8).base64EncodedString()
    }
}
