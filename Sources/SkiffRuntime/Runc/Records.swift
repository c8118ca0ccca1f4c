import Foundation

/// What the runtime keeps on disk per sandbox (`<root>/sandboxes/<id>/sandbox.json`).
struct SandboxRecord: Codable, Sendable {
    var id: String
    var config: PodSandboxConfig
    var createdAt: Date
    var state: PodSandboxState
    var ip: String
    /// The bridge plugin's result, passed back as prevResult on CNI DEL.
    var cniResult: String?
    var pausePID: Int32
    var networkAttached: Bool
}

/// What the runtime keeps on disk per container (`<root>/containers/<id>/container.json`).
struct ContainerRecord: Codable, Sendable {
    var id: String
    var podSandboxID: String
    var config: ContainerConfig
    var imageRef: String
    var createdAt: Date
    var startedAt: Date?
    var logPath: String
    var cgroupsPath: String
    var shimPID: Int32?
}

/// What the shim writes (`<root>/containers/<id>/status.json`): the init pid once created, the exit
/// once it has happened. Written atomically (rename) so readers never see half a file.
package struct ShimStatus: Codable, Sendable, Equatable {
    package var pid: Int32
    package var exitCode: Int32?
    package var finishedAt: Date?
    package var oomKilled: Bool
    package init(pid: Int32, exitCode: Int32? = nil, finishedAt: Date? = nil, oomKilled: Bool = false) {
        self.pid = pid; self.exitCode = exitCode; self.finishedAt = finishedAt; self.oomKilled = oomKilled
    }
}

enum JSONFile {
    static func read<T: Decodable>(_ type: T.Type, from path: String) -> T? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601WithFractions
        return try? decoder.decode(type, from: data)
    }

    /// Writes through a temporary file and rename, so a crash never leaves a torn record.
    static func write(_ value: some Encodable, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601WithFractions
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(value)
        let temp = path + ".tmp"
        try data.write(to: URL(fileURLWithPath: temp))
        guard rename(temp, path) == 0 else { throw RuntimeError.system("rename \(temp)", errno) }
    }
}

/// The one ISO-8601 (RFC 3339) form of the runtime's records: UTC with milliseconds; whole
/// seconds are accepted when reading.
enum RecordTime {
    static let withFractions = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    static let wholeSeconds = Date.ISO8601FormatStyle()

    static func format(_ date: Date) -> String { withFractions.format(date) }

    static func parse(_ text: String) -> Date? {
        (try? withFractions.parse(text)) ?? (try? wholeSeconds.parse(text))
    }
}

extension JSONDecoder.DateDecodingStrategy {
    static var iso8601WithFractions: Self {
        .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = RecordTime.parse(text) { return date }
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad date \(text)"))
        }
    }
}

extension JSONEncoder.DateEncodingStrategy {
    static var iso8601WithFractions: Self {
        .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RecordTime.format(date))
        }
    }
}

/// Random identifiers like CRI's (hex), 32 characters so paths and mount options stay short.
package func newIdentifier() -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<4).map { _ in
        let value = generator.next() as UInt64
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }.joined().prefix(32).description
}
