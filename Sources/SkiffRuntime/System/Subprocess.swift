import SkiffSystem
#if canImport(Glibc)
import Glibc
#endif

/// `ChildProcess` with failures reported as `RuntimeError`, for the runtime's typed throws.
enum Subprocess {
    static func spawn(
        _ argv: [String], environment: [String] = ChildProcess.minimalEnvironment, files: [(child: Int32, parent: Int32)],
        newSession: Bool = false
    ) throws(RuntimeError) -> pid_t {
        do { return try ChildProcess.spawn(argv, environment: environment, files: files, newSession: newSession) } catch {
            throw RuntimeError(error)
        }
    }

    static func run(
        _ argv: [String], input: [UInt8] = [], environment: [String] = ChildProcess.minimalEnvironment,
        timeout: Duration? = nil, outputLimit: Int? = nil, onTimeout: (@Sendable () -> Void)? = nil
    ) async throws(RuntimeError) -> ProcessOutput {
        do {
            return try await ChildProcess.run(argv, input: input, environment: environment, timeout: timeout,
                                              outputLimit: outputLimit, onTimeout: onTimeout)
        } catch {
            throw RuntimeError(error)
        }
    }

    @discardableResult
    static func check(_ argv: [String], input: [UInt8] = []) async throws(RuntimeError) -> ProcessOutput {
        do { return try await ChildProcess.check(argv, input: input) } catch { throw RuntimeError(error) }
    }
}

extension Pipe2 {
    /// `Pipe2.make()` for the runtime's typed throws.
    static func open() throws(RuntimeError) -> Pipe2 {
        do { return try make() } catch { throw RuntimeError(error) }
    }
}

extension RuntimeError {
    init(_ error: ProcessError) {
        switch error {
        case .system(let operation, let code): self = .system(operation, code)
        case .commandFailed(let command, let code, let output): self = .commandFailed(command, code, output)
        }
    }
}
