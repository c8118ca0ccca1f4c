import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the node reports about its machine (cadvisor's MachineInfo, reduced): read once from
/// /proc and /etc at start, injected in tests.
public struct MachineInfo: Sendable, Equatable {
    public var cpuCores: Int
    public var memoryBytes: Int64
    /// Size of the filesystem holding the kubelet's root directory.
    public var ephemeralStorageBytes: Int64
    public var kernelVersion: String
    public var osImage: String
    public var machineID: String
    public var systemUUID: String
    public var bootID: String
    public var hostname: String
    public var architecture: String

    public init(cpuCores: Int, memoryBytes: Int64, ephemeralStorageBytes: Int64, kernelVersion: String, osImage: String,
                machineID: String, systemUUID: String, bootID: String, hostname: String, architecture: String = "amd64") {
        self.cpuCores = cpuCores; self.memoryBytes = memoryBytes; self.ephemeralStorageBytes = ephemeralStorageBytes
        self.kernelVersion = kernelVersion; self.osImage = osImage; self.machineID = machineID
        self.systemUUID = systemUUID; self.bootID = bootID; self.hostname = hostname; self.architecture = architecture
    }

    /// Reads the host. Never throws: a file that cannot be read gives an empty or zero field.
    public static func current(rootDirectory: String) -> MachineInfo {
        func read(_ path: String) -> String {
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var memory: Int64 = 0
        for line in read("/proc/meminfo").split(separator: "\n") where line.hasPrefix("MemTotal:") {
            memory = (Int64(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
        }
        var osImage = "Linux"
        for line in read("/etc/os-release").split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            osImage = String(line.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        var storage: Int64 = 0
        var fs = statvfs()
        let probe = FileManager.default.fileExists(atPath: rootDirectory) ? rootDirectory : "/"
        if statvfs(probe, &fs) == 0 { storage = Int64(fs.f_blocks) * Int64(fs.f_frsize) }
        let machineID = read("/etc/machine-id")
        let uuid = read("/sys/class/dmi/id/product_uuid")
        #if arch(arm64)
        let arch = "arm64"
        #else
        let arch = "amd64"
        #endif
        return MachineInfo(
            cpuCores: ProcessInfo.processInfo.activeProcessorCount, memoryBytes: memory, ephemeralStorageBytes: storage,
            kernelVersion: read("/proc/sys/kernel/osrelease"), osImage: osImage, machineID: machineID,
            systemUUID: uuid.isEmpty ? machineID : uuid, bootID: read("/proc/sys/kernel/random/boot_id"),
            hostname: ProcessInfo.processInfo.hostName.lowercased(), architecture: arch)
    }

    /// The first non-loopback IPv4 address of the host ("127.0.0.1" when none).
    public static func primaryIPv4() -> String {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return "127.0.0.1" }
        defer { freeifaddrs(list) }
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        var candidates: [(String, String)] = []
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == UInt16(AF_INET) else { continue }
            let name = String(cString: entry.pointee.ifa_name)
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            guard getnameinfo(address, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0
            else { continue }
            let ip = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            // Skip loopback and our own pod bridges: the node address is what other hosts reach.
            if ip.hasPrefix("127.") || name.hasPrefix("skiff") || name.hasPrefix("cni") || name.hasPrefix("veth") { continue }
            candidates.append((name, ip))
        }
        return candidates.first?.1 ?? "127.0.0.1"
    }
}
