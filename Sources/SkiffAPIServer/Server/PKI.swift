import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SwiftASN1
import X509

/// The cluster's certificates and admin credentials, created on first start and kept in the
/// data directory (`pki/`): a CA, a serving certificate for the API server, an admin client
/// certificate (`O=system:masters`) and an admin bearer token.
public struct ClusterPKI: Sendable {
    public var caCertificatePEM: String
    public var caKeyPEM: String
    public var servingCertificatePEM: String
    public var servingKeyPEM: String
    public var adminCertificatePEM: String
    public var adminKeyPEM: String
    public var adminToken: String
    /// The key ServiceAccount tokens are signed with (`sa.key`, kube-apiserver's
    /// --service-account-signing-key-file); empty in a data directory from before it existed
    /// until the server starts once.
    public var serviceAccountKeyPEM: String = ""

    /// What `load` throws when the server has not (or not yet completely) created the PKI.
    public struct NotInitialized: Error, CustomStringConvertible {
        public var directory: String
        public var missing: String
        public var description: String {
            "the data directory is not initialised yet (\(directory)/\(missing) is missing): start `skiff server` with this data directory and wait until it is ready"
        }
    }

    static let fileNames = ["ca.crt", "ca.key", "server.crt", "server.key", "admin.crt", "admin.key", "admin.token"]

    /// Reads the PKI the server created; never creates anything (`skiff kubeconfig`). Throws
    /// `NotInitialized` when a file is missing: each file appears complete (see `PrivateFiles`)
    /// and `admin.token` last.
    public static func load(directory: String) throws -> ClusterPKI {
        var text: [String: String] = [:]
        for name in fileNames {
            guard let value = try? String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8) else {
                throw NotInitialized(directory: directory, missing: name)
            }
            text[name] = value
        }
        return ClusterPKI(
            caCertificatePEM: text["ca.crt"] ?? "", caKeyPEM: text["ca.key"] ?? "",
            servingCertificatePEM: text["server.crt"] ?? "", servingKeyPEM: text["server.key"] ?? "",
            adminCertificatePEM: text["admin.crt"] ?? "", adminKeyPEM: text["admin.key"] ?? "",
            adminToken: (text["admin.token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines),
            serviceAccountKeyPEM: (try? String(contentsOfFile: "\(directory)/sa.key", encoding: .utf8)) ?? "")
    }

    /// Loads the PKI from `directory`, creating whatever is missing (only `skiff server` does).
    /// Creation holds a lock file and every file is created exclusively (temporary name, then
    /// link without replacing), so concurrent starts agree on one CA and one admin token.
    /// The serving certificate names `localhost`, `kubernetes*`, 127.0.0.1, ::1 and
    /// `extraAddresses` (the `kubernetes` Service IP, `--tls-san`, bind/advertise addresses).
    public static func loadOrCreate(directory: String, extraAddresses: [String] = []) throws -> ClusterPKI {
        _ = try PrivateFiles.prepareDirectory(directory)
        return try PrivateFiles.withLock("\(directory)/.lock") { () throws -> ClusterPKI in
            try create(directory: directory, extraAddresses: extraAddresses)
            return try load(directory: directory)
        }
    }

    private static func create(directory: String, extraAddresses: [String]) throws {
        func path(_ name: String) -> String { "\(directory)/\(name)" }
        func read(_ name: String) -> String? { try? String(contentsOfFile: path(name), encoding: .utf8) }
        func write(_ name: String, _ text: String, secret: Bool) throws {
            try PrivateFiles.createExclusive(path(name), contents: Array(text.utf8), mode: secret ? 0o600 : 0o644)
        }

        let caKey: P256.Signing.PrivateKey
        let caCert: Certificate
        if let keyPEM = read("ca.key"), let certPEM = read("ca.crt") {
            caKey = try P256.Signing.PrivateKey(pemRepresentation: keyPEM)
            caCert = try Certificate(pemEncoded: certPEM)
        } else {
            caKey = P256.Signing.PrivateKey()
            caCert = try makeCA(key: caKey)
            for name in ["ca.key", "ca.crt"] { unlink(path(name)) }  // a half pair from an interrupted start
            try write("ca.key", caKey.pemRepresentation, secret: true)
            try write("ca.crt", try caCert.serializeAsPEM().pemString, secret: false)
        }

        if read("server.crt") == nil || read("server.key") == nil {
            let key = P256.Signing.PrivateKey()
            let cert = try makeLeaf(
                key: key, caKey: caKey, ca: caCert, commonName: "kube-apiserver", organization: nil,
                usage: .serverAuth, addresses: extraAddresses)
            for name in ["server.key", "server.crt"] { unlink(path(name)) }
            try write("server.key", key.pemRepresentation, secret: true)
            try write("server.crt", try cert.serializeAsPEM().pemString, secret: false)
        }
        if read("admin.crt") == nil || read("admin.key") == nil {
            let key = P256.Signing.PrivateKey()
            let cert = try makeLeaf(
                key: key, caKey: caKey, ca: caCert, commonName: "admin", organization: "system:masters",
                usage: .clientAuth, addresses: [])
            for name in ["admin.key", "admin.crt"] { unlink(path(name)) }
            try write("admin.key", key.pemRepresentation, secret: true)
            try write("admin.crt", try cert.serializeAsPEM().pemString, secret: false)
        }
        if read("sa.key") == nil {
            try write("sa.key", P256.Signing.PrivateKey().pemRepresentation, secret: true)
        }
        if read("admin.token") == nil {
            try write("admin.token", randomToken(), secret: true)
        }
    }

    static func randomToken() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var rng = SystemRandomNumberGenerator()
        return String((0..<48).map { _ in alphabet[Int(rng.next(upperBound: UInt64(alphabet.count)))] })
    }

    private enum Usage { case serverAuth, clientAuth }

    private static func makeCA(key: P256.Signing.PrivateKey) throws -> Certificate {
        let name = try DistinguishedName { CommonName("skiff-ca") }
        let now = Date()
        return try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: Certificate.PublicKey(key.publicKey))
            },
            issuerPrivateKey: .init(key))
    }

    private static func makeLeaf(
        key: P256.Signing.PrivateKey, caKey: P256.Signing.PrivateKey, ca: Certificate,
        commonName: String, organization: String?, usage: Usage, addresses: [String]
    ) throws -> Certificate {
        let subject = try DistinguishedName {
            if let organization { OrganizationName(organization) }
            CommonName(commonName)
        }
        let now = Date()
        var names: [GeneralName] = []
        if usage == .serverAuth {
            for dns in ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                        "kubernetes.default.svc.cluster.local"] {
                names.append(.dnsName(dns))
            }
            var seen = Set<String>()
            for address in ["127.0.0.1", "::1"] + addresses where seen.insert(address).inserted {
                if let bytes = IPAddressBytes.parse(address) {
                    names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes))))
                } else if !address.isEmpty {
                    names.append(.dnsName(address))
                }
            }
        }
        let sanNames = names
        return try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(5 * 365 * 86400),
            issuer: ca.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([usage == .serverAuth ? .serverAuth : .clientAuth])
                if !sanNames.isEmpty { SubjectAlternativeNames(sanNames) }
            },
            issuerPrivateKey: .init(caKey))
    }
}

/// IPv4/IPv6 text to bytes without touching the network.
enum IPAddressBytes {
    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }
}

import NIOCore

extension ClusterPKI {
    /// The host's IPv4 and IPv6 addresses (for the serving certificate).
    public static func hostAddresses() -> [String] {
        guard let devices = try? System.enumerateDevices() else { return [] }
        var out: [String] = []
        for device in devices {
            guard let ip = device.address?.ipAddress, !ip.hasPrefix("fe80") else { continue }
            if !out.contains(ip) { out.append(ip) }
        }
        return out
    }

    /// An admin kubeconfig for `server` (e.g. `https://127.0.0.1:6443`) with the client
    /// certificate credentials.
    public func kubeconfig(server: String, clusterName: String = "skiff") -> String {
        func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }
        return """
        apiVersion: v1
        kind: Config
        clusters:
        - cluster:
            certificate-authority-data: \(b64(caCertificatePEM))
            server: \(server)
          name: \(clusterName)
        contexts:
        - context:
            cluster: \(clusterName)
            namespace: default
            user: \(clusterName)-admin
          name: \(clusterName)
        current-context: \(clusterName)
        preferences: {}
        users:
        - name: \(clusterName)-admin
          user:
            client-certificate-data: \(b64(adminCertificatePEM))
            client-key-data: \(b64(adminKeyPEM))

        """
    }
}
