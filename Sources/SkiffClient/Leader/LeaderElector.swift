import Foundation
import Logging
import SkiffAPI
import Synchronization

/// Timings and identity of leader election (client-go's LeaderElectionConfig defaults).
public struct LeaderElectionConfig: Sendable {
    public var leaseName: String
    public var leaseNamespace: String
    public var identity: String
    /// How long a lease is valid after its last renewal, as other candidates see it.
    public var leaseDuration: Duration
    /// A leader that could not renew for this long stops leading.
    public var renewDeadline: Duration
    /// Time between attempts to acquire or renew.
    public var retryPeriod: Duration
    /// Give the lease up on a graceful stop so another candidate takes over at once.
    public var releaseOnCancel: Bool

    public init(leaseName: String, leaseNamespace: String = "kube-system", identity: String,
                leaseDuration: Duration = .seconds(15), renewDeadline: Duration = .seconds(10), retryPeriod: Duration = .seconds(2),
                releaseOnCancel: Bool = true) {
        self.leaseName = leaseName
        self.leaseNamespace = leaseNamespace
        self.identity = identity
        self.leaseDuration = leaseDuration
        self.renewDeadline = renewDeadline
        self.retryPeriod = retryPeriod
        self.releaseOnCancel = releaseOnCancel
    }
}

/// Runs work only while holding a Lease. `run(whileLeading:)` waits to acquire the lease, runs
/// the work, and renews; when renewing fails for `renewDeadline` (or another holder took the
/// lease) the work is cancelled and the elector becomes a candidate again. When the caller is
/// cancelled the work is cancelled and the lease released.
public final class LeaderElector: Sendable {
    public let config: LeaderElectionConfig
    let client: Client
    let logger: Logger
    private let election: Mutex<LeaderElection>
    private let leading = Atomic<Bool>(false)

    public init(client: Client, config: LeaderElectionConfig, logger: Logger = Logger(label: "skiff.leader-election")) {
        self.client = client
        self.config = config
        self.logger = logger
        election = Mutex(LeaderElection(identity: config.identity, leaseDuration: config.leaseDuration))
    }

    /// True while this elector leads (its work is running).
    public var isLeader: Bool { leading.load(ordering: .relaxed) }

    private enum Outcome: Sendable { case workEnded, lost }

    /// Returns when cancelled, or when `work` returns or throws (then the lease is released too).
    public func run(whileLeading work: @escaping @Sendable () async throws -> Void) async {
        while !Task.isCancelled {
            guard await acquire() else { break }
            leading.store(true, ordering: .relaxed)
            logger.info("\(config.identity) became leader of \(config.leaseNamespace)/\(config.leaseName)")
            let outcome = await withTaskGroup(of: Outcome.self) { group in
                group.addTask {
                    do { try await work() } catch {}
                    return .workEnded
                }
                group.addTask {
                    await self.renewUntilLost()
                    return .lost
                }
                let first = await group.next() ?? .workEnded
                group.cancelAll()
                return first
            }
            leading.store(false, ordering: .relaxed)
            if outcome == .lost, !Task.isCancelled {
                logger.info("\(config.identity) lost leadership of \(config.leaseNamespace)/\(config.leaseName)")
                continue
            }
            break
        }
        if config.releaseOnCancel {
            // The caller is cancelled; the release must still reach the server, so it runs in
            // a task of its own that this function awaits.
            let elector = self
            let limit = config.renewDeadline
            await Task {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await elector.release() }
                    group.addTask { try? await Task.sleep(for: limit) }
                    await group.next()
                    group.cancelAll()
                }
            }.value
        }
    }

    /// Tries every `retryPeriod` until the lease is ours; false when cancelled.
    private func acquire() async -> Bool {
        while !Task.isCancelled {
            if await attempt(within: config.leaseDuration) { return true }
            do { try await Task.sleep(for: jittered(config.retryPeriod)) } catch { return false }
        }
        return false
    }

    /// Renews every `retryPeriod`; returns once renewal failed for longer than `renewDeadline`.
    private func renewUntilLost() async {
        var lastRenewed = ContinuousClock.now
        while !Task.isCancelled {
            do { try await Task.sleep(for: config.retryPeriod) } catch { return }
            // An attempt may not outlive the renew deadline (a hung request or client retries).
            let remaining = lastRenewed + config.renewDeadline - .now
            if remaining > .zero, await attempt(within: remaining) {
                lastRenewed = .now
            } else if ContinuousClock.now - lastRenewed >= config.renewDeadline {
                return
            }
        }
    }

    /// `tryAcquireOrRenew`, given up (false) after `limit`.
    private func attempt(within limit: Duration) async -> Bool {
        await withTaskGroup(of: Bool?.self) { group in
            group.addTask { await self.tryAcquireOrRenew() }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? false
        }
    }

    private func jittered(_ d: Duration) -> Duration { d + d * Double.random(in: 0..<0.2) }

    /// One attempt; true when this candidate holds the lease afterwards.
    func tryAcquireOrRenew() async -> Bool {
        do {
            let current: CoordinationV1.Lease?
            do {
                current = try await client.get(CoordinationV1.Lease.self, config.leaseName, namespace: config.leaseNamespace)
            } catch let e as ClientError where e.isNotFound {
                current = nil
            }
            let record = current.map(Self.record)
            let decision = election.withLock { $0.decide(current: record, now: .now, wallClock: Date()) }
            switch decision {
            case .wait:
                return false
            case .create(let r):
                var lease = CoordinationV1.Lease(metadata: MetaV1.ObjectMeta(name: config.leaseName, namespace: config.leaseNamespace))
                Self.apply(r, to: &lease)
                _ = try await client.create(lease)
                election.withLock { $0.wrote(r, now: .now) }
                return true
            case .update(let r):
                guard var lease = current else { return false }
                Self.apply(r, to: &lease)
                _ = try await client.update(lease)
                election.withLock { $0.wrote(r, now: .now) }
                return true
            }
        } catch {
            logger.debug("\(config.identity): lease \(config.leaseNamespace)/\(config.leaseName): \(error)")
            return false
        }
    }

    private func release() async {
        guard let record = election.withLock({ $0.releaseRecord(wallClock: Date()) }) else { return }
        do {
            var lease = try await client.get(CoordinationV1.Lease.self, config.leaseName, namespace: config.leaseNamespace)
            guard lease.spec?.holderIdentity == config.identity else { return }
            Self.apply(record, to: &lease)
            _ = try await client.update(lease)
            election.withLock { $0.wrote(record, now: .now) }
        } catch {
            logger.debug("\(config.identity): releasing the lease failed: \(error)")
        }
    }

    static func record(_ lease: CoordinationV1.Lease) -> LeaderElectionRecord {
        LeaderElectionRecord(holderIdentity: lease.spec?.holderIdentity ?? "",
                             leaseDurationSeconds: Int(lease.spec?.leaseDurationSeconds ?? 0),
                             acquireTime: lease.spec?.acquireTime, renewTime: lease.spec?.renewTime,
                             leaseTransitions: Int(lease.spec?.leaseTransitions ?? 0))
    }

    static func apply(_ r: LeaderElectionRecord, to lease: inout CoordinationV1.Lease) {
        var spec = lease.spec ?? CoordinationV1.LeaseSpec()
        spec.holderIdentity = r.holderIdentity
        spec.leaseDurationSeconds = Int32(clamping: r.leaseDurationSeconds)
        spec.acquireTime = r.acquireTime
        spec.renewTime = r.renewTime
        spec.leaseTransitions = Int32(clamping: r.leaseTransitions)
        lease.spec = spec
    }
}
