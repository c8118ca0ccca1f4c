import Foundation

/// Builds a container's OCI runtime `config.json` (runtime-spec 1.0) from the CRI request.
struct OCISpec {
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
    struct SandboxPaths {
        var hostsFile: String
        var resolvConf: String
        var hostnameFile: String
        var netns: String?
        var ipcns: String
        var utsns: String?
    }

    var config: ContainerConfig
    var image: ImageConfig
    var sandbox: SandboxPaths
    var cgroupsPath: String

    /// The process arguments after applying Kubernetes' command/args rules to the image config.
    var processArgs: [String] { image.resolveProcess(command: config.command, args: config.args) }

    func build() throws(RuntimeError) -> [String: Any] {
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
        var process: [String: Any] = [
            "terminal": config.tty,
            "user": ["uid": uid, "gid": gid, "additionalGids": security.supplementalGroups],
            "args": processArgs,
            "env": environment(),
            "cwd": config.workingDir.isEmpty ? (image.workingDir.isEmpty ? "/" : image.workingDir) : config.workingDir,
            "capabilities": ["bounding": capabilities, "effective": capabilities, "permitted": capabilities],
            "noNewPrivileges": security.noNewPrivileges,
        ]
        if uid != 0 { process["capabilities"] = ["bounding": capabilities, "effective": [String](), "permitted": [String]()] }

        var namespaces: [[String: Any]] = [["type": "pid"], ["type": "mount"], ["type": "ipc", "path": sandbox.ipcns]]
        if let netns = sandbox.netns { namespaces.append(["type": "network", "path": netns]) }
        if let utsns = sandbox.utsns { namespaces.append(["type": "uts", "path": utsns]) }

        var linux: [String: Any] = [
            "namespaces": namespaces,
            "cgroupsPath": cgroupsPath,
            "resources": resources(),
        ]
        if !security.privileged {
            linux["maskedPaths"] = Self.maskedPaths
            linux["readonlyPaths"] = Self.readonlyPaths
        }
        if !config.devices.isEmpty {
            linux["devices"] = config.devices.compactMap(Self.deviceEntry)
        }
        return [
            "ociVersion": "1.0.2",
            "process": process,
            "root": ["path": "rootfs", "readonly": security.readOnlyRootFilesystem],
            "mounts": mounts(),
            "linux": linux,
        ]
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

    private func mounts() -> [[String: Any]] {
        var mounts: [[String: Any]] = [
            ["destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]],
            ["destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]],
            ["destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]],
            ["destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]],
            ["destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]],
        ]
        let sysOptions = config.securityContext.privileged ? "rw" : "ro"
        if sandbox.netns != nil {
            mounts.append(["destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", sysOptions]])
        } else {
            // sysfs cannot be mounted afresh outside an owned network namespace; bind the host's.
            mounts.append(["destination": "/sys", "type": "bind", "source": "/sys", "options": ["rbind", "nosuid", "noexec", "nodev", sysOptions]])
        }
        mounts.append(["destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", sysOptions]])
        func bind(_ source: String, _ destination: String, readOnly: Bool) -> [String: Any] {
            ["destination": destination, "type": "bind", "source": source, "options": ["rbind", "rprivate", readOnly ? "ro" : "rw"]]
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

    private func resources() -> [String: Any] {
        let limits = config.resources
        var resources: [String: Any] = [:]
        if !config.securityContext.privileged {
            var rules: [[String: Any]] = [["allow": false, "access": "rwm"]]
            for device in config.devices {
                if let entry = Self.deviceEntry(device) {
                    rules.append(["allow": true, "type": entry["type"] ?? "c", "major": entry["major"] ?? 0,
                                  "minor": entry["minor"] ?? 0, "access": device.permissions])
                }
            }
            resources["devices"] = rules
        }
        var memory: [String: Any] = [:]
        if limits.memoryLimitInBytes > 0 { memory["limit"] = limits.memoryLimitInBytes; memory["swap"] = limits.memoryLimitInBytes }
        if !memory.isEmpty { resources["memory"] = memory }
        var cpu: [String: Any] = [:]
        if limits.cpuShares > 0 { cpu["shares"] = limits.cpuShares }
        if limits.cpuQuota > 0 { cpu["quota"] = limits.cpuQuota }
        if limits.cpuPeriod > 0 { cpu["period"] = limits.cpuPeriod }
        if !cpu.isEmpty { resources["cpu"] = cpu }
        if limits.pidsLimit > 0 { resources["pids"] = ["limit": limits.pidsLimit] }
        return resources
    }

    /// The device node's type and numbers, read from the host; nil when it is not a device.
    static func deviceEntry(_ device: Device) -> [String: Any]? {
        var info = stat()
        guard stat(device.hostPath, &info) == 0 else { return nil }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFCHR || kind == S_IFBLK else { return nil }
        let major = (info.st_rdev >> 8) & 0xfff | ((info.st_rdev >> 32) & ~0xfff)
        let minor = (info.st_rdev & 0xff) | ((info.st_rdev >> 12) & ~0xff)
        return ["path": device.containerPath, "type": kind == S_IFCHR ? "c" : "b", "major": Int(major), "minor": Int(minor),
                "fileMode": Int(info.st_mode & 0o777), "uid": 0, "gid": 0]
    }
}
