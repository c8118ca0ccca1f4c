import Foundation

extension RuncRuntime {
    public func containerStats(_ id: String) async throws -> ContainerStats {
        let record = try loadContainer(id)
        return cgroupStats(record.cgroupsPath, id: id)
    }

    public func podSandboxStats(_ podSandboxID: String) async throws -> PodSandboxStats {
        let record = try loadSandbox(podSandboxID)
        let containers = allContainers().filter { $0.podSandboxID == record.id }.map { cgroupStats($0.cgroupsPath, id: $0.id) }
        return PodSandboxStats(
            podSandboxID: record.id, timestamp: Date(),
            cpuUsageCoreNanoSeconds: containers.reduce(0) { $0 + $1.cpuUsageCoreNanoSeconds },
            memoryWorkingSetBytes: containers.reduce(0) { $0 + $1.memoryWorkingSetBytes }, containers: containers)
    }

    /// cgroup v1 figures: cpuacct.usage, memory.usage_in_bytes, and memory.stat's inactive_file and rss.
    func cgroupStats(_ path: String, id: String) -> ContainerStats {
        let root = configuration.cgroupRoot
        func number(_ file: String) -> UInt64 {
            UInt64((try? String(contentsOfFile: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        }
        let cpu = number(root + "/cpuacct" + path + "/cpuacct.usage")
        let usage = number(root + "/memory" + path + "/memory.usage_in_bytes")
        var stat: [String: UInt64] = [:]
        if let text = try? String(contentsOfFile: root + "/memory" + path + "/memory.stat", encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ")
                if parts.count == 2, let value = UInt64(parts[1]) { stat[String(parts[0])] = value }
            }
        }
        let inactive = stat["total_inactive_file"] ?? 0
        return ContainerStats(containerID: id, timestamp: Date(), cpuUsageCoreNanoSeconds: cpu, memoryUsageBytes: usage,
                              memoryWorkingSetBytes: usage > inactive ? usage - inactive : 0, memoryRSSBytes: stat["total_rss"] ?? 0)
    }
}
