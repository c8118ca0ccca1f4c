import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The closed set of errors the runtime reports. Callers (the kubelet) branch on the case, never the message.
public enum RuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No sandbox, container or image with this id or reference.
    case notFound(kind: String, id: String)
    /// A sandbox or container with this name (metadata) already exists.
    case alreadyExists(kind: String, name: String)
    /// The request is malformed or asks for something the runtime cannot express.
    case invalidArgument(String)
    /// The object is in a state that does not allow the operation (e.g. start of a running container).
    case failedPrecondition(String)
    /// A helper command (runc, a CNI plugin, mount) failed.
    case commandFailed(String, Int32, String)
    /// A system call failed.
    case systemError(String, Int32, String)
    /// An exec or other bounded operation ran out of time.
    case timeout(String)

    static func system(_ operation: String, _ code: Int32) -> RuntimeError {
        .systemError(operation, code, String(cString: strerror(code)))
    }

    public var description: String {
        switch self {
        case .notFound(let kind, let id): "\(kind) \"\(id)\" not found"
        case .alreadyExists(let kind, let name): "\(kind) \"\(name)\" already exists"
        case .invalidArgument(let message): "invalid argument: \(message)"
        case .failedPrecondition(let message): "failed precondition: \(message)"
        case .commandFailed(let command, let code, let output):
            "\(command) exited with \(code): \(output.trimmingCharacters(in: .whitespacesAndNewlines))"
        case .systemError(let operation, let code, let text): "\(operation): \(text) (errno \(code))"
        case .timeout(let message): "timed out: \(message)"
        }
    }
}
