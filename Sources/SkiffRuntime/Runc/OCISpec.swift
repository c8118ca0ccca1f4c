import Foundation

/// Builds a container's OCI runtime `config.json` (runtime-spec 1.0) from the CRI request.
package struct OCISpec {
    /// Docker's default capability set.
    static let defaultCapabilities = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ]
    static let allCapabilities = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
        "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ]
    static let maskedPaths = [
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
    ]
    static let readonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

    /// Where a sandbox's shared files and namespaces are.
    package struct SandboxPaths {
        var hostsFile: String
        var resolvConf: String
        var hostnameFile: String
        var netns: String?
        var ipcns: String
        var utsns: String?

        package init(hostsFile: String, resolvConf: String, hostnameFile: String, netns: String?, ipcns: String, utsns: String?) {
            self.hostsFile = hostsFile; self.resolvConf = resolvConf; self.hostnameFile = hostnameFile
            self.netns = netns; self.ipcns = ipcns; self.utsns = utsns
        }
    }

    var config: ContainerConfig
    var image: ImageConfig
    var sandbox: SandboxPaths
    var cgroupsPath: String

    package init(config: ContainerConfig, image: ImageConfig, sandbox: SandboxPaths, cgroupsPath: String) {
        self.config = config; self.image = image; self.sandbox = sandbox; self.cgroupsPath = cgroupsPath
    }

    /// The process arguments after applying Kubernetes' command/args rules to the image config.
    var processArgs: [String] { image.resolveProcess(command: config.command, args: config.args) }

    package func build() throws(RuntimeError) -> OCIRuntimeSpec {
        guard !processArgs.isEmpty else { throw .invalidArgument("container \(config.metadata.name) has no command") }
        let security = config.securityContext
        var capabilities = security.privileged ? Self.allCapabilities : Self.defaultCapabilities
        let normalize = { (name: String) in name.hasPrefix("CAP_") ? name.uppercased() : "CAP_" + name.uppercased() }
        if security.capabilities.drop.contains(where: { $0.uppercased() == "ALL" }) { capabilities = [] }
        capabilities.removeAll { security.capabilities.drop.map(normalize).contains($0) }
        if security.capabilities.add.contains(where: { $0.uppercased() == "ALL" }) { capabilities = Self.allCapabilities }
        for added in security.capabilities.add.map(normalize) where !capabilities.contains(added) && added != "CAP_ALL" {
            capabilities.append(added)
        }
        let (uid, gid) = user()
        // A non-root user starts with no effective or permitted capabilities, as in Docker.
        let process = OCIRuntimeSpec.Process(
            terminal: config.tty,
            user: .init(uid: uid, gid: gid, additionalGids: security.supplementalGroups),
            args: processArgs,
            env: environment(),
            cwd: config.workingDir.isEmpty ? (image.workingDir.isEmpty ? "/" : image.workingDir) : config.workingDir,
            capabilities: .init(bounding: capabilities, effective: uid == 0 ? capabilities : [], permitted: uid == 0 ? capabilities : []),
            noNewPrivileges: security.noNewPrivileges)

        var namespaces: [OCIRuntimeSpec.Namespace] = [.init(type: "pid"), .init(type: "mount"), .init(type: "ipc", path: sandbox.ipcns)]
        if let netns = sandbox.netns { namespaces.append(.init(type: "network", path: netns)) }
        if let utsns = sandbox.utsns { namespaces.append(.init(type: "uts", path: utsns)) }

        let linux = OCIRuntimeSpec.Linux(
            namespaces: namespaces,
            cgroupsPath: cgroupsPath,
            resources: resources(),
            maskedPaths: security.privileged ? nil : Self.maskedPaths,
            readonlyPaths: security.privileged ? nil : Self.readonlyPaths,
            devices: config.devices.isEmpty ? nil : config.devices.compactMap(Self.deviceEntry))
        return OCIRuntimeSpec(
            process: process,
            root: .init(path: "rootfs", readonly: security.readOnlyRootFilesystem),
            mounts: mounts(),
            linux: linux)
    }

    private func user() -> (UInt32, UInt32) {
        let parts = image.user.split(separator: ":")
        var uid = parts.first.flatMap { UInt32($0) } ?? 0
        var gid = parts.count > 1 ? UInt32(parts[1]) ?? 0 : 0
        if let runAs = config.securityContext.runAsUser { uid = UInt32(clamping: runAs) }
        if let runAs = config.securityContext.runAsGroup { gid = UInt32(clamping: runAs) }
        return (uid, gid)
    }

    /// Image env, then the container's, later entries replacing earlier ones with the same name.
    private func environment() -> [String] {
        var order: [String] = [], values: [String: String] = [:]
        for entry in ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] + image.env + config.env {
            let name = String(entry.split(separator: "=", maxSplits: 1).first ?? "")
            if values[name] == nil { order.append(name) }
            values[name] = entry
        }
        return order.compactMap { values[$0] }
    }

    private func mounts() -> [OCIRuntimeSpec.Mount] {
        typealias Mount = OCIRuntimeSpec.Mount
        var mounts: [Mount] = [
            Mount(destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]),
            Mount(destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
            Mount(destination: "/dev/pts", type: "devpts", source: "devpts",
                  options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
            Mount(destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
            Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
        ]
        let sysOptions = config.securityContext.privileged ? "rw" : "ro"
        if sandbox.netns != nil {
            mounts.append(Mount(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", sysOptions]))
        } else {
            // sysfs cannot be mounted afresh outside an owned network namespace; bind the host's.
            mounts.append(Mount(destination: "/sys", type: "bind", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", sysOptions]))
        }
        mounts.append(Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", sysOptions]))
        func bind(_ source: String, _ destination: String, readOnly: Bool) -> Mount {
            Mount(destination: destination, type: "bind", source: source, options: ["rbind", "rprivate", readOnly ? "ro" : "rw"])
        }
        mounts.append(bind(sandbox.hostsFile, "/etc/hosts", readOnly: false))
        mounts.append(bind(sandbox.resolvConf, "/etc/resolv.conf", readOnly: false))
        mounts.append(bind(sandbox.hostnameFile, "/etc/hostname", readOnly: false))
        if !config.terminationMessagePath.isEmpty {
            mounts.append(bind(config.terminationMessagePath, "/dev/termination-log", readOnly: false))
        }
        for mount in config.mounts { mounts.append(bind(mount.hostPath, mount.containerPath, readOnly: mount.readOnly)) }
        return mounts
    }

    private func resources() -> OCIRuntimeSpec.Resources {
        let limits = config.resources
        var resources = OCIRuntimeSpec.Resources()
        if !config.securityContext.privileged {
            // Deny every device, then allow the ones the container was given.
            var rules = [OCIRuntimeSpec.DeviceRule(allow: false, access: "rwm")]
            for device in config.devices {
                if let entry = Self.deviceEntry(device) {
                    rules.append(.init(allow: true, type: entry.type, major: entry.major, minor: entry.minor, access: device.permissions))
                }
            }
            resources.devices = rules
        }
        if limits.memoryLimitInBytes > 0 {
            resources.memory = .init(limit: limits.memoryLimitInBytes, swap: limits.memoryLimitInBytes)
        }
        let cpu = OCIRuntimeSpec.CPU(shares: limits.cpuShares > 0 ? limits.cpuShares : nil,
                                     quota: limits.cpuQuota > 0 ? limits.cpuQuota : nil,
                                     period: limits.cpuPeriod > 0 ? limits.cpuPeriod : nil)
        if cpu != OCIRuntimeSpec.CPU() { resources.cpu = cpu }
        if limits.pidsLimit > 0 { resources.pids = .init(limit: limits.pidsLimit) }
        return resources
    }

    /// The device node's type and numbers, read from the host; nil when it is not a device.
    static func deviceEntry(_ device: Device) -> OCIRuntimeSpec.Device? {
        var info = stat()
        guard stat(device.hostPath, &info) == 0 else { return nil }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFCHR || kind == S_IFBLK else { return nil }
        let major = (info.st_rdev >> 8) & 0xfff | ((info.st_rdev >> 32) & ~0xfff)
        let minor = (info.st_rdev & 0xff) | ((info.st_rdev >> 12) & ~0xff)
        return OCIRuntimeSpec.Device(path: device.containerPath, type: kind == S_IFCHR ? "c" : "b", major: Int64(major),
                                     minor: Int64(minor), fileMode: UInt32(info.st_mode & 0o777), uid: 0, gid: 0)
    }
}
