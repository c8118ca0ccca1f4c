/// What a reconcile asks for next (controller-runtime's `reconcile.Result`).
public enum Requeue: Sendable, Equatable {
    /// Queue the key again after this delay (and reset its error back-off).
    case after(Duration)
    /// Queue the key again with its rate-limited back-off, as if it had failed but quietly.
    case rateLimited
}

/// Brings the world to the state one object asks for.
///
/// Reconciling is level-based: `reconcile` is told only *which* object to look at, never what
/// changed, and reads the current state from listers. Missed, repeated or merged
/// notifications therefore cannot lead it astray — it converges on what is there now. Return
/// nil when done; throw to be retried with back-off; return `.after(d)` to look again later
/// (e.g. when a deadline will pass). One key is never reconciled by two workers at once.
public protocol Reconciler: Sendable {
    func reconcile(_ key: ObjectKey) async throws -> Requeue?
}

/// A reconciler from a closure.
public struct ReconcileFunction: Reconciler {
    let body: @Sendable (ObjectKey) async throws -> Requeue?
    public init(_ body: @escaping @Sendable (ObjectKey) async throws -> Requeue?) { self.body = body }
    public func reconcile(_ key: ObjectKey) async throws -> Requeue? { try await body(key) }
}
