import Foundation

/// Runs helper programs (`tar`, `find`) for the image store on a GCD thread, never on the
/// cooperative pool or an event loop, and reports failures as `ImageError.io`.
package enum ImageSubprocess {
    package struct Output: Sendable {
        package var status: Int32
        package var stdout: Data
        package var stderr: String
    }

    /// Runs `executable` with `arguments`; throws unless it exits 0.
    @discardableResult
    package static func run(_ executable: String, _ arguments: [String]) async throws(ImageError) -> Output {
        let output = try await runAllowingFailure(executable, arguments)
        guard output.status == 0 else {
            let command = ([executable] + arguments).joined(separator: " ")
            throw .io("\(command) exited with \(output.status): \(output.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return output
    }

    package static func runAllowingFailure(_ executable: String, _ arguments: [String]) async throws(ImageError) -> Output {
        let result: Result<Output, ImageError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: runBlocking(executable, arguments))
            }
        }
        return try result.get()
    }

    private static func runBlocking(_ executable: String, _ arguments: [String]) -> Result<Output, ImageError> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            return .failure(.io("cannot run \(executable): \(error)"))
        }
        // Drain stderr on another thread while this one drains stdout, so neither pipe can fill up and block the child.
        let errorBox = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errorBox.data = stderr.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return .success(Output(status: process.terminationStatus, stdout: out, stderr: String(decoding: errorBox.data, as: UTF8.self)))
    }

    private final class DataBox: @unchecked Sendable {
        // Written by one thread before `group.leave()`, read after `group.wait()`.
        var data = Data()
    }
}
