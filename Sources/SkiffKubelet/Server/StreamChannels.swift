import Foundation
import SkiffRuntime

/// The channel protocol of exec and attach over WebSocket (`v4.channel.k8s.io`,
/// `v5.channel.k8s.io`): every binary message starts with a channel byte — 0 stdin, 1 stdout,
/// 2 stderr, 3 error (a `metav1.Status` when the process ends), 4 resize (`{"Width","Height"}`);
/// v5 adds 255 "close": `[255, channel]` half-closes that channel (kubectl sends it for stdin EOF).
enum StreamChannels {
    static let supported = ["v5.channel.k8s.io", "v4.channel.k8s.io"]

    static let stdin: UInt8 = 0, stdout: UInt8 = 1, stderr: UInt8 = 2, error: UInt8 = 3, resize: UInt8 = 4, close: UInt8 = 255

    /// What a client message asks for.
    enum Inbound: Sendable, Equatable {
        case stdin([UInt8])
        case closeStdin
        case resize(TerminalSize)
        case ignored
    }

    /// The first protocol the client offers that we speak (the client lists its preferences in order).
    static func negotiate(_ header: String?) -> String? {
        let offered = (header ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return offered.first { supported.contains($0) }
    }

    static func decode(_ message: [UInt8]) -> Inbound {
        guard let channel = message.first else { return .ignored }
        let payload = Array(message.dropFirst())
        switch channel {
        case stdin: return .stdin(payload)
        case resize:
            struct Size: Decodable { var Width: UInt16?; var Height: UInt16? }
            guard let size = try? JSONDecoder().decode(Size.self, from: Data(payload)) else { return .ignored }
            return .resize(TerminalSize(width: size.Width ?? 0, height: size.Height ?? 0))
        case close: return payload.first == stdin ? .closeStdin : .ignored
        default: return .ignored
        }
    }

    static func frame(_ channel: UInt8, _ bytes: [UInt8]) -> [UInt8] { [channel] + bytes }

    /// The error channel's final message: success, or kubectl's `NonZeroExitCode` with the code as
    /// an `ExitCode` cause (kubectl exits with it).
    static func exitStatus(_ code: Int32, command: [String]) -> [UInt8] {
        let json: String
        if code == 0 {
            json = #"{"metadata":{},"status":"Success"}"#
        } else {
            let message = "command terminated with non-zero exit code: error executing command [\(command.joined(separator: " "))], exit code \(code)"
            json = #"{"metadata":{},"status":"Failure","message":"# + "\"" + escape(message) + "\"" + #","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":""#
                + String(code) + #""}]}}"#
        }
        return Array(json.utf8)
    }

    /// A failure before or while running the process (an internal error Status on the error channel).
    static func failureStatus(_ message: String) -> [UInt8] {
        Array((#"{"metadata":{},"status":"Failure","message":""# + escape(message) + #"","reason":"InternalError","code":500}"#).utf8)
    }

    private static func escape(_ text: String) -> String {
        guard let data = try? JSONEncoder().encode(text), let quoted = String(data: data, encoding: .utf8) else { return "" }
        return String(quoted.dropFirst().dropLast())
    }
}
