import Foundation
import SkiffAPI
import Testing
@testable import SkiffAPIServer

/// Bad options and bodies answer kube-apiserver's 4xx, never a success that stores or deletes.
@Suite("Request options and body decoding", .timeLimit(.minutes(2)))
struct RequestOptionsTests {
    private let configMaps = "/api/v1/namespaces/default/configmaps"

    private func createConfigMap(_ s: TestServer, _ name: String) async {
        let body = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"\#(name)"},"data":{"a":"1"}}"#
        #expect(await s.call("POST", configMaps, rawBody: Array(body.utf8)).status == 201)
    }

    @Test("integer query parameters that do not parse are a 400 and change nothing")
    func integerParameters() async throws {
        try await TestServer.with { s in
            await createConfigMap(s, "cm")
            for uri in [configMaps + "?limit=abc", configMaps + "?watch=true&timeoutSeconds=abc",
                        configMaps + "/cm?gracePeriodSeconds=abc"] {
                let method = uri.contains("gracePeriodSeconds") ? "DELETE" : "GET"
                let reply = await s.call(method, uri)
                #expect(reply.status == 400, "\(uri)")
                #expect(reply.body["message"]?.stringValue == #"strconv.ParseInt: parsing "abc": invalid syntax"#)
            }
            #expect(await s.call("GET", configMaps + "/cm").status == 200)
        }
    }

    @Test("an unknown dryRun value is a 422 on the options kind, and nothing is written")
    func dryRunValues() async throws {
        try await TestServer.with { s in
            let body = Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dry"}}"#.utf8)
            let reply = await s.call("POST", configMaps + "?dryRun=Bogus", rawBody: body)
            #expect(reply.status == 422)
            #expect(String(decoding: reply.bytes, as: UTF8.self) == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"CreateOptions.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: []string{\"Bogus\"}: supported values: \"All\"","reason":"Invalid","details":{"group":"meta.k8s.io","kind":"CreateOptions","causes":[{"reason":"FieldValueNotSupported","message":"Unsupported value: []string{\"Bogus\"}: supported values: \"All\"","field":"dryRun"}]},"code":422}"#)
            #expect(await s.call("GET", configMaps + "/dry").status == 404)
            #expect(await s.call("POST", configMaps + "?fieldValidation=Loud", rawBody: body).status == 422)
            #expect(await s.call("POST", configMaps + "?fieldValidation=", rawBody: body).status == 201)
        }
    }

    @Test("list options that break ValidateListOptions are a 422 on ListOptions")
    func listOptions() async throws {
        try await TestServer.with { s in
            let noVersion = await s.call("GET", configMaps + "?resourceVersionMatch=Exact")
            #expect(noVersion.status == 422)
            #expect(noVersion.body["message"]?.stringValue
                == #"ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"#)
            let bogus = await s.call("GET", configMaps + "?resourceVersionMatch=Bogus&resourceVersion=1")
            #expect(bogus.status == 422)
            #expect(bogus.body.at("details", "causes", "0", "field")?.stringValue == "resourceVersionMatch")
        }
    }

    @Test("an unknown propagationPolicy is a 422 on DeleteOptions and deletes nothing")
    func propagationPolicy() async throws {
        try await TestServer.with { s in
            await createConfigMap(s, "keep")
            let reply = await s.call("DELETE", configMaps + "/keep?propagationPolicy=Bogus")
            #expect(reply.status == 422)
            #expect(reply.body["message"]?.stringValue
                == #"DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Bogus": supported values: "Foreground", "Background", "Orphan", "nil""#)
            #expect(await s.call("GET", configMaps + "/keep").status == 200)
        }
    }

    @Test("a body with a value of the wrong JSON type is a 400 worded as Go's decoder, and is not stored")
    func wrongTypes() async throws {
        try await TestServer.with { s in
            let cm = await s.call("POST", configMaps, rawBody: Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"t"},"data":"x"}"#.utf8))
            #expect(cm.status == 400)
            #expect(cm.body["message"]?.stringValue
                == #"ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal string into Go struct field ConfigMap.data of type map[string]string"#)
            #expect(await s.call("GET", configMaps + "/t").status == 404)
            let pod = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a":1}},"spec":{"containers":[{"name":"c","image":"i"}]}}"#
            let reply = await s.call("POST", "/api/v1/namespaces/default/pods", rawBody: Array(pod.utf8))
            #expect(reply.status == 400)
            #expect(reply.body["message"]?.stringValue?.hasSuffix("json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string") == true)
            let deployment = #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":"3"}}"#
            #expect(await s.call("POST", "/apis/apps/v1/namespaces/default/deployments", rawBody: Array(deployment.utf8)).status == 400)
        }
    }

    @Test("a patch whose result Go cannot decode is a 422 on the field patch, and changes nothing")
    func patchResultThatDoesNotDecode() async throws {
        try await TestServer.with { s in
            await createConfigMap(s, "pm")
            let reply = await s.call("PATCH", configMaps + "/pm", contentType: "application/merge-patch+json",
                                     rawBody: Array(#"{"data":"notamap"}"#.utf8))
            #expect(reply.status == 422)
            #expect(reply.body.at("details", "causes", "0", "field")?.stringValue == "patch")
            #expect(await s.call("GET", configMaps + "/pm").body.at("data", "a")?.stringValue == "1")
        }
    }
}
