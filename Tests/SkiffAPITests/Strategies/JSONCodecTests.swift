import Foundation
import Testing
@testable import SkiffAPI

@Suite("JSON codec", .timeLimit(.minutes(5)))
struct JSONCodecTests {
    private func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try JSONValue.parse(Array(text.utf8))
    }

    private func parseError(_ bytes: [UInt8]) -> JSONParseError? {
        do {
            _ = try JSONValue.parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test("parses every JSON type with integers kept as int")
    func parsesAllTypes() throws {
        let value = try parse(#" {"a": [1, -2, 3.5, 1e3, true, false, null, "x"], "b": {}} "#)
        #expect(value == .object([
            "a": .array([.int(1), .int(-2), .double(3.5), .double(1000), .bool(true), .bool(false), .null, .string("x")]),
            "b": .object([:]),
        ]))
    }

    @Test("integers at the Int64 limits stay int, beyond them become double")
    func integerLimits() throws {
        #expect(try parse("9223372036854775807") == .int(Int64.max))
        #expect(try parse("-9223372036854775808") == .int(Int64.min))
        #expect(try parse("9223372036854775808") == .double(9223372036854775808))
        #expect(try parse("-0") == .int(0))
        #expect(try parse("1.0") == .double(1))
    }

    @Test("numbers beyond Double's range are rejected")
    func hugeNumbers() throws {
        #expect(parseError(Array("1e400".utf8)) != nil)
        #expect(parseError(Array(String(repeating: "9", count: 400).utf8)) != nil)
        #expect(try JSONValue.parse("1e308") == .double(1e308))
    }

    @Test("string escapes and surrogate pairs decode")
    func stringEscapes() throws {
        let value = try parse(#""a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00""#)
        #expect(value == .string("a\"b\\c/d\u{08}\u{0C}\n\r\té😀"))
        #expect(try parse("\"héllo 世界\"") == .string("héllo 世界"))
    }

    @Test("lone surrogates, bad escapes and raw control characters are rejected")
    func badStrings() {
        #expect(parseError(Array(#""\ud83d""#.utf8)) != nil)
        #expect(parseError(Array(#""\ude00""#.utf8)) != nil)
        #expect(parseError(Array(#""\x""#.utf8)) != nil)
        #expect(parseError(Array(#""\u12""#.utf8)) != nil)
        #expect(parseError([0x22, 0x0A, 0x22]) != nil)
    }

    @Test("invalid UTF-8 is rejected with its offset")
    func invalidUTF8() {
        let error = parseError([0x22, 0x61, 0xC3, 0x28, 0x22])
        #expect(error != nil)
        #expect(parseError([0x22, 0xFF, 0x22]) != nil)
        #expect(parseError([0x22, 0xED, 0xA0, 0x80, 0x22]) != nil)  // encoded surrogate
        #expect(parseError([0xEF, 0xBB, 0xBF, 0x31]) != nil)  // BOM is not whitespace
    }

    @Test("malformed documents fail with a message and offset, never a crash")
    func malformed() {
        let cases = ["", " ", "{", "[", "[1,]", "{\"a\":}", "{\"a\" 1}", "{a:1}", "01", "1.", ".5", "1e", "-", "tru",
                     "nul", "[1 2]", "{\"a\":1,}", "\"abc", "{\"a\":1}}", "[]]", "1 2", "NaN", "Infinity", "+1"]
        for text in cases {
            let error = parseError(Array(text.utf8))
            #expect(error != nil, "\(text) should fail")
            #expect(error?.offset != nil)
        }
        #expect(parseError(Array("[1] x".utf8))?.message == "unexpected data after the JSON value")
        #expect(parseError(Array("[1] x".utf8))?.offset == 4)
    }

    @Test("truncations of a valid document all fail cleanly")
    func truncatedInput() throws {
        let document = Array(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a\u00e9"},"spec":{"x":[1,2.5,true,null]}}"#.utf8)
        for length in 0..<document.count {
            #expect(parseError(Array(document[0..<length])) != nil)
        }
        #expect(parseError(document) == nil)
    }

    @Test("nesting deeper than 1000 levels is rejected without overflowing the stack")
    func deepNesting() throws {
        let ok = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
        #expect(parseError(Array(ok.utf8)) == nil)
        let tooDeep = String(repeating: "[", count: 1001) + String(repeating: "]", count: 1001)
        #expect(parseError(Array(tooDeep.utf8))?.message.contains("depth") == true)
        let hostile = String(repeating: "{\"a\":[", count: 100_000)
        #expect(parseError(Array(hostile.utf8)) != nil)
    }

    @Test("serialization is compact; objects of unknown kinds have their keys sorted (Go maps)")
    func keyOrder() throws {
        let value: JSONValue = .object([
            "zeta": .int(1), "status": .object([:]), "spec": .object(["b": .int(2), "a": .int(1)]),
            "metadata": .object(["name": .string("x")]), "kind": .string("Widget"), "apiVersion": .string("example.com/v1"),
            "alpha": .bool(true),
        ])
        #expect(value.jsonString == #"{"alpha":true,"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"x"},"spec":{"a":1,"b":2},"status":{},"zeta":1}"#)
    }

    @Test("strings are escaped so they parse back unchanged")
    func escaping() throws {
        let text = "quote\" backslash\\ slash/ nl\n tab\t ctl\u{01}\u{1F} del\u{7F} é 😀 \u{2028}"
        let serialized = JSONValue.string(text).jsonString
        #expect(serialized.contains("\\u0001"))
        #expect(serialized.contains("\\u001f"))
        #expect(serialized.contains("\\n"))
        #expect(try JSONValue.parse(serialized) == .string(text))
    }

    @Test("numbers serialize like Go: integral doubles without a fraction, non-finite as null")
    func numberSerialization() {
        #expect(JSONValue.int(Int64.min).jsonString == "-9223372036854775808")
        #expect(JSONValue.int(0).jsonString == "0")
        #expect(JSONValue.double(2.0).jsonString == "2")
        #expect(JSONValue.double(0.1).jsonString == "0.1")
        #expect(JSONValue.double(.infinity).jsonString == "null")
        #expect(JSONValue.double(1e300).jsonString == "1e+300")
    }

    @Test("parse and serialize round-trip a realistic object and agree with Foundation")
    func roundTrip() throws {
        let bytes = Array(samplePodJSON.utf8)
        let value = try JSONValue.parse(bytes)
        let again = try JSONValue.parse(value.serialized())
        #expect(again == value)
        let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        #expect(foundation == value)
        var appended: [UInt8] = [UInt8(ascii: "[")]
        value.serialized(into: &appended)
        appended.append(UInt8(ascii: "]"))
        #expect(try JSONValue.parse(appended) == .array([value]))
        let raw = try bytes.withUnsafeBytes { (buffer) throws(JSONParseError) -> JSONValue in try JSONValue.parse(buffer) }
        #expect(raw == value)
    }
}

let samplePodJSON = #"""
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-7d9c6b8f5-x2x9k","namespace":"default","uid":"6a1c3e1e-1f0e-4d8e-9c3a-0b5e2f7c9d11","resourceVersion":"12345","creationTimestamp":"2026-11-22T01:00:00Z","labels":{"app":"web","pod-template-hash":"7d9c6b8f5"},"annotations":{"note":"caf\u00e9 \"quoted\" \\ back"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d9c6b8f5","uid":"0b5e2f7c-9d11-4d8e-9c3a-6a1c3e1e1f0e","controller":true,"blockOwnerDeletion":true}]},"spec":{"containers":[{"name":"nginx","image":"nginx:1.27","ports":[{"containerPort":80,"protocol":"TCP"}],"resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"cpu":"500m","memory":"256Mi"}},"env":[{"name":"A","value":"1"},{"name":"POD","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}}],"livenessProbe":{"httpGet":{"path":"/healthz","port":80,"scheme":"HTTP"},"initialDelaySeconds":3,"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent","volumeMounts":[{"name":"data","mountPath":"/data"}]}],"volumes":[{"name":"data","emptyDir":{}}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default","nodeName":"node-1","securityContext":{},"schedulerName":"default-scheduler","tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],"priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","lastProbeTime":null,"lastTransitionTime":"2026-11-22T01:00:05Z"}],"hostIP":"10.0.0.2","podIP":"10.42.0.7","podIPs":[{"ip":"10.42.0.7"}],"startTime":"2026-11-22T01:00:00Z","containerStatuses":[{"name":"nginx","state":{"running":{"startedAt":"2026-11-22T01:00:02Z"}},"lastState":{},"ready":true,"restartCount":0,"image":"nginx:1.27","imageID":"docker.io/library/nginx@sha256:abc","containerID":"containerd://0123456789abcdef","started":true}],"qosClass":"Burstable","ratio":0.25,"big":1.5e300}}
"""#
