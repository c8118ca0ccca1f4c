import Foundation

/// Which output stream a chunk came from.
public enum OutputStreamKind: String, Sendable, Equatable, Codable { case stdout, stderr }

public struct OutputChunk: Sendable, Equatable {
    public var stream: OutputStreamKind
    public var bytes: [UInt8]
    public init(stream: OutputStreamKind, bytes: [UInt8]) { self.stream = stream; self.bytes = bytes }
}

public struct TerminalSize: Sendable, Equatable, Codable {
    public var width: UInt16
    public var height: UInt16
    public init(width: UInt16, height: UInt16) { self.width = width; self.height = height }
}

/// A streaming exec in a running container (CRI `ExecRequest`).
public struct ExecRequest: Sendable, Equatable {
    public var containerID: String
    public var command: [String]
    public var stdin: Bool
    public var tty: Bool
    public init(containerID: String, command: [String], stdin: Bool = false, tty: Bool = false) {
        self.containerID = containerID; self.command = command; self.stdin = stdin; self.tty = tty
    }
}

/// Attaching to a running container's main process (CRI `AttachRequest`).
public struct AttachRequest: Sendable, Equatable {
    public var containerID: String
    public var stdin: Bool
    public init(containerID: String, stdin: Bool = false) { self.containerID = containerID; self.stdin = stdin }
}

/// A live exec or attach session. `output` yields stdout/stderr (a TTY session yields only stdout)
/// and finishes when the process ends or the session is closed. Sessions own OS resources:
/// call `close()` when done (an exec process still running is killed; an attachment detaches).
public final class StreamSession: Sendable {
    public let output: AsyncStream<OutputChunk>
    private let operations: Operations

    /// The actions behind a session; implementations supply them.
    package struct Operations: Sendable {
        package var write: @Sendable ([UInt8]) async throws -> Void
        package var closeStdin: @Sendable () async -> Void
        package var resize: @Sendable (TerminalSize) async throws -> Void
        package var wait: @Sendable () async -> Int32
        package var close: @Sendable () async -> Void
        package init(
            write: @escaping @Sendable ([UInt8]) async throws -> Void, closeStdin: @escaping @Sendable () async -> Void,
            resize: @escaping @Sendable (TerminalSize) async throws -> Void, wait: @escaping @Sendable () async -> Int32,
            close: @escaping @Sendable () async -> Void
        ) {
            self.write = write; self.closeStdin = closeStdin; self.resize = resize; self.wait = wait; self.close = close
        }
    }

    package init(output: AsyncStream<OutputChunk>, operations: Operations) {
        self.output = output
        self.operations = operations
    }

    /// Sends bytes to the process's stdin. Throws `failedPrecondition` when stdin was not requested or is closed.
    public func write(_ bytes: [UInt8]) async throws { try await operations.write(bytes) }
    /// Closes stdin (the process sees EOF).
    public func closeStdin() async { await operations.closeStdin() }
    /// Changes the terminal size of a TTY session; a no-op without a TTY.
    public func resize(_ size: TerminalSize) async throws { try await operations.resize(size) }
    /// Waits for the process to exit and returns its exit code (for an attachment: the container's).
    public func wait() async -> Int32 { await operations.wait() }
    /// Ends the session and releases its resources.
    public func close() async { await operations.close() }
}

/// A TCP connection into a sandbox's network namespace (port-forward). `inbound` finishes when the
/// peer closes; `close()` ends both directions.
public final class ByteStream: Sendable {
    public let inbound: AsyncStream<[UInt8]>
    private let writeOperation: @Sendable ([UInt8]) async throws -> Void
    private let closeOperation: @Sendable () async -> Void
    package init(
        inbound: AsyncStream<[UInt8]>, write: @escaping @Sendable ([UInt8]) async throws -> Void,
        close: @escaping @Sendable () async -> Void
    ) {
        self.inbound = inbound; self.writeOperation = write; self.closeOperation = close
    }
    public func write(_ bytes: [UInt8]) async throws { try await writeOperation(bytes) }
    public func close() async { await closeOperation() }
}

/// Resource usage of one container from its cgroup (CRI `ContainerStats`).
public struct ContainerStats: Sendable, Equatable {
    public var containerID: String
    public var timestamp: Date
    /// Cumulative CPU time used, in nanoseconds.
    public var cpuUsageCoreNanoSeconds: UInt64
    public var memoryUsageBytes: UInt64
    /// Usage minus inactive file pages: what Kubernetes evicts on.
    public var memoryWorkingSetBytes: UInt64
    public var memoryRSSBytes: UInt64
    public init(containerID: String, timestamp: Date, cpuUsageCoreNanoSeconds: UInt64, memoryUsageBytes: UInt64,
                memoryWorkingSetBytes: UInt64, memoryRSSBytes: UInt64) {
        self.containerID = containerID; self.timestamp = timestamp; self.cpuUsageCoreNanoSeconds = cpuUsageCoreNanoSeconds
        self.memoryUsageBytes = memoryUsageBytes; self.memoryWorkingSetBytes = memoryWorkingSetBytes; self.memoryRSSBytes = memoryRSSBytes
    }
}

/// Resource usage of a sandbox: the sum of its containers (CRI `PodSandboxStats`).
public struct PodSandboxStats: Sendable, Equatable {
    public var podSandboxID: String
    public var timestamp: Date
    public var cpuUsageCoreNanoSeconds: UInt64
    public var memoryWorkingSetBytes: UInt64
    public var containers: [ContainerStats]
    public init(podSandboxID: String, timestamp: Date, cpuUsageCoreNanoSeconds: UInt64, memoryWorkingSetBytes: UInt64, containers: [ContainerStats]) {
        self.podSandboxID = podSandboxID; self.timestamp = timestamp; self.cpuUsageCoreNanoSeconds = cpuUsageCoreNanoSeconds
        self.memoryWorkingSetBytes = memoryWorkingSetBytes; self.containers = containers
    }
}
