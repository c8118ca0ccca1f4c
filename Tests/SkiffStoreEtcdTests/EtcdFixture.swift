import Foundation
import SkiffStore
@testable import SkiffStoreEtcd
import SkiffStoreTesting
import Synchronization
import Testing

/// Runs `body` against a fresh etcd on loopback; stops etcd and removes its data even on failure.
func withEtcd<T>(
    limits: StoreLimits = .init(),
    _ body: (LocalEtcd, EtcdStore) async throws -> T
) async throws -> T {
    let etcd = try await LocalEtcd.start()
    let store: EtcdStore
    do {
        store = try await EtcdStore.connect(endpoints: [etcd.endpoint], limits: limits)
    } catch {
        await etcd.stop()
        throw error
    }
    do {
        let result = try await body(etcd, store)
        await store.close()
        await etcd.stop()
        return result
    } catch {
        await store.close()
        await etcd.stop()
        throw error
    }
}

func bytes(_ string: String) -> [UInt8] { Array(string.utf8) }

struct TimedOut: Error, CustomStringConvertible {
    var description: String
}

/// Consumes a watch stream in the background, recording what arrives.
final class EventCollector: Sendable {
    private struct Seen {
        var events: [WatchEvent] = []
        var end: Result<Void, any Error>?
    }
    private final class Record: Sendable {
        let seen = Mutex(Seen())
    }
    private let record = Record()
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(_ stream: WatchStream) {
        let record = self.record
        let consumer = Task {
            do {
                for try await event in stream {
                    record.seen.withLock { $0.events.append(event) }
                }
                record.seen.withLock { $0.end = .success(()) }
            } catch {
                record.seen.withLock { $0.end = .failure(error) }
            }
        }
        task.withLock { $0 = consumer }
    }

    var events: [WatchEvent] { record.seen.withLock { $0.events } }

    /// Waits until at least `count` events arrived (a guard against hangs, not a timing check).
    func waitFor(_ count: Int, timeout: Duration = .seconds(20)) async throws -> [WatchEvent] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (events, end) = record.seen.withLock { ($0.events, $0.end) }
            if events.count >= count { return events }
            if case .failure(let error) = end { throw error }
            if end != nil { throw TimedOut(description: "stream ended after \(events.count) of \(count) events") }
            if ContinuousClock.now >= deadline { throw TimedOut(description: "got \(events.count) of \(count) events: \(events)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits until the stream ends; returns its error (nil if it finished normally).
    func waitForEnd(timeout: Duration = .seconds(20)) async throws -> (any Error)? {
        let deadline = ContinuousClock.now + timeout
        while true {
            switch record.seen.withLock({ $0.end }) {
            case .success: return nil
            case .failure(let error): return error
            case nil: break
            }
            if ContinuousClock.now >= deadline { throw TimedOut(description: "watch did not end") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func cancel() {
        task.withLock { $0?.cancel() }
    }
}

/// Polls `condition` until it holds (a guard against hangs, not a timing check).
func eventually(timeout: Duration = .seconds(20), _ condition: () async -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !(await condition()) {
        if ContinuousClock.now >= deadline { throw TimedOut(description: "condition not met") }
        try await Task.sleep(for: .milliseconds(10))
    }
}
