import SkiffAPI
import Synchronization
import Testing
@testable import SkiffAPIServer

@Suite("resourceVersionMatch=Exact", .timeLimit(.minutes(3)))
struct ExactListTests {
    @Test("an Exact list during concurrent writes returns exactly the requested revision and the objects as they were then")
    func exactListIsAtomic() async throws {
        try await TestServer.with { s in
            let path = "/api/v1/namespaces/default/configmaps"
            let done = StopFlag()
            async let written: Void = withTaskGroup(of: Void.self) { group in
                for w in 0..<4 {
                    group.addTask {
                        // Updates to a fixed set: the cache stays small, every write changes what a list sees.
                        for i in 0..<5 { _ = await s.call("POST", path, Fixture.configMap("cm-\(w)-\(i)")) }
                        var i = 0
                        while !done.value.load(ordering: .relaxed) {
                            _ = await s.call("PATCH", "\(path)/cm-\(w)-\(i % 5)", .object(["data": .object(["k": .string("\(i)")])]),
                                             contentType: "application/merge-patch+json")
                            i += 1
                        }
                    }
                }
            }
            // Several readers at once widen the window between "which revision is the cache at"
            // and "list the cache", where a write could slip in.
            let mismatches = await withTaskGroup(of: [String].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        var mismatches: [String] = []
                        for _ in 0..<100 {
                            let list = await s.call("GET", path)
                            let rv = list.body.at("metadata", "resourceVersion")?.stringValue ?? ""
                            let exact = await s.call("GET", "\(path)?resourceVersion=\(rv)&resourceVersionMatch=Exact")
                            let got = exact.body.at("metadata", "resourceVersion")?.stringValue ?? ""
                            let names = { (reply: TestServer.Reply) in Set(reply.body["items"]?.arrayValue?.compactMap {
                                $0.at("metadata", "resourceVersion")?.stringValue } ?? []) }
                            if exact.status != 200 || got != rv || names(exact) != names(list) {
                                mismatches.append("asked \(rv), got \(exact.status) at \(got)\(names(exact) == names(list) ? "" : " with other objects")")
                            }
                        }
                        return mismatches
                    }
                }
                return await group.reduce(into: []) { $0 += $1 }
            }
            done.value.store(true, ordering: .relaxed)
            await written
            #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        }
    }
}

private final class StopFlag: Sendable {
    let value = Atomic(false)
}
