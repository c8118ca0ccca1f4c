import ArgumentParser
import SkiffRuntime

/// `skiff image …`: the node's image store, from the command line.
struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Manage images in the node's image store.",
        subcommands: [Import.self, Pull.self, List.self, Remove.self, BuildBusybox.self]
    )

    struct StoreOptions: ParsableArguments {
        @Option(help: "Image store root directory.")
        var root = "/var/lib/skiff/images"

        @Option(name: .customLong("insecure-registry"), help: "Registry (HOST[:PORT]) spoken to over plain HTTP. Repeatable.")
        var insecureRegistries: [String] = []

        @Option(name: .customLong("ca"), help: "PEM file with the CA to trust for the registry being pulled from.")
        var caFile: String?

        func makeStore(registry: String? = nil) throws -> OCIImageStore {
            var options = RegistryOptions(insecureRegistries: Set(insecureRegistries))
            if let caFile, let registry { options.certificateAuthorities[registry] = caFile }
            return try OCIImageStore(root: root, options: options)
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import an OCI image layout (directory, .tar or .tar.gz) or a docker save archive.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "Layout directory or tarball.") var file: String

        func run() async throws {
            for image in try await store.makeStore().importImage(from: file) {
                print("\(image.id) \(image.repoTags.joined(separator: ","))")
            }
        }
    }

    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pull an image from a registry.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Registry username.") var username: String?
        @Option(help: "Registry password.") var password: String?
        @Argument(help: "Image reference, e.g. busybox or 127.0.0.1:5000/test/busybox:1.") var reference: String

        func run() async throws {
            let registry = try ImageReferenceDisplay.registry(of: reference)
            let credentials = username.map { RegistryCredentials(username: $0, password: password) }
            let image = try await store.makeStore(registry: registry).pullImage(reference, credentials: credentials)
            print("\(image.id) \((image.repoTags + image.repoDigests).joined(separator: " "))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List images.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            print(pad("IMAGE", 56) + pad("ID", 15) + "SIZE")
            for image in try await store.makeStore().listImages() {
                let id = String(image.id.dropFirst(7).prefix(12))
                for name in image.repoTags.isEmpty ? ["<none>"] : image.repoTags {
                    print(pad(name, 56) + pad(id, 15) + ImageReferenceDisplay.size(image.size))
                }
            }
        }

        private func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove an image (all its tags) and content no other image uses.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "Tag, repo@digest or image ID.") var reference: String

        func run() async throws {
            try await store.makeStore().removeImage(reference)
        }
    }
}

extension ImageCommand {
    /// Writes the built-in busybox test image (from the host's busybox-static) as an OCI layout tarball.
    struct BuildBusybox: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "build-busybox",
            abstract: "Write a small busybox OCI image (from the host's /bin/busybox) as an OCI layout tarball."
        )
        @Option(help: "Image name recorded in the layout.") var reference = "docker.io/library/busybox:latest"
        @Option(help: "The static busybox binary to package.") var busybox = "/bin/busybox"
        @Flag(help: "gzip the tarball.") var gzip = false
        @Argument(help: "Output file (.tar or .tar.gz).") var output: String

        func run() async throws {
            let built = try await OfflineBusyboxImage(busyboxPath: busybox).writeTarball(to: output, reference: reference, gzip: gzip)
            print("\(built.configDigest) \(built.reference)")
        }
    }
}

/// Small formatting helpers for the image commands.
enum ImageReferenceDisplay {
    /// The registry part of `reference` (docker.io when none), to key the `--ca` option.
    static func registry(of reference: String) throws -> String {
        let first = reference.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        let hasRegistry = reference.contains("/") && (first.contains(".") || first.contains(":") || first == "localhost")
        return hasRegistry ? first : "docker.io"
    }

    static func size(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000, unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(Int(value * 10) / 10) + "." + String(Int(value * 10) % 10) + " " + units[unit]
    }
}
