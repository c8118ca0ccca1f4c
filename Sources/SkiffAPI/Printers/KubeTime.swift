import Foundation

/// Timestamps as the API writes them (RFC 3339, optionally with fractional seconds) and ages
/// as kubectl prints them.
enum KubeTime {
    /// Parses `2006-01-02T15:04:05Z`, `…05.123456Z` and `…05+02:00`; nil otherwise.
    static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        guard b.count >= 20 else { return nil }
        func number(_ start: Int, _ length: Int) -> Int? {
            var value = 0
            for i in start..<(start + length) {
                guard i < b.count, b[i] >= 48, b[i] <= 57 else { return nil }
                value = value * 10 + Int(b[i] - 48)
            }
            return value
        }
        guard let year = number(0, 4), b[4] == UInt8(ascii: "-"), let month = number(5, 2), b[7] == UInt8(ascii: "-"),
              let day = number(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == UInt8(ascii: " "),
              let hour = number(11, 2), b[13] == UInt8(ascii: ":"), let minute = number(14, 2), b[16] == UInt8(ascii: ":"),
              let second = number(17, 2), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < b.count, b[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < b.count, b[index] >= 48, b[index] <= 57 {
                fraction += Double(b[index] - 48) * scale
                scale /= 10
                index += 1
            }
            if index == start { return nil }
        }
        guard index < b.count else { return nil }
        var offset = 0
        switch b[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let oh = number(index + 1, 2), index + 3 < b.count, b[index + 3] == UInt8(ascii: ":"),
                  let om = number(index + 4, 2) else { return nil }
            offset = (oh * 3600 + om * 60) * (b[index] == UInt8(ascii: "-") ? -1 : 1)
            index += 6
        default: return nil
        }
        guard index == b.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Double(days * 86400 + hour * 3600 + minute * 60 + second - offset) + fraction
        return Date(timeIntervalSince1970: seconds)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// `2006-01-02T15:04:05Z` (UTC, whole seconds) — what "Created At" cells hold.
    static func format(_ date: Date) -> String {
        let total = Int(date.timeIntervalSince1970.rounded(.down))
        var days = total / 86400
        var rest = total % 86400
        if rest < 0 {
            rest += 86400
            days -= 1
        }
        // civil_from_days
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(rest / 3600, 2)):\(pad(rest % 3600 / 60, 2)):\(pad(rest % 60, 2))Z"
    }

    /// k8s.io/apimachinery/pkg/util/duration.HumanDuration.
    static func humanDuration(_ interval: TimeInterval) -> String {
        let seconds = Int(interval.rounded(.towardZero))
        if seconds < -1 { return "<invalid>" }
        if seconds < 0 { return "0s" }
        if seconds < 60 * 2 { return "\(seconds)s" }
        let minutes = seconds / 60
        if minutes < 10 {
            let s = seconds % 60
            return s == 0 ? "\(minutes)m" : "\(minutes)m\(s)s"
        }
        if minutes < 60 * 3 { return "\(minutes)m" }
        let hours = seconds / 3600
        if hours < 8 {
            let m = minutes % 60
            return m == 0 ? "\(hours)h" : "\(hours)h\(m)m"
        }
        if hours < 48 { return "\(hours)h" }
        if hours < 24 * 8 {
            let h = hours % 24
            return h == 0 ? "\(hours / 24)d" : "\(hours / 24)d\(h)h"
        }
        if hours < 24 * 365 * 2 { return "\(hours / 24)d" }
        if hours < 24 * 365 * 8 {
            let dy = (hours / 24) % 365
            return dy == 0 ? "\(hours / 24 / 365)y" : "\(hours / 24 / 365)y\(dy)d"
        }
        return "\(hours / 24 / 365)y"
    }

    /// `translateTimestampSince`: `<unknown>` for a missing or unparsable timestamp.
    static func since(_ timestamp: JSONValue?, now: Date) -> String {
        guard let text = timestamp?.stringValue, let date = parse(text) else { return "<unknown>" }
        return humanDuration(now.timeIntervalSince(date))
    }
}
