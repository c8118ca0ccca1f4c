import Foundation

/// A parsed CronJob schedule with robfig/cron/v3's `ParseStandard` semantics (what
/// kube-controller-manager uses): five fields or a `@` descriptor, evaluated in a time zone.
/// The API server has already validated the text; anything it let through that we cannot
/// read is an error here, never a crash.
struct CronSchedule: Sendable, Equatable {
    struct ParseError: Error, CustomStringConvertible { var description: String }

    var minutes: Set<Int> = []
    var hours: Set<Int> = []
    var daysOfMonth: Set<Int> = []
    var months: Set<Int> = []
    var daysOfWeek: Set<Int> = []
    /// robfig's star bit: a field given as `*` or `?` (not `*/n`) does not restrict days.
    var domStar = false
    var dowStar = false
    /// `@every <duration>`: a constant delay instead of fields.
    var every: TimeInterval?
    var timeZone: TimeZone

    private static let monthNames = ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                                     "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12]
    private static let dayNames = ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6]

    init(_ text: String, timeZone: TimeZone = TimeZone(identifier: "UTC")!) throws(ParseError) {
        self.timeZone = timeZone
        let spec = text.trimmingCharacters(in: .whitespaces)
        var fields: [Substring]
        switch spec {
        case "@yearly", "@annually": fields = ["0", "0", "1", "1", "*"]
        case "@monthly": fields = ["0", "0", "1", "*", "*"]
        case "@weekly": fields = ["0", "0", "*", "*", "0"]
        case "@daily", "@midnight": fields = ["0", "0", "*", "*", "*"]
        case "@hourly": fields = ["0", "*", "*", "*", "*"]
        default:
            if spec.hasPrefix("@every ") {
                guard let d = Self.goDuration(String(spec.dropFirst(7))), d > 0 else { throw ParseError(description: "failed to parse duration \(spec)") }
                // robfig rounds the delay down to whole seconds, at least one.
                every = max(1, d.rounded(.down))
                return
            }
            if spec.hasPrefix("@") { throw ParseError(description: "unrecognized descriptor: \(spec)") }
            fields = spec.split(whereSeparator: { $0 == " " || $0 == "\t" })
        }
        guard fields.count == 5 else { throw ParseError(description: "expected exactly 5 fields, found \(fields.count): \(spec)") }
        (minutes, _) = try Self.field(fields[0], 0, 59, [:])
        (hours, _) = try Self.field(fields[1], 0, 23, [:])
        (daysOfMonth, domStar) = try Self.field(fields[2], 1, 31, [:])
        (months, _) = try Self.field(fields[3], 1, 12, Self.monthNames)
        (daysOfWeek, dowStar) = try Self.field(fields[4], 0, 7, Self.dayNames)
        // 7 is Sunday too.
        if daysOfWeek.remove(7) != nil { daysOfWeek.insert(0) }
    }

    private static func field(_ text: Substring, _ lo: Int, _ hi: Int, _ names: [String: Int]) throws(ParseError) -> (Set<Int>, Bool) {
        var values = Set<Int>()
        var star = false
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let rangeStep = part.split(separator: "/", omittingEmptySubsequences: false)
            guard rangeStep.count <= 2 else { throw ParseError(description: "too many slashes: \(part)") }
            let bounds = rangeStep[0].split(separator: "-", omittingEmptySubsequences: false)
            var start: Int, end: Int
            if bounds[0] == "*" || bounds[0] == "?" {
                guard bounds.count == 1 else { throw ParseError(description: "too many hyphens: \(part)") }
                start = lo
                end = hi
                if rangeStep.count == 1 { star = true }
            } else {
                start = try value(bounds[0], names)
                guard bounds.count <= 2 else { throw ParseError(description: "too many hyphens: \(part)") }
                end = bounds.count == 2 ? try value(bounds[1], names) : start
                if bounds.count == 1, rangeStep.count == 2 { end = hi }
            }
            var step = 1
            if rangeStep.count == 2 {
                guard let s = Int(rangeStep[1]), s > 0 else { throw ParseError(description: "bad step: \(part)") }
                step = s
            }
            guard start >= lo, end <= hi, start <= end else { throw ParseError(description: "out of range: \(part)") }
            values.formUnion(stride(from: start, through: end, by: step))
        }
        return (values, star)
    }

    private static func value(_ text: Substring, _ names: [String: Int]) throws(ParseError) -> Int {
        if let v = names[text.lowercased()] { return v }
        guard let v = Int(text), v >= 0 else { throw ParseError(description: "failed to parse int from \(text)") }
        return v
    }

    /// Go durations as `@every` takes them ("1h30m", "90s", "1.5m").
    static func goDuration(_ text: String) -> TimeInterval? {
        var s = Substring(text)
        var total = 0.0
        guard !s.isEmpty else { return nil }
        while !s.isEmpty {
            let number = s.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard let n = Double(number) else { return nil }
            s = s.dropFirst(number.count)
            let unit = s.prefix { $0.isLetter || $0 == "µ" }
            s = s.dropFirst(unit.count)
            switch unit {
            case "h": total += n * 3600
            case "m": total += n * 60
            case "s": total += n
            case "ms": total += n / 1000
            case "us", "µs": total += n / 1_000_000
            case "ns": total += n / 1_000_000_000
            default: return nil
            }
        }
        return total
    }

    /// The first activation strictly after `t` (robfig `SpecSchedule.Next`), or nil when none
    /// comes within five years (e.g. February 30th).
    func next(after t: Date) -> Date? {
        if let every {
            // robfig: t + delay, truncated to the second.
            return Date(timeIntervalSince1970: (t.timeIntervalSince1970 + every).rounded(.down))
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        // Start at the next whole minute.
        let start = Date(timeIntervalSince1970: (t.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60)
        var day = calendar.startOfDay(for: start)
        let sortedHours = hours.sorted(), sortedMinutes = minutes.sorted()
        for _ in 0..<(366 * 5) {
            let c = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            if let month = c.month, let dom = c.day, let weekday = c.weekday, months.contains(month),
               dayMatches(dom: dom, dow: weekday - 1) {
                for h in sortedHours {
                    for m in sortedMinutes {
                        var wanted = DateComponents()
                        wanted.year = c.year
                        wanted.month = month
                        wanted.day = dom
                        wanted.hour = h
                        wanted.minute = m
                        guard let candidate = calendar.date(from: wanted) else { continue }
                        // A wall time skipped by a DST change maps elsewhere: it must still match.
                        let back = calendar.dateComponents([.hour, .minute, .day], from: candidate)
                        guard back.hour == h, back.minute == m, back.day == dom else { continue }
                        if candidate >= start { return candidate }
                    }
                }
            }
            guard let following = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = following
        }
        return nil
    }

    /// robfig `dayMatches`: when either day field is `*`, both must match; otherwise either.
    func dayMatches(dom: Int, dow: Int) -> Bool {
        let domMatch = daysOfMonth.contains(dom), dowMatch = daysOfWeek.contains(dow)
        if domStar || dowStar { return domMatch && dowMatch }
        return domMatch || dowMatch
    }
}
