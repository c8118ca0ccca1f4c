import Foundation
import SkiffRuntime
import SkiffRuntimeTesting
import SkiffSystem
#if canImport(Glibc)
import Glibc
#endif

/// `skiff bench runtime`: full pods (sandbox with CNI + one container) through `RuncRuntime`, next to
/// raw `runc run -d` / `runc delete --force` of an equivalent bundle, in the same run, interleaved.
package struct RuntimeBenchmark: Sendable {
    package struct Options: Sendable {
        package var count: Int
        package var runtimeBinary: String
        package var shimExecutable: String
        package var workDirectory: String
        package init(count: Int, runtimeBinary: String, shimExecutable: String, workDirectory: String) {
            self.count = count; self.runtimeBinary = runtimeBinary; self.shimExecutable = shimExecutable; self.workDirectory = workDirectory
        }
    }

    /// Samples in seconds per measured operation.
    package struct Results: Sendable {
        package var skiffSandbox: [Double] = []
        package var skiffCreate: [Double] = []
        package var skiffContainerStart: [Double] = []
        package var skiffStart: [Double] = []
        package var skiffStop: [Double] = []
        package var rawStart: [Double] = []
        package var rawStop: [Double] = []
    }

    package let options: Options
    package init(options: Options) { self.options = options }

    package func run(progress: @Sendable (String) -> Void) async throws -> Results {
        let tag = newIdentifier().prefix(8)
        let root = options.workDirectory
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let images = try DirectoryImageService(directory: root + "/image")
        let configuration = RuncRuntimeConfiguration(
            stateDirectory: root + "/state", runtimeBinary: options.runtimeBinary, shimExecutable: options.shimExecutable,
            network: CNIConfiguration(networkName: "skbench-\(tag)", bridgeName: "skb\(tag)",
                                      subnet: "10.\(Int.random(in: 100...250)).0.0/16", ipamDataDirectory: root + "/ipam",
                                      ipMasquerade: false),
            cgroupParent: "skiff-bench-\(tag)")
        let runtime = try RuncRuntime(configuration: configuration, images: images)
        var results = Results()
        defer {
            _ = try? FileManager.default.removeItem(atPath: root)
        }
        do {
            let rawBundle = try await prepareRawBundle(root: root, images: images, cgroupParent: configuration.cgroupParent)
            for index in 0..<options.count {
                let sandboxConfig = PodSandboxConfig(
                    metadata: .init(name: "bench-\(index)", namespace: "bench", uid: newIdentifier()), logDirectory: root + "/logs")
                let container = ContainerConfig(metadata: .init(name: "main"), image: images.reference,
                                                command: ["sleep", "3600"], logPath: "bench-\(index).log")
                var clock = ContinuousClock.now
                let sandbox = try await runtime.runPodSandbox(sandboxConfig)
                let sandboxReady = ContinuousClock.now
                let id = try await runtime.createContainer(in: sandbox, config: container, sandboxConfig: sandboxConfig)
                let created = ContinuousClock.now
                try await runtime.startContainer(id)
                results.skiffSandbox.append(Self.seconds(clock.duration(to: sandboxReady)))
                results.skiffCreate.append(Self.seconds(sandboxReady.duration(to: created)))
                results.skiffContainerStart.append(Self.seconds(created.duration(to: .now)))
                results.skiffStart.append(Self.seconds(clock.duration(to: .now)))

                let rawID = "skiff-raw-\(tag)-\(index)"
                clock = .now
                let code = try await ChildProcess.runQuietly([options.runtimeBinary, "--root", root + "/raw-state", "run", "-d", "--bundle", rawBundle, rawID])
                guard code == 0 else { throw RuntimeError.commandFailed("\(options.runtimeBinary) run -d", code, "raw container failed to start") }
                results.rawStart.append(Self.seconds(clock.duration(to: .now)))

                clock = .now
                try await runtime.stopContainer(id, timeout: .zero)
                try await runtime.removeContainer(id)
                try await runtime.removePodSandbox(sandbox)
                results.skiffStop.append(Self.seconds(clock.duration(to: .now)))

                clock = .now
                try await ChildProcess.check([options.runtimeBinary, "--root", root + "/raw-state", "delete", "--force", rawID])
                results.rawStop.append(Self.seconds(clock.duration(to: .now)))
                if (index + 1) % 10 == 0 { progress("\(index + 1)/\(options.count) pods") }
            }
        } catch {
            await cleanup(runtime: runtime, configuration: configuration, root: root)
            throw error
        }
        await cleanup(runtime: runtime, configuration: configuration, root: root)
        return results
    }

    private func cleanup(runtime: RuncRuntime, configuration: RuncRuntimeConfiguration, root: String) async {
        for sandbox in (try? await runtime.listPodSandboxes(nil)) ?? [] { try? await runtime.removePodSandbox(sandbox.id) }
        let raw = (try? FileManager.default.contentsOfDirectory(atPath: root + "/raw-state")) ?? []
        for id in raw { _ = try? await ChildProcess.run([options.runtimeBinary, "--root", root + "/raw-state", "delete", "--force", id]) }
        _ = try? await ChildProcess.run(["/usr/sbin/ip", "link", "del", configuration.network.bridgeName])
        for hierarchy in (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? [] {
            let dir = "/sys/fs/cgroup/\(hierarchy)/\(configuration.cgroupParent)"
            for child in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where !child.contains(".") {
                rmdir(dir + "/" + child)
            }
            rmdir(dir)
        }
    }

    /// The same container as the pods run, as a standalone bundle: fresh namespaces, the image layer
    /// as a read-only root (raw runc has no overlayfs or CNI), no sandbox files.
    private func prepareRawBundle(root: String, images: DirectoryImageService, cgroupParent: String) async throws -> String {
        let bundle = root + "/raw-bundle"
        try FileManager.default.createDirectory(atPath: bundle, withIntermediateDirectories: true)
        let hosts = bundle + "/hosts"
        try "127.0.0.1 localhost\n".write(toFile: hosts, atomically: true, encoding: .utf8)
        let spec = OCISpec(
            config: ContainerConfig(metadata: .init(name: "raw"), image: images.reference, command: ["sleep", "3600"]),
            image: images.config,
            sandbox: .init(hostsFile: hosts, resolvConf: hosts, hostnameFile: hosts, netns: "", ipcns: "", utsns: ""),
            cgroupsPath: "")
        var document = try spec.build()
        document.linux.namespaces = ["pid", "mount", "ipc", "uts", "network"].map { OCIRuntimeSpec.Namespace(type: $0) }
        document.linux.cgroupsPath = nil
        document.root = .init(path: images.layerDirectory, readonly: true)
        try document.encoded().write(to: URL(fileURLWithPath: bundle + "/config.json"))
        return bundle
    }

    static func seconds(_ duration: Duration) -> Double { duration.seconds }

    /// Nearest-rank percentile of `samples` (0 when empty).
    static func percentile(_ samples: [Double], _ fraction: Double) -> Double {
        SkiffBench.percentile(samples, fraction) ?? 0
    }

    /// The table `skiff bench runtime` prints.
    package static func table(_ results: Results, runtimeName: String) -> String {
        func ms(_ value: Double) -> String { String(format: "%8.1f", value * 1000) }
        var lines = ["operation                     skiff p50  skiff p99   \(runtimeName) p50   \(runtimeName) p99   ratio p50  ratio p99"]
        let rows: [(String, [Double], [Double])] = [
            ("pod start (sandbox+ctr) [ms]", results.skiffStart, results.rawStart),
            ("stop + remove           [ms]", results.skiffStop, results.rawStop),
        ]
        for (name, skiff, raw) in rows {
            let (s50, s99, r50, r99) = (percentile(skiff, 0.5), percentile(skiff, 0.99), percentile(raw, 0.5), percentile(raw, 0.99))
            lines.append("\(name) \(ms(s50))   \(ms(s99))   \(ms(r50))   \(ms(r99))   \(String(format: "%7.2fx", r50 > 0 ? s50 / r50 : 0))  \(String(format: "%7.2fx", r99 > 0 ? s99 / r99 : 0))")
        }
        lines.append("sandbox only (netns+pause+CNI) p50 \(ms(percentile(results.skiffSandbox, 0.5))) ms, p99 \(ms(percentile(results.skiffSandbox, 0.99))) ms; n=\(results.skiffStart.count)")
        lines.append("of which: container create p50 \(ms(percentile(results.skiffCreate, 0.5))) ms, container start p50 \(ms(percentile(results.skiffContainerStart, 0.5))) ms")
        return lines.joined(separator: "\n")
    }
}
