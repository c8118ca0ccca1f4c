import Foundation

/// The parts of the OCI runtime specification (1.0, `config.json`) that Skiff writes. Optional
/// members are left out of the JSON when nil, as the specification allows.
package struct OCIRuntimeSpec: Codable, Sendable, Equatable {
    package var ociVersion = "1.0.2"
    package var process: Process
    package var root: Root
    package var mounts: [Mount]
    package var linux: Linux

    package struct Process: Codable, Sendable, Equatable {
        package var terminal: Bool
        package var user: User
        package var args: [String]
        package var env: [String]
        package var cwd: String
        package var capabilities: Capabilities
        package var noNewPrivileges: Bool
    }

    package struct User: Codable, Sendable, Equatable {
        package var uid: UInt32
        package var gid: UInt32
        package var additionalGids: [Int64]
    }

    package struct Capabilities: Codable, Sendable, Equatable {
        package var bounding: [String]
        package var effective: [String]
        package var permitted: [String]
    }

    package struct Root: Codable, Sendable, Equatable {
        package var path: String
        package var readonly: Bool
        package init(path: String, readonly: Bool) { self.path = path; self.readonly = readonly }
    }

    package struct Mount: Codable, Sendable, Equatable {
        package var destination: String
        package var type: String
        package var source: String
        package var options: [String]
    }

    package struct Linux: Codable, Sendable, Equatable {
        package var namespaces: [Namespace]
        package var cgroupsPath: String?
        package var resources: Resources
        package var maskedPaths: [String]?
        package var readonlyPaths: [String]?
        package var devices: [Device]?
    }

    package struct Namespace: Codable, Sendable, Equatable {
        package var type: String
        /// Join the namespace at this path instead of creating one.
        package var path: String?
        package init(type: String, path: String? = nil) { self.type = type; self.path = path }
    }

    package struct Device: Codable, Sendable, Equatable {
        package var path: String
        package var type: String
        package var major: Int64
        package var minor: Int64
        package var fileMode: UInt32
        package var uid: UInt32
        package var gid: UInt32
    }

    package struct Resources: Codable, Sendable, Equatable {
        package var devices: [DeviceRule]?
        package var memory: Memory?
        package var cpu: CPU?
        package var pids: Pids?
    }

    /// A device cgroup rule; `type`, `major` and `minor` are absent in the deny-all rule.
    package struct DeviceRule: Codable, Sendable, Equatable {
        package var allow: Bool
        package var type: String?
        package var major: Int64?
        package var minor: Int64?
        package var access: String
    }

    package struct Memory: Codable, Sendable, Equatable {
        package var limit: Int64?
        package var swap: Int64?
    }

    package struct CPU: Codable, Sendable, Equatable {
        package var shares: Int64?
        package var quota: Int64?
        package var period: Int64?
    }

    package struct Pids: Codable, Sendable, Equatable {
        package var limit: Int64
    }

    /// The document as runc reads it (sorted keys, so equal specs give equal bytes).
    package func encoded() throws(RuntimeError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do { return try encoder.encode(self) } catch {
            throw .invalidArgument("OCI runtime spec: \(error)")
        }
    }
}
