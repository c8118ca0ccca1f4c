import Foundation
import Testing
@testable import SkiffAPI

@Suite("Quantity", .timeLimit(.minutes(5)))
struct QuantityTests {
    @Test("canonical form is what Kubernetes prints", arguments: [
        ("1500m", "1500m"), ("0.5", "500m"), ("1.5", "1500m"), ("1Gi", "1Gi"), ("1024Mi", "1Gi"), ("1.5Gi", "1536Mi"),
        ("1e3", "1e3"), ("1E3", "1e3"), ("1000", "1k"), ("1000m", "1"), ("0", "0"), ("0Gi", "0"), ("100M", "100M"),
        ("128974848", "128974848"), ("129e6", "129e6"), ("123Mi", "123Mi"), ("0.5Ki", "512"), ("-1Ki", "-1Ki"),
        ("+1", "1"), (".5", "500m"), ("1n", "1n"), ("0.0000000001", "1n"), ("1.0", "1"), ("2Ti", "2Ti"),
        ("12e-3", "12e-3"), ("1k", "1k"), ("1.1k", "1100"), ("5.", "5"),
        // apimachinery's TestQuantityParseEmit and TestQuantityString vectors
        ("1000M", "1G"), (".001Ki", "1024m"), (".000001Ki", "1024u"), (".000000001Ki", "1024n"), (".000000000001Ki", "2n"),
        ("80e-3", "80e-3"), ("300e6", "300e6"), ("1e9", "1e9"), ("1234567M", "1234567M"), ("1025", "1025"),
        ("1.08", "1080m"), ("1000u", "1m"), ("0.001T", "1G"), ("1001Gi", "1001Gi"), ("307200Ki", "300Mi"), ("-1Gi", "-1Gi"),
    ])
    func canonical(input: String, expected: String) throws {
        #expect(try Quantity(parsing: input).description == expected)
    }

    @Test("invalid quantities are rejected", arguments: [
        "", "abc", "1 Gi", "1gi", "1K", "1.2.3", "1e", "Mi", "1Mii", "--1", "1e3.5",
        "1.1.M", "1+1.0M", "0.1mi", "0.1am", "aoeu", ".5i", "1i", "-3.01i", "-3.01e-", " 1", "1 ",
    ])
    func invalid(input: String) {
        #expect(throws: QuantityError.self) { try Quantity(parsing: input) }
    }

    @Test("values round up like Value() and MilliValue()")
    func values() throws {
        #expect(try Quantity(parsing: "1500m").value == 2)
        #expect(try Quantity(parsing: "1500m").milliValue == 1500)
        #expect(try Quantity(parsing: "1Gi").value == 1_073_741_824)
        #expect(try Quantity(parsing: "0.1m").milliValue == 1)
        #expect(try Quantity(parsing: "-1.5").value == -2)
        #expect(try Quantity(parsing: "250m").scaledValue(scale: -6) == 250_000)
    }

    @Test("quantities compare by value regardless of format")
    func compare() throws {
        let q = { (s: String) throws -> Quantity in try Quantity(parsing: s) }
        #expect(try q("1") == q("1000m"))
        #expect(try q("1Ki") == q("1024"))
        #expect(try q("1Gi") > q("1G"))
        #expect(try q("500m") < q("1"))
        #expect(try q("-1") < q("0"))
        #expect(try q("1E") > q("999P"))
        #expect(try q("1k").adding(q("500m"))?.description == "1000500m")
    }

    @Test("JSON strings and numbers decode; encoding is canonical")
    func codable() throws {
        let decoded = try JSONDecoder().decode([Quantity].self, from: Data(#"["0.5", 2, 0.25, " 1"]"#.utf8))
        #expect(decoded.map(\.description) == ["500m", "2", "250m", "1"])
        #expect(String(decoding: try JSONEncoder().encode([try Quantity(parsing: "1024Mi")]), as: UTF8.self) == #"["1Gi"]"#)
        #expect(throws: (any Error).self) { try JSONDecoder().decode([Quantity].self, from: Data(#"["1 Gi"]"#.utf8)) }
    }
}

@Suite("IntOrString and time formats", .timeLimit(.minutes(5)))
struct ValueTests {
    @Test("IntOrString decodes and encodes both forms")
    func intOrString() throws {
        let values = try JSONDecoder().decode([IntOrString].self, from: Data(#"[80, "http", "25%"]"#.utf8))
        #expect(values == [.int(80), .string("http"), .string("25%")])
        #expect(String(decoding: try JSONEncoder().encode(values), as: UTF8.self) == #"[80,"http","25%"]"#)
        #expect(IntOrString.string("25%").scaledValue(total: 10, roundUp: true) == 3)
        #expect(IntOrString.string("25%").scaledValue(total: 10, roundUp: false) == 2)
        #expect(IntOrString(json: .int(8080)) == .int(8080))
    }

    @Test("Time is RFC 3339 with seconds in UTC; MicroTime has six fractional digits")
    func times() throws {
        let date = Date(timeIntervalSince1970: 1_795_309_323.123456)  // 2026-11-22T01:02:03.123456Z
        #expect(KubeTime.format(date) == "2026-11-22T01:02:03Z")
        #expect(KubeTime.formatMicro(date) == "2026-11-22T01:02:03.123456Z")
        #expect(KubeTime.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(KubeTime.parse("2026-11-22T01:02:03Z") == Date(timeIntervalSince1970: 1_795_309_323))
        #expect(KubeTime.parse("2026-11-22T03:02:03+02:00") == Date(timeIntervalSince1970: 1_795_309_323))
        let micro = try #require(KubeTime.parse("2026-11-22T01:02:03.123456Z"))
        #expect(abs(micro.timeIntervalSince1970 - 1_795_309_323.123456) < 0.000001)
        #expect(KubeTime.parse("2026-11-22 01:02:03") == nil)
        #expect(KubeTime.parse("2026-13-22T01:02:03Z") == nil)
        #expect(KubeTime.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00Z")
    }
}
