// swift-tools-version: 6.0
// Skiff: a Kubernetes-compatible container orchestrator in one Swift binary.
// Module map and the arrows between modules: ../shared/DESIGN.md §2 (mirrored in docs/).
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Skiff",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "skiff", targets: ["skiff"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.30.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.10.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.28.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.0.0"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.0.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.25.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
    ],
    targets: [
        // MARK: executable — parses flags and wires components; no logic of its own.
        .executableTarget(
            name: "skiff",
            dependencies: [
                "SkiffStore", "SkiffStoreEtcd", "SkiffAPI", "SkiffAPIServer", "SkiffRuntime", "SkiffBench",
                "SkiffClient",
                "SkiffScheduler",
                "SkiffHollow",
                "SkiffControllers",
                "SkiffKubelet",
                "SkiffSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // MARK: benchmarks (`skiff bench …`): drive the shipping modules with the testing modules' fixtures.
        .target(
            name: "SkiffBench",
            dependencies: [
                "SkiffStore", "SkiffStoreEtcd", "SkiffStoreTesting",
                "SkiffAPI", "SkiffAPIServer",
                "SkiffRuntime", "SkiffRuntimeTesting", "SkiffSystem",
                "SkiffClient", "SkiffHollow",
            ],
            swiftSettings: strict
        ),

        // MARK: OS helpers shared by our modules (package API only): the one child-process runner
        // (ChildProcess, ProcessHandle), pipes, loopback ports. No Kubernetes knowledge.
        .target(
            name: "SkiffSystem",
            dependencies: ["CSkiffSpawn"],
            swiftSettings: strict
        ),
        // fork+exec with PR_SET_PDEATHSIG from one long-lived thread (posix_spawn cannot set it).
        .target(name: "CSkiffSpawn"),
        .testTarget(
            name: "SkiffSystemTests",
            dependencies: ["SkiffSystem"],
            swiftSettings: strict
        ),

        // MARK: store — revisioned key/value with etcd's semantics; no Kubernetes knowledge.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .target(
            name: "SkiffStore",
            dependencies: ["CSQLite"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SkiffStoreTests",
            dependencies: ["SkiffStore", "SkiffStoreEtcd", "SkiffStoreTesting"],
            swiftSettings: strict
        ),

        // MARK: store backend on the real etcd v3 gRPC API.
        .target(
            name: "SkiffStoreEtcd",
            dependencies: [
                "SkiffStore",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SkiffStoreEtcdTests",
            dependencies: [
                "SkiffStore", "SkiffStoreEtcd", "SkiffStoreTesting", "SkiffSystem",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),

        // MARK: store test fixtures (a real etcd on loopback); for tests and benchmarks, not the product.
        .target(
            name: "SkiffStoreTesting",
            dependencies: ["SkiffStore", "SkiffStoreEtcd", "SkiffSystem"],
            swiftSettings: strict
        ),

        // MARK: API types and pure helpers (no I/O).
        .target(
            name: "SkiffAPI",
            dependencies: [],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SkiffAPITests",
            dependencies: ["SkiffAPI"],
            swiftSettings: strict
        ),

        // MARK: API server.
        .target(
            name: "SkiffAPIServer",
            dependencies: [
                "SkiffAPI", "SkiffStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SkiffAPIServerTests",
            dependencies: ["SkiffAPI", "SkiffAPIServer", "SkiffStore"],
            swiftSettings: strict
        ),

        // MARK: client library (client-go + controller-runtime equivalent) — owner: client branch.
        .target(
            name: "SkiffClient",
            dependencies: [
                "SkiffAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SkiffClientTests",
            dependencies: ["SkiffClient", "SkiffAPIServer", "SkiffStore"],
            swiftSettings: strict
        ),
        // MARK: end client library.

        // MARK: scheduler (owner: sched branch) — kube-scheduler's default profile; pure decision core + service.
        .target(
            name: "SkiffScheduler",
            dependencies: [
                "SkiffAPI", "SkiffClient",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SkiffSchedulerTests",
            dependencies: ["SkiffScheduler", "SkiffClient", "SkiffAPIServer", "SkiffStore"],
            swiftSettings: strict
        ),
        // MARK: end scheduler block

        // MARK: controller manager — kube-controller-manager's controllers on SkiffClient.
        .target(
            name: "SkiffControllers",
            dependencies: [
                "SkiffAPI", "SkiffClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SkiffControllersTests",
            dependencies: ["SkiffControllers", "SkiffClient", "SkiffAPIServer", "SkiffStore"],
            swiftSettings: strict
        ),
        // MARK: end controller manager.

        // MARK: container runtime (CRI-shaped protocol; runc + overlayfs + CNI).
        .target(
            name: "SkiffRuntime",
            dependencies: [
                "SkiffSystem",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SkiffRuntimeTests",
            dependencies: ["SkiffRuntime", "SkiffRuntimeTesting", "SkiffSystem"],
            swiftSettings: strict
        ),

        // MARK: runtime test doubles and fixtures (FakeRuntime, DirectoryImageService, a real
        // registry on loopback); for tests and benchmarks, not the product (the NIOEmbedded pattern).
        .target(
            name: "SkiffRuntimeTesting",
            dependencies: [
                "SkiffRuntime", "SkiffSystem",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),

        // MARK: hollow nodes (`skiff hollow-nodes`): simulated kubelets for scale tests.
        .target(
            name: "SkiffHollow",
            dependencies: [
                "SkiffAPI", "SkiffClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SkiffHollowTests",
            dependencies: ["SkiffHollow", "SkiffClient", "SkiffAPIServer", "SkiffStore"],
            swiftSettings: strict
        ),
        // MARK: end hollow block

        // MARK: kubelet (owner: kubelet branch) — the node agent on SkiffClient and the ContainerRuntime protocol.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "SkiffKubelet",
            dependencies: [
                "SkiffAPI", "SkiffClient", "SkiffRuntime", "CZlib",
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SkiffKubeletTests",
            dependencies: ["SkiffKubelet", "SkiffClient", "SkiffAPIServer", "SkiffStore", "SkiffRuntime", "SkiffRuntimeTesting"],
            swiftSettings: strict
        ),
        // MARK: end kubelet block
        // MARK: fuzzing — a target for every decoder of outside input (fuzz/README.md). The test
        // suite runs each over its committed corpus plus deterministic mutations; scripts/fuzz.sh
        // builds skiff-fuzz with libFuzzer for long coverage-guided runs.
        .target(
            name: "SkiffFuzz",
            dependencies: ["SkiffAPI", "SkiffAPIServer", "SkiffClient", "SkiffRuntime"],
            path: "fuzz/Sources/SkiffFuzz",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "skiff-fuzz",
            dependencies: ["SkiffFuzz"],
            path: "fuzz/Sources/skiff-fuzz",
            swiftSettings: strict
        ),
        .testTarget(
            name: "SkiffFuzzTests",
            dependencies: ["SkiffFuzz", "SkiffAPI", "SkiffAPIServer", "SkiffClient", "SkiffRuntime"],
            swiftSettings: strict
        ),
    ]
)
