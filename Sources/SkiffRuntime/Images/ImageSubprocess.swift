import Foundation
import SkiffSystem

/// Runs helper programs (`tar`, `find`, `gzip`) for the image store through `ChildProcess` (on
/// their own thread, never on the cooperative pool or an event loop) and reports failures as
/// `ImageError.io`.
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
        do {
            let output = try await ChildProcess.run([executable] + arguments)
            return Output(status: output.exitCode, stdout: Data(output.stdout), stderr: output.stderrText)
        } catch {
            throw .io("cannot run \(executable): \(error)")
        }
    }
}
