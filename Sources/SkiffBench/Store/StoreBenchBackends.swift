import Foundation
import SkiffStore

/// The stores `skiff bench store` can open, each fresh in a temporary directory.
public enum StoreBenchBackends {
    public static let known = ["sqlite", "memory"]

    public static func named(_ name: String) -> StoreBenchmark.Backend? {
        switch name {
        case "sqlite":
            return StoreBenchmark.Backend(name: "sqlite") {
                let directory = NSTemporaryDirectory() + "skiff-bench-" + UUID().uuidString
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                let store = try await SQLiteStore.open(path: directory + "/state.db")
                return (store, {
                    await store.close()
                    try? FileManager.default.removeItem(atPath: directory)
                })
            }
        case "memory":
            return StoreBenchmark.Backend(name: "memory") {
                let store = MemoryStore()
                return (store, { await store.close() })
            }
        default:
            return nil
        }
    }
}
