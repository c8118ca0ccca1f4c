/// Parses a standard five-field cron schedule the way robfig/cron/v3's `ParseStandard` does
/// (what Kubernetes uses for CronJob), returning its error text on failure — that text is
/// the detail of the `spec.schedule` Invalid cause.
enum CronSchedule {
    private struct Bounds {
        let min: Int
        let max: Int
        let names: [String: Int]
    }

    private static let fieldBounds: [Bounds] = [
        Bounds(min: 0, max: 59, names: [:]),
        Bounds(min: 0, max: 23, names: [:]),
        Bounds(min: 1, max: 31, names: [:]),
        Bounds(min: 1, max: 12, names: ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                                         "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12]),
        Bounds(min: 0, max: 6, names: ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6]),
    ]

    /// nil when `spec` parses; otherwise robfig/cron's error message.
    static func parseError(_ spec: String) -> String? {
        var spec = Substring(spec)
        if spec.isEmpty { return "empty spec string" }
        if spec.hasPrefix("TZ=") || spec.hasPrefix("CRON_TZ=") {
            // The location itself is not checked here; Kubernetes rejects TZ in schedules anyway.
            guard let space = spec.firstIndex(of: " ") else { return "provided bad location \(spec): unknown time zone" }
            spec = spec[space...].drop { $0 == " " }
        }
        if spec.hasPrefix("@") { return descriptorError(String(spec)) }
        let fields = spec.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        guard fields.count == 5 else {
            return "expected exactly 5 fields, found \(fields.count): [\(fields.joined(separator: " "))]"
        }
        for (field, bounds) in zip(fields, fieldBounds) {
            for expression in field.split(separator: ",", omittingEmptySubsequences: false) {
                if let error = rangeError(String(expression), bounds) { return error }
            }
        }
        return nil
    }

    private static func descriptorError(_ spec: String) -> String? {
        switch spec {
        case "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly": return nil
        default:
            if spec.hasPrefix("@every ") {
                let duration = String(spec.dropFirst("@every ".count))
                return isGoDuration(duration) ? nil : "failed to parse duration \(spec): time: invalid duration \(goQuote(duration))"
            }
            return "unrecognized descriptor: \(spec)"
        }
    }

    /// Go's time.ParseDuration grammar: [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+ or "0".
    private static func isGoDuration(_ text: String) -> Bool {
        var s = Substring(text)
        if s.first == "-" || s.first == "+" { s = s.dropFirst() }
        if s == "0" { return true }
        if s.isEmpty { return false }
        let units = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"]
        while !s.isEmpty {
            let number = s.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number != "." else { return false }
            s = s.dropFirst(number.count)
            guard let unit = units.sorted(by: { $0.count > $1.count }).first(where: { s.hasPrefix($0) }) else { return false }
            s = s.dropFirst(unit.count)
        }
        return true
    }

    private static func rangeError(_ expression: String, _ bounds: Bounds) -> String? {
        let rangeAndStep = expression.split(separator: "/", omittingEmptySubsequences: false)
        let lowAndHigh = rangeAndStep[0].split(separator: "-", omittingEmptySubsequences: false)
        var start: Int
        var end: Int
        if lowAndHigh[0] == "*" || lowAndHigh[0] == "?" {
            start = bounds.min
            end = bounds.max
        } else {
            switch parseIntOrName(String(lowAndHigh[0]), bounds.names) {
            case .failure(let message): return message
            case .success(let value): start = value
            }
            switch lowAndHigh.count {
            case 1: end = start
            case 2:
                switch parseIntOrName(String(lowAndHigh[1]), bounds.names) {
                case .failure(let message): return message
                case .success(let value): end = value
                }
            default: return "too many hyphens: \(expression)"
            }
        }
        var step = 1
        switch rangeAndStep.count {
        case 1: break
        case 2:
            switch parseInt(String(rangeAndStep[1])) {
            case .failure(let message): return message
            case .success(let value): step = value
            }
            // "N/step" means "N-max/step".
            if lowAndHigh.count == 1 { end = bounds.max }
        default: return "too many slashes: \(expression)"
        }
        if start < bounds.min { return "beginning of range (\(start)) below minimum (\(bounds.min)): \(expression)" }
        if end > bounds.max { return "end of range (\(end)) above maximum (\(bounds.max)): \(expression)" }
        if start > end { return "beginning of range (\(start)) beyond end of range (\(end)): \(expression)" }
        if step == 0 { return "step of range should be a positive number: \(expression)" }
        return nil
    }


    private enum Parsed {
        case success(Int)
        case failure(String)
    }

    private static func parseIntOrName(_ text: String, _ names: [String: Int]) -> Parsed {
        if let named = names[text.lowercased()] { return .success(named) }
        return parseInt(text)
    }

    /// Go's strconv.Atoi plus robfig's negative check, with their error texts.
    private static func parseInt(_ text: String) -> Parsed {
        var digits = Substring(text)
        var negative = false
        if digits.first == "+" || digits.first == "-" {
            negative = digits.first == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return .failure("failed to parse int from \(text): strconv.Atoi: parsing \(goQuote(text)): invalid syntax")
        }
        guard let magnitude = Int(digits) else {
            return .failure("failed to parse int from \(text): strconv.Atoi: parsing \(goQuote(text)): value out of range")
        }
        if negative && magnitude != 0 { return .failure("negative number (-\(magnitude)) not allowed: \(text)") }
        return .success(magnitude)
    }
}
