import Foundation

/// Go's `time.ParseDuration` subset that annotations use: a sequence of decimal numbers with a
/// unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`), e.g. `3s`, `1m30s`, `1.5s`. Nil when malformed,
/// negative or absurdly large (more than a year), so outside input never traps.
package enum GoDuration {
    package static func parse(_ text: String) -> TimeInterval? {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { return nil }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, number.count <= 20, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !($0.isNumber || $0 == ".") }
            rest = rest.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ns": scale = 1e-9
            case "us", "µs": scale = 1e-6
            case "ms": scale = 1e-3
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            default: return nil
            }
            total += value * scale
        }
        guard total.isFinite, total <= 366 * 86_400 else { return nil }
        return total
    }
}
