import Foundation
import SkiffStore
import SkiffStoreEtcd
import SkiffStoreTesting

/// The stores `skiff bench store` can open, each fresh in a temporary directory.
public enum StoreBenchBackends {
    public static let known = ["sqlite", "etcd", "memory"]

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
        case "etcd":
            // The real etcd with its defaults (fsync on every commit), started for this run.
            return StoreBenchmark.Backend(name: "etcd") {
                let server = try await LocalEtcd.start()
                do {
                    let store = try await EtcdStore.connect(endpoints: [server.endpoint])
                    return (store, {
                        await store.close()
                        await server.stop()
                    })
                } catch {
                    await server.stop()
                    throw error
                }
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
