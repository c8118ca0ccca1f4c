import Foundation
import SkiffAPI

/// Parses a JSON literal written in a test.
func json(_ text: String) throws -> JSONValue {
    try JSONValue.parse(Array(text.utf8))
}

/// The repository root, found from this file's location (Tests/SkiffAPITests/…).
func repositoryRoot(file: String = #filePath) -> URL {
    URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

let podKind = GroupVersionKind(group: "", version: "v1", kind: "Pod")
let deploymentKind = GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")

/// The error a patch throws, or nil if it applies.
func patchFailure(_ body: () throws(PatchError) -> JSONValue) -> PatchError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}
