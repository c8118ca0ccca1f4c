import Foundation
import Testing
@testable import SkiffRuntime

/// Hostile layers built byte by byte: nothing may land outside the layer directory, no device
/// node may appear, and the size cap holds. Needs root (ownership), like the unpacker itself.
@Suite("Layer extraction refuses hostile tar entries", .timeLimit(.minutes(5)))
struct LayerExtractionTests {
    struct Entry {
        var name: String
        var type: Character = "0"
        var link = ""
        var data = Data()
        var mode: UInt32 = 0o644
        var uid = 0
        var declaredSize: Int?
    }

    /// A ustar archive of `entries` (no validation: hostile names and types are the point).
    static func tar(_ entries: [Entry]) -> Data {
        var out = Data()
        for entry in entries {
            var block = [UInt8](repeating: 0, count: 512)
            func put(_ text: String, _ offset: Int, _ length: Int) {
                let bytes = Array(text.utf8.prefix(length))
                block.replaceSubrange(offset..<offset + bytes.count, with: bytes)
            }
            func octal(_ value: Int, _ offset: Int, _ length: Int) {
                put(String(repeating: "0", count: max(0, length - 1 - String(value, radix: 8).count)) + String(value, radix: 8), offset, length - 1)
            }
            put(entry.name, 0, 100)
            octal(Int(entry.mode), 100, 8)
            octal(entry.uid, 108, 8)
            octal(entry.uid, 116, 8)
            octal(entry.declaredSize ?? entry.data.count, 124, 12)
            octal(0, 136, 12)
            put(String(entry.type), 156, 1)
            put(entry.link, 157, 100)
            put("ustar\u{0}00", 257, 8)
            for i in 148..<156 { block[i] = 32 }
            let sum = block.reduce(0) { $0 + Int($1) }
            octal(sum, 148, 7)
            out.append(contentsOf: block)
            out.append(entry.data)
            out.append(Data(count: (512 - entry.data.count % 512) % 512))
        }
        out.append(Data(count: 1024))
        return out
    }

    /// Writes `archive` as a blob and unpacks it into `<directory>/layers`.
    static func unpack(_ archive: Data, in directory: String, maxBytes: Int64 = LayerUnpacker.defaultMaxLayerBytes,
                       gzip: Bool = false) async throws -> String {
        var blob = directory + "/blob.tar"
        try archive.write(to: URL(fileURLWithPath: blob))
        if gzip {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
            process.arguments = ["-n", "-f", blob]
            try process.run()
            process.waitUntilExit()
            blob += ".gz"
        }
        let unpacker = try LayerUnpacker(layersDirectory: directory + "/layers", maxLayerBytes: maxBytes)
        return try await unpacker.unpack(blobPath: blob, digest: OCIDigest.of(try Data(contentsOf: URL(fileURLWithPath: blob))))
    }

    @Test("ordinary entries keep their type, mode (setuid too), owner and contents")
    func ordinaryLayer() async throws {
        try await withImageTestDirectory { directory in
            let layer = try await Self.unpack(Self.tar([
                Entry(name: "./", type: "5", mode: 0o755),
                Entry(name: "bin/", type: "5", mode: 0o755),
                Entry(name: "bin/tool", data: Data("#!/bin/sh\n".utf8), mode: 0o4755),
                Entry(name: "bin/alias", type: "2", link: "tool"),
                Entry(name: "bin/hard", type: "1", link: "bin/tool"),
                Entry(name: "/home/user/file", data: Data("x".utf8), uid: 1000),
                Entry(name: "etc/abs-link", type: "2", link: "/etc/passwd"),
            ]), in: directory)
            #expect(try String(contentsOfFile: layer + "/bin/tool", encoding: .utf8) == "#!/bin/sh\n")
            #expect(imageTestFileStatus(layer + "/bin/tool").map { $0.mode & 0o7777 } == 0o4755)
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: layer + "/bin/alias") == "tool")
            let attributes = try FileManager.default.attributesOfItem(atPath: layer + "/bin/hard")
            #expect((attributes[.referenceCount] as? Int) == 2)
            #expect((try FileManager.default.attributesOfItem(atPath: layer + "/home/user/file")[.ownerAccountID] as? Int) == 1000)
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: layer + "/etc/abs-link") == "/etc/passwd")
        }
    }

    @Test("an entry with a .. component fails the layer and writes nothing outside")
    func dotDot() async throws {
        try await withImageTestDirectory { directory in
            await #expect(throws: ImageError.self) {
                _ = try await Self.unpack(Self.tar([Entry(name: "a/../../escaped", data: Data("x".utf8))]), in: directory)
            }
            #expect(!FileManager.default.fileExists(atPath: directory + "/escaped"))
            #expect(!FileManager.default.fileExists(atPath: directory + "/layers/escaped"))
            #expect(imageTestDirectoryEntries(directory + "/layers").isEmpty)
        }
    }

    @Test("a file written through an absolute or escaping symlink is refused")
    func writeThroughSymlink() async throws {
        try await withImageTestDirectory { directory in
            let outside = directory + "/outside"
            try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
            await #expect(throws: ImageError.self) {
                _ = try await Self.unpack(Self.tar([
                    Entry(name: "evil", type: "2", link: outside),
                    Entry(name: "evil/pwned", data: Data("x".utf8)),
                ]), in: directory)
            }
            await #expect(throws: ImageError.self) {
                _ = try await Self.unpack(Self.tar([
                    Entry(name: "up", type: "2", link: "../../outside"),
                    Entry(name: "up/pwned", data: Data("x".utf8)),
                ]), in: directory)
            }
            #expect(imageTestDirectoryEntries(outside).isEmpty)
        }
    }

    @Test("a file replacing a symlink replaces the link instead of writing through it")
    func replaceSymlink() async throws {
        try await withImageTestDirectory { directory in
            let victim = directory + "/victim"
            try Data("original".utf8).write(to: URL(fileURLWithPath: victim))
            let layer = try await Self.unpack(Self.tar([
                Entry(name: "link", type: "2", link: victim),
                Entry(name: "link", data: Data("replaced".utf8)),
            ]), in: directory)
            #expect(try String(contentsOfFile: victim, encoding: .utf8) == "original")
            #expect(try String(contentsOfFile: layer + "/link", encoding: .utf8) == "replaced")
        }
    }

    @Test("hard links must point inside the layer")
    func hardLinkOutside() async throws {
        try await withImageTestDirectory { directory in
            try Data("secret".utf8).write(to: URL(fileURLWithPath: directory + "/secret"))
            await #expect(throws: ImageError.self) {
                _ = try await Self.unpack(Self.tar([Entry(name: "stolen", type: "1", link: "../../secret")]), in: directory)
            }
            await #expect(throws: ImageError.self) {
                _ = try await Self.unpack(Self.tar([
                    Entry(name: "dir", type: "2", link: directory),
                    Entry(name: "stolen", type: "1", link: "dir/secret"),
                ]), in: directory)
            }
        }
    }

    @Test("character and block device entries are skipped, the rest of the layer unpacks")
    func deviceNodesSkipped() async throws {
        try await withImageTestDirectory { directory in
            let layer = try await Self.unpack(Self.tar([
                Entry(name: "dev/", type: "5", mode: 0o755),
                Entry(name: "dev/mem2", type: "3"),
                Entry(name: "dev/sda2", type: "4"),
                Entry(name: "dev/ok", data: Data("x".utf8)),
            ]), in: directory)
            #expect(imageTestFileStatus(layer + "/dev/mem2") == nil)
            #expect(imageTestFileStatus(layer + "/dev/sda2") == nil)
            #expect(FileManager.default.fileExists(atPath: layer + "/dev/ok"))
        }
    }

    @Test("a layer over the size cap fails before filling the disk, compressed or not")
    func sizeCap() async throws {
        try await withImageTestDirectory { directory in
            let big = Self.tar([Entry(name: "zeros", data: Data(count: 2 << 20))])
            await #expect(throws: ImageError.self) { _ = try await Self.unpack(big, in: directory, maxBytes: 1 << 20) }
            await #expect(throws: ImageError.self) { _ = try await Self.unpack(big, in: directory, maxBytes: 1 << 20, gzip: true) }
            // A header claiming 10 GB in a tiny archive is refused at the header.
            let claims = Self.tar([Entry(name: "huge", declaredSize: 10_000_000_000)])
            await #expect(throws: ImageError.self) { _ = try await Self.unpack(claims, in: directory) }
            #expect(imageTestDirectoryEntries(directory + "/layers").isEmpty)
            // Under the cap it unpacks.
            let layer = try await Self.unpack(big, in: directory, maxBytes: 4 << 20, gzip: true)
            #expect((try FileManager.default.attributesOfItem(atPath: layer + "/zeros")[.size] as? Int) == 2 << 20)
        }
    }

    @Test("garbage that is not a tar archive is a clear error")
    func garbage() async throws {
        try await withImageTestDirectory { directory in
            await #expect(throws: ImageError.self) {
                _ = try await Self.unpack(Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) }), in: directory)
            }
        }
    }
}

@Suite("Image documents and helper output from outside are capped", .timeLimit(.minutes(5)))
struct OutsideInputCapTests {
    @Test("a manifest naming a config over 4 MiB is refused before anything is downloaded")
    func configCap() throws {
        let config = OCIDescriptor(mediaType: OCIMediaType.imageConfig, digest: OCIDigest.of(Data()), size: Int64(ImageFiles.maximumConfigBytes) + 1)
        #expect(throws: ImageError.self) { try OCIImageStore.validate(OCIManifest(config: config, layers: [])) }
        var fits = config
        fits.size = Int64(ImageFiles.maximumConfigBytes)
        try OCIImageStore.validate(OCIManifest(config: fits, layers: []))
        #expect(ImageFiles.maximumManifestBytes == 4 << 20)
    }

    @Test("archive members that are symlinks, devices or oversized documents are not read")
    func archiveMembers() async throws {
        try await withImageTestDirectory { directory in
            try Data("{}".utf8).write(to: URL(fileURLWithPath: directory + "/ok.json"))
            try FileManager.default.createSymbolicLink(atPath: directory + "/zero", withDestinationPath: "/dev/zero")
            try FileManager.default.createSymbolicLink(atPath: directory + "/host", withDestinationPath: "/etc/hostname")
            _ = try ImageFiles.memberFile(directory + "/ok.json", inside: directory)
            #expect(throws: ImageError.self) { try ImageFiles.memberFile(directory + "/zero", inside: directory) }
            #expect(throws: ImageError.self) { try ImageFiles.memberFile(directory + "/host", inside: directory) }
            #expect(throws: ImageError.self) { try ImageFiles.read(directory + "/zero", limit: 1 << 20, what: "zero") }
            try Data(count: 2048).write(to: URL(fileURLWithPath: directory + "/big.json"))
            #expect(throws: ImageError.self) { try ImageFiles.read(directory + "/big.json", limit: 1024, what: "big") }
        }
    }

    @Test("a CNI plugin that floods stdout is killed at the cap, one that prints garbage is an error")
    func cniOutput() async throws {
        try await withImageTestDirectory { directory in
            func plugin(_ name: String, _ script: String) throws {
                let path = directory + "/" + name
                try Data("#!/bin/sh\n\(script)\n".utf8).write(to: URL(fileURLWithPath: path))
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
            }
            try plugin("loopback", "cat >/dev/null; echo '{\"cniVersion\":\"1.0.0\"}'")
            try plugin("bridge", "cat >/dev/null; yes garbage")
            let network = CNINetwork(configuration: CNIConfiguration(pluginDirectory: directory, ipamDataDirectory: directory + "/ipam"))
            let attachment = CNINetwork.Attachment(containerID: "c1", netnsPath: "/proc/self/ns/net", podName: "p",
                                                   podNamespace: "default", portMappings: [])
            await #expect(throws: RuntimeError.self) { _ = try await network.add(attachment) }
            try plugin("bridge", "cat >/dev/null; printf '\\000\\377 not json'")
            await #expect(throws: RuntimeError.self) { _ = try await network.add(attachment) }
        }
    }
}
