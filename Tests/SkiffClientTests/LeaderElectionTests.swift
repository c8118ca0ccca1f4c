import Foundation
import SkiffAPI
import Synchronization
import Testing
@testable import SkiffClient

@Suite("Leader election on a coordination.k8s.io/v1 Lease", .timeLimit(.minutes(2)))
struct LeaderElectionTests {
    @Test("the state machine creates, renews, waits for a valid foreign lease and takes an expired one")
    func stateMachine() {
        let t0 = ContinuousClock.now
        let wall = Date(timeIntervalSince1970: 1_800_000_000)
        var a = LeaderElection(identity: "a", leaseDuration: .seconds(15))
        var b = LeaderElection(identity: "b", leaseDuration: .seconds(15))
        guard case .create(let created) = a.decide(current: nil, now: t0, wallClock: wall) else {
            Issue.record("expected create")
            return
        }
        #expect(created.holderIdentity == "a")
        #expect(created.leaseDurationSeconds == 15)
        a.wrote(created, now: t0)
        #expect(a.isLeader(now: t0 + .seconds(1)))
        // b sees a's lease: valid for 15 s from when b first saw it.
        #expect(b.decide(current: created, now: t0 + .seconds(1), wallClock: wall) == .wait(holder: "a"))
        #expect(b.decide(current: created, now: t0 + .seconds(15), wallClock: wall) == .wait(holder: "a"))
        // a renews: same acquireTime, no transition.
        guard case .update(let renewed) = a.decide(current: created, now: t0 + .seconds(2), wallClock: wall + 2) else {
            Issue.record("expected renew")
            return
        }
        #expect(renewed.acquireTime == created.acquireTime)
        #expect(renewed.leaseTransitions == 0)
        // b has not seen a change for 16 s after its first observation: it takes over.
        guard case .update(let taken) = b.decide(current: created, now: t0 + .seconds(16.5), wallClock: wall + 16) else {
            Issue.record("expected take-over")
            return
        }
        #expect(taken.holderIdentity == "b")
        #expect(taken.leaseTransitions == 1)
        // A released lease (empty holder) can be taken at once.
        var c = LeaderElection(identity: "c", leaseDuration: .seconds(15))
        let released = LeaderElectionRecord(holderIdentity: "", leaseDurationSeconds: 1)
        if case .update(let r) = c.decide(current: released, now: t0, wallClock: wall) { #expect(r.holderIdentity == "c") } else {
            Issue.record("expected to take a released lease")
        }
        #expect(LeaderElection.microTime(Date(timeIntervalSince1970: 1.5)) == "1970-01-01T00:00:01.500000Z")
    }

    static func config(_ identity: String) -> LeaderElectionConfig {
        LeaderElectionConfig(leaseName: "test-lock", leaseNamespace: "default", identity: identity,
                             leaseDuration: .seconds(2), renewDeadline: .seconds(1), retryPeriod: .milliseconds(200))
    }

    @Test("when the leader cannot renew it stops leading, its work is cancelled, and another candidate takes over")
    func handOver() async throws {
        try await ClientTestServer.with { t in
            let (clientA, faultsA) = t.makeClient()
            let a = LeaderElector(client: clientA, config: Self.config("a"))
            let b = LeaderElector(client: t.client, config: Self.config("b"))
            let aWorkCancelled = Locked(false)
            let bLeads = Locked(false)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    await a.run {
                        do { try await Task.sleep(for: .seconds(3600)) } catch { aWorkCancelled.set(true) }
                    }
                }
                #expect(try await eventually { a.isLeader })
                group.addTask {
                    await b.run {
                        bLeads.set(true)
                        try await Task.sleep(for: .seconds(3600))
                    }
                }
                // b is a candidate but a holds the lease.
                try await Task.sleep(for: .milliseconds(500))
                #expect(!b.isLeader)
                faultsA.failing = true
                #expect(try await eventually { aWorkCancelled.value })
                // The work is cancelled first, then the elector records that it no longer leads.
                #expect(try await eventually { !a.isLeader })
                #expect(try await eventually { b.isLeader && bLeads.value })
                let lease = try await t.client.get(CoordinationV1.Lease.self, "test-lock", namespace: "default")
                #expect(lease.spec?.holderIdentity == "b")
                #expect(lease.spec?.leaseTransitions == 1)
                group.cancelAll()
            }
        }
    }

    @Test("a leader stopped gracefully releases the lease and the next candidate takes it at once")
    func releaseOnStop() async throws {
        try await ClientTestServer.with { t in
            var config = Self.config("a")
            config.leaseDuration = .seconds(60)
            let a = LeaderElector(client: t.client, config: config)
            var configB = Self.config("b")
            configB.leaseDuration = .seconds(60)
            let b = LeaderElector(client: t.client, config: configB)
            try await withThrowingTaskGroup(of: Void.self) { group in
                let leaderA = Task { await a.run { try await Task.sleep(for: .seconds(3600)) } }
                #expect(try await eventually { a.isLeader })
                group.addTask { await b.run { try await Task.sleep(for: .seconds(3600)) } }
                leaderA.cancel()
                await leaderA.value
                let lease = try await t.client.get(CoordinationV1.Lease.self, "test-lock", namespace: "default")
                #expect(lease.spec?.holderIdentity != "a")
                // Well before a's 60 s lease would have expired.
                #expect(try await eventually(.seconds(10)) { b.isLeader })
                group.cancelAll()
            }
        }
    }
}
