import Foundation
import Synchronization
import Testing
@testable import SkiffAPIServer

@Suite("Data directory and PKI files", .timeLimit(.minutes(2)))
struct PKIFilesTests {
    private func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-pki-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func mode(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? Int ?? -1) & 0o777
    }

    @Test("the PKI directory is 0700, keys and the token 0600")
    func privateModes() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try ClusterPKI.loadOrCreate(directory: "\(root)/pki")
        #expect(mode("\(root)/pki") == 0o700)
        for name in ["ca.key", "server.key", "admin.key", "admin.token"] { #expect(mode("\(root)/pki/\(name)") == 0o600, "\(name)") }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: "\(root)/pki").filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test("an existing directory open to other users gets a warning; a new one is created 0700")
    func directoryWarning() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root)
        #expect(try PrivateFiles.prepareDirectory(root)?.contains("chmod 700") == true)
        #expect(try PrivateFiles.prepareDirectory("\(root)/data") == nil)
        #expect(mode("\(root)/data") == 0o700)
        try PrivateFiles.touch("\(root)/data/state.db")
        #expect(mode("\(root)/data/state.db") == 0o600)
    }

    @Test("concurrent first starts agree on one CA and one admin token")
    func concurrentCreationAgrees() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            if let pki = try? ClusterPKI.loadOrCreate(directory: "\(root)/pki") { results.add(pki) }
        }
        let all = results.all
        #expect(all.count == 8)
        #expect(Set(all.map(\.adminToken)).count == 1)
        #expect(Set(all.map(\.caCertificatePEM)).count == 1)
        let onDisk = try ClusterPKI.load(directory: "\(root)/pki")
        #expect(onDisk.adminToken == all.first?.adminToken)
    }

    @Test("load (skiff kubeconfig) never creates the PKI and says the directory is not initialised")
    func loadOnlyReads() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(throws: ClusterPKI.NotInitialized.self) { try ClusterPKI.load(directory: "\(root)/pki") }
        #expect(!FileManager.default.fileExists(atPath: "\(root)/pki"))
        do { _ = try ClusterPKI.load(directory: "\(root)/pki") } catch {
            #expect("\(error)".contains("not initialised"))
        }
    }

    @Test("the serving certificate names the service CIDR's first IP and --tls-san entries, not a fixed address")
    func servingSANs() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let serviceIP = APIServer.kubernetesServiceAddress(serviceCIDR: "10.96.0.0/12")
        #expect(serviceIP == "10.96.0.1")
        let pki = try ClusterPKI.loadOrCreate(directory: "\(root)/pki", extraAddresses: [serviceIP, "api.example.test", "192.0.2.7"])
        let text = try subjectAlternativeNames(pki.servingCertificatePEM, in: root)
        #expect(text.contains("DNS:api.example.test"))
        #expect(text.contains("IP Address:10.96.0.1"))
        #expect(text.contains("IP Address:192.0.2.7"))
        #expect(!text.contains("IP Address:10.43.0.1"))
    }

    /// The SAN extension as openssl prints it.
    private func subjectAlternativeNames(_ pem: String, in directory: String) throws -> String {
        let path = "\(directory)/serving.pem"
        try pem.write(toFile: path, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text
    }
}

private final class Results: Sendable {
    private let items = Mutex<[ClusterPKI]>([])
    func add(_ pki: ClusterPKI) { items.withLock { $0.append(pki) } }
    var all: [ClusterPKI] { items.withLock { $0 } }
}
