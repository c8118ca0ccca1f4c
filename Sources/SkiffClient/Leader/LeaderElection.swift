import Foundation

/// The part of a coordination.k8s.io/v1 Lease that leader election reads and writes
/// (client-go's LeaderElectionRecord).
public struct LeaderElectionRecord: Sendable, Equatable {
    public var holderIdentity: String
    public var leaseDurationSeconds: Int
    public var acquireTime: String?
    public var renewTime: String?
    public var leaseTransitions: Int

    public init(holderIdentity: String, leaseDurationSeconds: Int, acquireTime: String? = nil, renewTime: String? = nil,
                leaseTransitions: Int = 0) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
    }
}

/// Leader election as a pure state machine (client-go's `tryAcquireOrRenew` without I/O):
/// given the Lease as read and the time, it says what to write. Expiry is judged on the local
/// monotonic clock from when this candidate last saw the record change — never on the
/// timestamps in the Lease — so clock skew between candidates does not matter.
public struct LeaderElection: Sendable {
    public enum Decision: Sendable, Equatable {
        /// No Lease exists: create it with this record.
        case create(LeaderElectionRecord)
        /// Write this record (acquire or renew), conditional on the version read.
        case update(LeaderElectionRecord)
        /// Another candidate holds a valid lease: do nothing.
        case wait(holder: String)
    }

    public let identity: String
    public let leaseDuration: Duration
    private(set) var observedRecord: LeaderElectionRecord?
    private(set) var observedTime: ContinuousClock.Instant?

    public init(identity: String, leaseDuration: Duration) {
        self.identity = identity
        self.leaseDuration = leaseDuration
    }

    /// True when the last record written or seen names this candidate and has not expired.
    public func isLeader(now: ContinuousClock.Instant) -> Bool {
        guard let observedRecord, let observedTime, observedRecord.holderIdentity == identity else { return false }
        return observedTime + leaseDuration > now
    }

    public mutating func decide(current: LeaderElectionRecord?, now: ContinuousClock.Instant, wallClock: Date) -> Decision {
        let stamp = Self.microTime(wallClock)
        let seconds = Int(leaseDuration.components.seconds)
        guard let current else {
            return .create(LeaderElectionRecord(holderIdentity: identity, leaseDurationSeconds: seconds,
                                                acquireTime: stamp, renewTime: stamp, leaseTransitions: 0))
        }
        if current != observedRecord {
            observedRecord = current
            observedTime = now
        }
        let heldByOther = !current.holderIdentity.isEmpty && current.holderIdentity != identity
        if heldByOther, let observedTime {
            let theirDuration = Duration.seconds(max(1, current.leaseDurationSeconds))
            if observedTime + theirDuration > now { return .wait(holder: current.holderIdentity) }
        }
        var next = LeaderElectionRecord(holderIdentity: identity, leaseDurationSeconds: seconds, acquireTime: stamp,
                                        renewTime: stamp, leaseTransitions: current.leaseTransitions)
        if current.holderIdentity == identity {
            next.acquireTime = current.acquireTime ?? stamp
        } else {
            next.leaseTransitions += 1
        }
        return .update(next)
    }

    /// Records a successful write of `record` at `now`.
    public mutating func wrote(_ record: LeaderElectionRecord, now: ContinuousClock.Instant) {
        observedRecord = record
        observedTime = now
    }

    /// The record to write when giving the lease up (client-go's release: empty holder, a
    /// one-second duration), nil when this candidate does not hold it.
    public func releaseRecord(wallClock: Date) -> LeaderElectionRecord? {
        guard let observedRecord, observedRecord.holderIdentity == identity else { return nil }
        let stamp = Self.microTime(wallClock)
        return LeaderElectionRecord(holderIdentity: "", leaseDurationSeconds: 1, acquireTime: stamp, renewTime: stamp,
                                    leaseTransitions: observedRecord.leaseTransitions)
    }

    /// metav1.MicroTime's RFC 3339 form with microseconds ("2006-01-02T15:04:05.000000Z").
    public static func microTime(_ date: Date) -> String {
        let seconds = floor(date.timeIntervalSince1970)
        let micros = Int((date.timeIntervalSince1970 - seconds) * 1_000_000)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        let base = formatter.string(from: Date(timeIntervalSince1970: seconds))
        let digits = String(micros)
        return String(base.dropLast()) + "." + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + "Z"
    }
}
