import Foundation
import SkiffAPI
import Testing
@testable import SkiffClient

@Suite("Event recorder: core/v1 Events aggregated as Kubernetes does", .timeLimit(.minutes(1)))
struct EventRecorderTests {
    @Test("an identical event repeated bumps count and lastTimestamp of the same Event")
    func aggregatesIdentical() async throws {
        try await ClientTestServer.with { t in
            let pod = try await t.client.create(Make.pod("web"))
            let recorder = EventRecorder(client: t.client, component: "default-scheduler")
            let ref = EventRecorder.reference(pod)
            let first = try await recorder.record(ref, reason: "Scheduled", message: "Successfully assigned default/web to n1")
            #expect(first.count == 1)
            #expect(first.involvedObject?.uid == pod.metadata?.uid)
            #expect(first.involvedObject?.kind == "Pod")
            #expect(first.source?.component == "default-scheduler")
            #expect(first.type == "Normal")
            let name = try #require(first.metadata?.name)
            #expect(name.hasPrefix("web."))
            #expect(UInt64(name.dropFirst(4), radix: 16) != nil)
            let second = try await recorder.record(ref, reason: "Scheduled", message: "Successfully assigned default/web to n1")
            #expect(second.metadata?.name == name)
            #expect(second.count == 2)
            #expect(second.firstTimestamp == first.firstTimestamp)
            let other = try await recorder.record(ref, type: .warning, reason: "FailedScheduling", message: "0/1 nodes are available")
            #expect(other.metadata?.name != name)
            let events = try await t.client.list(CoreV1.Event.self, namespace: "default")
            #expect(events.items.count == 2)
        }
    }

    @Test("more than ten similar events with different messages are combined into one")
    func combinesSimilar() async throws {
        try await ClientTestServer.with { t in
            let pod = try await t.client.create(Make.pod("p"))
            let recorder = EventRecorder(client: t.client, component: "test")
            for i in 0..<14 {
                try await recorder.record(EventRecorder.reference(pod), type: .warning, reason: "Failed", message: "attempt \(i)")
            }
            let events = try await t.client.list(CoreV1.Event.self, namespace: "default").items
            let combined = events.filter { $0.message?.hasPrefix("(combined from similar events): ") == true }
            #expect(combined.count == 1)
            #expect(combined.first?.count == 5)
            #expect(events.count == 10)
        }
    }

    @Test("events queued with event(...) are written by run()")
    func buffered() async throws {
        try await ClientTestServer.with { t in
            let pod = try await t.client.create(Make.pod("q"))
            let recorder = EventRecorder(client: t.client, component: "test")
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await recorder.run() }
                recorder.event(pod, reason: "Pulled", message: "image pulled")
                recorder.event(pod, reason: "Pulled", message: "image pulled")
                let aggregated = try await eventually {
                    try await t.client.list(CoreV1.Event.self, namespace: "default").items.first?.count == 2
                }
                #expect(aggregated)
                group.cancelAll()
            }
        }
    }
}
