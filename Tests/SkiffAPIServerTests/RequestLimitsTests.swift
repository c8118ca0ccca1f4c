import Foundation
import Testing
import SkiffAPI
import SkiffStore
@testable import SkiffAPIServer

/// kube-apiserver's HTTP limits: in-flight requests (429 + Retry-After), request deadlines
/// (504, `?timeout=`), watch timeouts with jitter, the body cap enforced while reading (413),
/// oversized headers (431) and bounded per-watcher queues (a watcher that stops reading is
/// terminated, not buffered for).
@Suite("Request limits", .timeLimit(.minutes(3)))
struct RequestLimitsTests {
    static let user = UserInfo(username: "alice", groups: ["system:authenticated"])

    /// Waits for `condition` with a deadline (no fixed sleeps).
    func eventually(_ condition: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return await condition()
    }

    @Test("requests over --max-requests-inflight get 429 with Retry-After; system:masters is not counted")
    func readOnlyInflight() async throws {
        try await TestServer.with(insecureUser: Self.user, configure: { $0.limits.maxReadOnlyInflight = 1 }) { s in
            let current = s.server.handler.caches.clock.current
            // Waits for a revision that does not exist yet: holds the only read-only slot.
            async let held = s.call("GET", "/api/v1/namespaces/default/configmaps?resourceVersion=\(current + 1)&resourceVersionMatch=NotOlderThan")
            #expect(await eventually { s.server.handler.limiter.current.readOnly == 1 })
            let refused = await s.call("GET", "/api/v1/namespaces/default/configmaps")
            #expect(refused.status == 429)
            #expect(refused.header("Retry-After") == "1")
            #expect(String(decoding: refused.bytes, as: UTF8.self) == "Too many requests, please try again later.\n")
            // Mutating requests have their own budget, and admins are exempt.
            let admin = await s.call("GET", "/api/v1/namespaces/default/configmaps", user: TestServer.admin)
            #expect(admin.status == 200)
            #expect(await s.call("POST", "/api/v1/namespaces/default/configmaps", Fixture.configMap("a")).status == 201)
            // The write moved the revision: the held request completes and frees its slot.
            #expect(await held.status == 200)
            #expect(s.server.handler.limiter.current.readOnly == 0)
            #expect(await s.call("GET", "/api/v1/namespaces/default/configmaps").status == 200)
        }
    }

    @Test("watches are long-running: they take no in-flight slot")
    func watchesAreNotCounted() async throws {
        try await TestServer.with(insecureUser: Self.user, configure: { $0.limits.maxReadOnlyInflight = 1 }) { s in
            let events = await s.watch("/api/v1/namespaces/default/configmaps?watch=1")
            _ = events
            #expect(s.server.handler.limiter.current.readOnly == 0)
            #expect(await s.call("GET", "/api/v1/namespaces/default/configmaps").status == 200)
        }
    }

    @Test("the mutating and read-only budgets are separate and slots are returned")
    func limiterCounts() {
        var limits = RequestLimits()
        limits.maxReadOnlyInflight = 2
        limits.maxMutatingInflight = 1
        let limiter = InflightLimiter(limits: limits)
        #expect(limiter.acquire(mutating: true))
        #expect(!limiter.acquire(mutating: true))
        #expect(limiter.acquire(mutating: false))
        #expect(limiter.acquire(mutating: false))
        #expect(!limiter.acquire(mutating: false))
        limiter.release(mutating: true)
        #expect(limiter.acquire(mutating: true))
        #expect(InflightLimiter.isMutating(APIRequest(method: "PATCH", uri: "/", headers: [:], body: [], user: nil)))
        #expect(!InflightLimiter.isMutating(APIRequest(method: "GET", uri: "/", headers: [:], body: [], user: nil)))
        let exec = APIRequest(method: "POST", uri: "/api/v1/namespaces/d/pods/p/exec", headers: [:], body: [], user: nil)
        #expect(InflightLimiter.isLongRunning(exec, route: ResourceRoute.parse(exec.rawPath)))
        let watch = APIRequest(method: "GET", uri: "/api/v1/pods?watch=true", headers: [:], body: [], user: nil)
        #expect(InflightLimiter.isLongRunning(watch, route: ResourceRoute.parse(watch.rawPath)))
    }

    @Test("a request past its deadline is a 504 Timeout; ?timeout= shortens it and must be a Go duration")
    func requestTimeout() async throws {
        try await TestServer.with { s in
            let current = s.server.handler.caches.clock.current
            let slow = await s.call("GET", "/api/v1/namespaces/default/configmaps?resourceVersion=\(current + 5)&resourceVersionMatch=NotOlderThan&timeout=200ms")
            #expect(slow.status == 504)
            #expect(slow.reason == "Timeout")
            #expect(slow.body["message"]?.stringValue?.contains("request did not complete within requested timeout") == true)
            let invalid = await s.call("GET", "/api/v1/namespaces/default/configmaps?timeout=soon")
            #expect(invalid.status == 400)
            #expect(invalid.body["message"]?.stringValue?.hasPrefix("invalid timeout specified in the request URL") == true)
            #expect(await s.call("GET", "/api/v1/namespaces/default/configmaps?timeout=30s").status == 200)
        }
        try await TestServer.with(configure: { $0.limits.requestTimeout = .milliseconds(200) }) { s in
            let current = s.server.handler.caches.clock.current
            // The client asks for longer than the server allows: the server's limit wins.
            let slow = await s.call("GET", "/api/v1/namespaces/default/configmaps?resourceVersion=\(current + 5)&resourceVersionMatch=NotOlderThan&timeout=1h")
            #expect(slow.status == 504)
            #expect(slow.body["message"]?.stringValue?.contains("request did not complete within requested timeout") == true)
        }
    }

    @Test("Go durations parse as time.ParseDuration does")
    func goDurations() {
        #expect(GoDuration.parse("0") == .zero)
        #expect(GoDuration.parse("30s") == .seconds(30))
        #expect(GoDuration.parse("1m30s") == .seconds(90))
        #expect(GoDuration.parse("1.5h") == .seconds(5400))
        #expect(GoDuration.parse("250ms") == .milliseconds(250))
        #expect(GoDuration.parse("-1s") == .seconds(-1))
        for bad in ["", "s", "10", "1x", "1.2.3s", ".s", "99999999999999h"] { #expect(GoDuration.parse(bad) == nil, "\(bad)") }
    }

    @Test("watches without timeoutSeconds end between --min-request-timeout and twice that")
    func watchJitter() {
        var limits = RequestLimits()
        limits.minRequestTimeout = .seconds(100)
        let limiter = InflightLimiter(limits: limits)
        let samples = (0..<200).map { _ in limiter.watchTimeout() }
        #expect(samples.allSatisfy { $0 >= .seconds(100) && $0 < .seconds(200) })
        #expect(Set(samples.map { $0.components.seconds }).count > 1)
    }

    @Test("a watcher that stops reading is terminated once its queue is full; what it got is a prefix")
    func slowWatcherTerminated() async throws {
        try await TestServer.with(configure: { $0.watcherBufferCapacity = 5 }) { s in
            let resource = try #require(s.server.registry.resource(group: "", version: "v1", plural: "configmaps"))
            let cache = try #require(s.server.handler.caches.cache(for: resource))
            let current = s.server.handler.caches.clock.current
            let request = APIRequest(method: "GET", uri: "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=\(current)",
                                     headers: [:], body: [], user: nil)
            guard case .stream(_, _, let chunks) = await s.server.handle(request) else {
                Issue.record("the watch did not stream")
                return
            }
            #expect(await cache.watcherCount == 1)
            // Nobody reads `chunks`: the sixth event overflows the queue of five.
            for i in 0..<20 {
                #expect(await s.call("POST", "/api/v1/namespaces/default/configmaps", Fixture.configMap("c\(i)")).status == 201)
            }
            #expect(await eventually { await cache.watcherCount == 0 })
            #expect(await cache.terminatedSlowWatchers == 1)
            var names: [String] = []
            for await chunk in chunks {
                let event = try JSONValue.parse(chunk)
                names.append(event.at("object", "metadata", "name")?.stringValue ?? "")
            }
            #expect(names == ["c0", "c1", "c2", "c3", "c4"])
        }
    }

    // MARK: over a real socket

    @Test("a declared body over the limit is a 413 before any of it is read, and the connection closes")
    func declaredBodyTooLarge() async throws {
        try await TestServer.with(configure: { $0.maxRequestBodyBytes = 1024 }) { s in
            let client = try RawHTTP(port: try await s.server.port())
            defer { client.close() }
            client.send("POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10485760\r\n\r\n")
            let (bytes, closed) = client.readAll()
            #expect(RawHTTP.status(bytes) == 413)
            #expect(RawHTTP.body(bytes).contains("\"reason\":\"RequestEntityTooLarge\""))
            #expect(closed)
        }
    }

    @Test("a chunked body that grows past the limit is a 413 while streaming")
    func streamedBodyTooLarge() async throws {
        try await TestServer.with(configure: { $0.maxRequestBodyBytes = 1024 }) { s in
            let client = try RawHTTP(port: try await s.server.port())
            defer { client.close() }
            let chunk = String(repeating: "x", count: 800)
            client.send("POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "320\r\n\(chunk)\r\n320\r\n\(chunk)\r\n")
            // No last chunk is ever sent: the answer cannot wait for the end of the body.
            let (bytes, closed) = client.readAll()
            #expect(RawHTTP.status(bytes) == 413)
            #expect(closed)
            #expect(await s.call("GET", "/api/v1/namespaces/default/configmaps").status == 200)
        }
    }

    @Test("request headers over the parser's limit are a 431 and the server keeps serving")
    func headersTooLarge() async throws {
        try await TestServer.with { s in
            let port = try await s.server.port()
            let client = try RawHTTP(port: port)
            defer { client.close() }
            client.send("GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 100_000))\r\n\r\n")
            let (bytes, closed) = client.readAll()
            #expect(RawHTTP.status(bytes) == 431)
            #expect(closed)
            let longURL = try RawHTTP(port: port)
            defer { longURL.close() }
            longURL.send("GET /api/v1/namespaces/\(String(repeating: "n", count: 100_000)) HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(RawHTTP.status(longURL.readAll().bytes) == 431)
            let ok = try RawHTTP(port: port)
            defer { ok.close() }
            ok.send("GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(RawHTTP.status(ok.readAll().bytes) == 200)
        }
    }

    @Test("a client that never finishes its request head is disconnected (slowloris); so is an idle kept-alive one")
    func slowHeadersAndIdleConnections() async throws {
        try await TestServer.with(configure: {
            $0.limits.headerReadTimeout = .milliseconds(300)
            $0.limits.idleTimeout = .milliseconds(300)
        }) { s in
            let port = try await s.server.port()
            let slow = try RawHTTP(port: port)
            defer { slow.close() }
            slow.send("GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\n")
            let (partial, closed) = slow.readAll(timeout: .seconds(30))
            #expect(closed)
            #expect(partial.isEmpty)
        }
        try await TestServer.with(configure: { $0.limits.idleTimeout = .milliseconds(300) }) { s in
            // A kept-alive connection gets its answer, then is closed once idle.
            let idle = try RawHTTP(port: try await s.server.port())
            defer { idle.close() }
            idle.send("GET /version HTTP/1.1\r\nHost: x\r\n\r\n")
            let (answered, idleClosed) = idle.readAll(timeout: .seconds(30))
            #expect(RawHTTP.status(answered) == 200, "\(String(decoding: answered, as: UTF8.self))")
            #expect(idleClosed)
        }
    }
}
