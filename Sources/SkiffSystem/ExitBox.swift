import Synchronization

/// A value set once by a thread and awaited by tasks.
package final class ExitBox: Sendable {
    private let state = Mutex<(Int32?, [CheckedContinuation<Int32, Never>])>((nil, []))
    package init() {}
    package var isSet: Bool { state.withLock { $0.0 != nil } }
    /// The value, when it has been set.
    package var current: Int32? { state.withLock { $0.0 } }
    package func set(_ value: Int32) {
        let waiters = state.withLock { state -> [CheckedContinuation<Int32, Never>] in
            state.0 = value
            defer { state.1 = [] }
            return state.1
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }
    package func value() async -> Int32 {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Int32? in
                if let value = state.0 { return value }
                state.1.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
