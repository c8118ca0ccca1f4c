import Foundation
import SkiffStore
import SkiffStoreEtcd
import SkiffStoreTesting
import Testing

/// Every backend the conformance suite runs against. Each test gets a fresh store (or, for
/// etcd, a fresh key prefix on a shared server), so tests can run in parallel.
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case sqlite
    /// The real etcd (Debian `etcd-server`), one server per test on free loopback ports.
    case etcd

    var testDescription: String { rawValue }

    static let all: [StoreBackend] = StoreBackend.allCases
}

/// A store under test plus the key prefix the test must stay under.
struct StoreUnderTest: Sendable {
    let store: any Store
    let prefix: String
    let directory: String?
    var etcd: LocalEtcd? = nil

    func key(_ name: String) -> String { prefix + name }

    func tearDown() async {
        await store.close()
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
        await etcd?.stop()
    }
}

func makeTemporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "skiff-store-test-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func makeStore(_ backend: StoreBackend, limits: StoreLimits = .init()) async throws -> StoreUnderTest {
    let prefix = "/registry/test-\(UUID().uuidString.prefix(8).lowercased())/"
    switch backend {
    case .memory:
        return StoreUnderTest(store: MemoryStore(limits: limits), prefix: prefix, directory: nil)
    case .sqlite:
        let directory = makeTemporaryDirectory()
        let store = try await SQLiteStore.open(path: directory + "/state.db", limits: limits)
        return StoreUnderTest(store: store, prefix: prefix, directory: directory)
    case .etcd:
        let server = try await LocalEtcd.start()
        do {
            let store = try await EtcdStore.connect(endpoints: [server.endpoint], limits: limits)
            return StoreUnderTest(store: store, prefix: prefix, directory: nil, etcd: server)
        } catch {
            await server.stop()
            throw error
        }
    }
}

/// Runs `body` against a fresh store and always tears it down.
func withStore(_ backend: StoreBackend, limits: StoreLimits = .init(), _ body: (StoreUnderTest) async throws -> Void) async throws {
    let subject = try await makeStore(backend, limits: limits)
    do {
        try await body(subject)
    } catch {
        await subject.tearDown()
        throw error
    }
    await subject.tearDown()
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Takes exactly `count` events from a watch, failing (instead of hanging) if they do not come.
func collect(_ count: Int, from stream: WatchStream, within seconds: Double = 30) async throws -> [WatchEvent] {
    try await withThrowingTaskGroup(of: [WatchEvent]?.self) { group in
        group.addTask {
            var events: [WatchEvent] = []
            for try await event in stream {
                events.append(event)
                if events.count == count { break }
            }
            return events
        }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        let first = try await group.next()!
        group.cancelAll()
        guard let events = first else {
            Issue.record("watch delivered fewer than \(count) events in \(seconds)s")
            return []
        }
        return events
    }
}

func expectStoreError(_ expected: (StoreError) -> Bool, _ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async {
    do {
        try await body()
        Issue.record("expected a StoreError, got success", sourceLocation: sourceLocation)
    } catch let error as StoreError {
        #expect(expected(error), "unexpected \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a StoreError, got \(error)", sourceLocation: sourceLocation)
    }
}
